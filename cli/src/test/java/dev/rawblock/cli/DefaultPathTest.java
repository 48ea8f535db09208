package dev.rawblock.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** stats and fsck look at the store serve makes when no --path is given: ./data/rawblock.img. */
class DefaultPathTest {
    @TempDir
    Path dir;

    @Test
    void statsAndFsckTakeServesDefaultPath() throws Exception {
        Path store = dir.resolve(ServeCommand.DEFAULT_PATH);
        Files.createDirectories(store.getParent());
        assertEquals(0, InProcess.rawblock("format", "--path", store.toString(), "--capacity", "64m").exitCode());
        try (Child stats = Child.run(dir, 60, "stats", "--json")) {
            assertEquals(0, stats.exitCode(), stats.err());
            assertTrue(stats.out().contains("\"path\":\"" + ServeCommand.DEFAULT_PATH + "\""), stats.out());
        }
        try (Child fsck = Child.run(dir, 60, "fsck")) {
            assertEquals(0, fsck.exitCode(), fsck.err());
        }
    }

    @Test
    void withoutAStoreThereStatsSaysSoAndCreatesNothing() throws Exception {
        try (Child stats = Child.run(dir, 60, "stats")) {
            assertEquals(1, stats.exitCode(), stats.err());
            assertTrue(stats.err().contains(ServeCommand.DEFAULT_PATH.toString()), stats.err());
        }
        assertFalse(Files.exists(dir.resolve("data")));
    }
}
