package dev.rawblock.cli.bench;

import dev.rawblock.cli.InProcess.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(120)
class BenchIndexCommandTest {
    private static double number(Map<?, ?> json, String key) {
        return assertInstanceOf(Double.class, json.get(key), key + " in " + json);
    }

    @Test
    void reportsMemoryPerEntryAndLookupTimes() {
        Run run = rawblock("bench", "index", "--entries", "100000", "--json");
        assertEquals(0, run.exitCode(), run.err());
        Map<?, ?> json = run.json();
        assertEquals(100000.0, number(json, "entries"));
        double perEntry = number(json, "bytes_per_entry");
        assertTrue(perEntry >= 50 && perEntry <= 76, "40-byte cells at a load of 53% to 80%: " + run.lastLine());
        assertTrue(number(json, "lookup_ns") > 0, run.lastLine());
        assertTrue(number(json, "insert_ns") > 0 && number(json, "miss_ns") > 0, run.lastLine());
        assertTrue(run.out().contains("B per entry"), run.out());
    }

    @Test
    void entriesOutOfRangeIsAUsageError() {
        assertEquals(2, rawblock("bench", "index", "--entries", "0").exitCode());
        assertEquals(2, rawblock("bench", "index", "--entries", "many").exitCode());
    }
}
