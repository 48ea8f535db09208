package dev.rawblock.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/configuration.md is what the commands really accept. */
class OptionsReferenceTest {
    private static final Path DOC = Path.of("..", "docs", "configuration.md");

    @Test
    void theCommittedReferenceIsCurrent() throws IOException {
        String generated = OptionsReference.render(Main.commandLine());
        Path fresh = Path.of("target", "configuration.md");
        Files.writeString(fresh, generated);
        assertTrue(generated.contains("## `rawblock serve`"), generated);
        assertEquals(generated, Files.exists(DOC) ? Files.readString(DOC) : "",
                "docs/configuration.md is stale: cp cli/target/configuration.md docs/configuration.md");
    }
}
