package dev.rawblock.cli.bench;

import dev.rawblock.cli.InProcess.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code rawblock bench recovery} on small scratch stores, run in-process. */
@Timeout(300)
class BenchRecoveryCommandTest {
    @TempDir
    Path dir;

    private static double number(Map<?, ?> json, String key) {
        return assertInstanceOf(Double.class, json.get(key), key + " in " + json);
    }

    @Test
    void cleanAndCrashOpensAreTimedAndNothingAcknowledgedIsLost() {
        String img = dir.resolve("r.img").toString();
        Run run = rawblock("bench", "recovery", "--path", img, "--entries", "20000", "--json");
        assertEquals(0, run.exitCode(), run.err());
        Map<?, ?> json = run.json();
        assertEquals(20000.0, number(json, "entries"));
        assertEquals(Boolean.TRUE, json.get("flush"));
        assertTrue(number(json, "fill_entries_per_s") > 0, run.lastLine());
        assertTrue(number(json, "clean_open_s") > 0, run.lastLine());
        assertTrue(number(json, "crash_open_s") > 0, run.lastLine());
        double perEntry = number(json, "checkpoint_bytes_per_entry");
        assertTrue(perEntry >= 20 && perEntry <= 40, run.lastLine());
        // 10% more puts and 1% deletes happened after the last checkpoint: replayed, none lost.
        assertEquals(2000.0, number(json, "crash_puts"));
        assertEquals(200.0, number(json, "crash_deletes"));
        assertEquals(21800.0, number(json, "entries_after_crash"));
        assertEquals(22000.0, number(json, "keys_checked"));
        assertTrue(number(json, "values_verified") > 1000, run.lastLine());
        assertTrue(((String) json.get("crash_recovery")).contains("journal changes"), run.lastLine());
        assertTrue(run.out().contains("crash open") && run.out().contains("clean open"), run.out());

        Run refused = rawblock("bench", "recovery", "--path", img, "--entries", "1000");
        assertEquals(1, refused.exitCode());
        assertTrue(refused.err().strip().startsWith("rawblock: ") && refused.err().contains("use --force"),
                refused.err());

        Run noFlush = rawblock("bench", "recovery", "--path", img, "--entries", "5000", "--flush", "false", "--force",
                "--json");
        assertEquals(0, noFlush.exitCode(), noFlush.err());
        assertEquals(Boolean.FALSE, noFlush.json().get("flush"));
        assertEquals(5450.0, number(noFlush.json(), "entries_after_crash"));
    }

    @Test
    void usageErrors() {
        String img = dir.resolve("r.img").toString();
        assertEquals(2, rawblock("bench", "recovery", "--path", img, "--entries", "0").exitCode());
        assertEquals(2, rawblock("bench", "recovery", "--path", img, "--value-size", "2m").exitCode());
        assertEquals(2, rawblock("bench", "recovery", "--path", img, "--flush", "sometimes").exitCode());
        assertFalse(Files.exists(Path.of(img)), "usage errors touch nothing");
    }
}
