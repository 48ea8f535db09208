package dev.rawblock.cli;

import dev.rawblock.cli.InProcess.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** format, stats and fsck of a store over several files: repeated --path, in any order, and the refusals. */
@Timeout(120)
class MultiDeviceCommandTest {
    @TempDir
    Path dir;

    private String member(int i) {
        return dir.resolve("m" + i + ".img").toString();
    }

    private static void assertOneLineError(Run run, int exit, String fragment) {
        String err = run.err().strip();
        assertEquals(exit, run.exitCode(), err);
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.contains(fragment), err);
    }

    @Test
    void formatsThreeFilesAsOneStoreAndOpensThemInAnyOrder() {
        Run format = rawblock("format", "--path", member(0), "--path", member(1), "--path", member(2),
                "--create-size", "96m", "--json");
        assertEquals(0, format.exitCode(), format.err());
        Map<?, ?> json = format.json();
        assertEquals(List.of(member(0), member(1), member(2)), json.get("members"));
        double regions = assertInstanceOf(Double.class, json.get("region_count"));
        assertEquals(0, regions % 3, "whole rounds of regions: " + json);
        assertTrue(format.out().contains("members"), format.out());

        Run stats = rawblock("stats", "--path", member(2), "--path", member(0), "--path", member(1), "--json");
        assertEquals(0, stats.exitCode(), stats.err());
        List<?> members = assertInstanceOf(List.class, stats.json().get("members"));
        assertEquals(3, members.size());
        for (int i = 0; i < 3; i++) {
            Map<?, ?> m = assertInstanceOf(Map.class, members.get(i));
            assertEquals(member(i), m.get("path"), "members in their places");
            assertEquals(0.0, m.get("value_bytes"));
            assertTrue(assertInstanceOf(Double.class, m.get("capacity_bytes")) > 0, m.toString());
        }

        Run fsck = rawblock("fsck", "--path", member(1), "--path", member(2), "--path", member(0));
        assertEquals(0, fsck.exitCode(), fsck.err());

        assertOneLineError(rawblock("stats", "--path", member(0), "--path", member(1)), 1,
                "has 3 members but 2 were given: member 2 is missing");
        assertOneLineError(rawblock("stats", "--path", member(1)), 1,
                member(1) + " is member 1 of 3 (formatted as " + member(1) + ") of the span rawblock store");
        assertOneLineError(rawblock("format", "--path", member(0), "--path", dir.resolve("new.img").toString(),
                "--create-size", "96m"), 1, member(0) + " is member 0 of 3");
        assertOneLineError(rawblock("format", "--path", member(0), "--path", member(0)), 2,
                "--path " + member(0) + " is given twice");

        // A member of another store is named as such.
        Run other = rawblock("format", "--path", dir.resolve("x0.img").toString(), "--path",
                dir.resolve("x1.img").toString(), "--create-size", "96m");
        assertEquals(0, other.exitCode(), other.err());
        assertOneLineError(rawblock("stats", "--path", member(0), "--path", member(1), "--path",
                dir.resolve("x1.img").toString()), 1, "is member 1 of 2");
        // Refusals wrote nothing: the store still opens whole.
        assertEquals(0, rawblock("fsck", "--path", member(0), "--path", member(1), "--path", member(2)).exitCode());
    }
}
