package dev.rawblock.cli.bench;

import dev.rawblock.cli.InProcess.Run;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code rawblock bench store} on small scratch stores, run in-process. */
@Timeout(300) // a stuck engine fails the test instead of hanging the build
class BenchStoreCommandTest {
    @TempDir
    Path dir;

    private Run bench(String... extra) {
        String[] base = {"bench", "store", "--path", dir.resolve("s.img").toString(), "--total", "64m",
                "--value-size", "1m", "--qd", "4", "--json"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return rawblock(args);
    }

    private static double number(Map<?, ?> json, String key) {
        return assertInstanceOf(Double.class, json.get(key), key + " in " + json);
    }

    private static void assertOneLineError(Run run, String fragment) {
        String err = run.err().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.startsWith("rawblock: "), err);
        assertTrue(err.contains(fragment), err);
    }

    @Test
    void uniformPutsAndGetsEveryValue() {
        Run run = bench();
        assertEquals(0, run.exitCode(), run.err());
        Map<?, ?> json = run.json();
        assertTrue(number(json, "put_gbps") > 0, run.lastLine());
        assertTrue(number(json, "get_gbps") > 0, run.lastLine());
        assertTrue(number(json, "put_ops") > 0 && number(json, "get_ops") > 0, run.lastLine());
        assertTrue(number(json, "put_p99_ms") >= number(json, "put_p50_ms"), run.lastLine());
        assertTrue(number(json, "put_cpu_s_per_gb") > 0, run.lastLine());
        assertEquals(64.0, number(json, "entries"));
        assertEquals(0.0, number(json, "get_misses"));
        assertEquals(0.0, number(json, "evictions"));
        assertTrue(number(json, "verified_values") >= 1, run.lastLine());
        double efficiency = number(json, "space_efficiency");
        assertTrue(efficiency > 0.99 && efficiency <= 1.0, run.lastLine()); // 1 MiB values in 1 MiB + 4 KiB slots
        double regions = number(json, "region_efficiency");
        assertTrue(regions > 0 && regions <= efficiency, "region tails count against it: " + run.lastLine());
        assertEquals(number(json, "index_memory_bytes") / 64, number(json, "bytes_per_entry"), 0.01);
        assertEquals("uniform", json.get("workload"));
        assertEquals(Boolean.TRUE, json.get("flush"), "flush is on by default");
        assertEquals(1, assertInstanceOf(List.class, json.get("put_runs")).size());
        assertFalse(json.containsKey("put_ratio"), "no fio figures without --against fio");
        assertTrue(run.out().contains("space efficiency"), run.out());
    }

    /** Over three files: every value round-trips, and each member's ring thread is reported. */
    @Test
    void membersLayTheStoreOverSeveralFiles() {
        Run run = bench("--members", "3");
        assertEquals(0, run.exitCode(), run.err());
        Map<?, ?> json = run.json();
        assertEquals(3.0, number(json, "members"));
        assertEquals(64.0, number(json, "entries"));
        assertEquals(0.0, number(json, "get_misses"));
        for (String op : new String[] {"put", "get"}) {
            List<?> busy = assertInstanceOf(List.class, json.get(op + "_ring_busy"));
            assertEquals(3, busy.size(), run.lastLine());
            for (Object b : busy) assertTrue((Double) b > 0 && (Double) b < 1.5, op + ": " + run.lastLine());
        }
        for (int m = 1; m < 3; m++) assertTrue(java.nio.file.Files.exists(dir.resolve("s.img." + m)));
        assertTrue(run.out().contains("one ring thread per member"), run.out());
        assertOneLineError(bench("--members", "2", "--against", "fio"), "--members needs no --against");
    }

    @Test
    void kvcacheMixReportsSpaceEfficiency() {
        Run run = bench("--workload", "kvcache-mix", "--runs", "2");
        assertEquals(0, run.exitCode(), run.err());
        Map<?, ?> json = run.json();
        assertTrue(number(json, "put_gbps") > 0, run.lastLine());
        assertTrue(number(json, "get_gbps") > 0, run.lastLine());
        double efficiency = number(json, "space_efficiency");
        assertTrue(efficiency >= 0.9 && efficiency <= 1.0, run.lastLine());
        // 64 chunks and their metadata; a few may have been evicted when partial chunks took regions.
        assertTrue(number(json, "entries") > 100 && number(json, "entries") <= 128, run.lastLine());
        assertTrue(number(json, "payload_bytes") < 64.0 * (1 << 20), "partial chunks are shorter: " + run.lastLine());
        assertEquals(2, assertInstanceOf(List.class, json.get("get_runs")).size());
        assertEquals("kvcache-mix", json.get("workload"));
    }

    @Test
    void flushOffIsPassedToTheStoreAndReported() {
        Run run = bench("--flush", "false", "--ops", "put");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(Boolean.FALSE, run.json().get("flush"));
        assertTrue(number(run.json(), "put_gbps") > 0, run.lastLine());
        assertTrue(run.out().contains("flush off"), run.out());
    }

    @Test
    void refusesToOverwriteAStoreWithoutForce() {
        Run putOnly = bench("--ops", "put");
        assertEquals(0, putOnly.exitCode(), putOnly.err());
        assertTrue(number(putOnly.json(), "put_gbps") > 0, putOnly.lastLine());
        assertEquals(null, putOnly.json().get("get_gbps"), "get was not run");
        Run refused = bench();
        assertEquals(1, refused.exitCode());
        assertOneLineError(refused, "holds a rawblock store (id ");
        assertOneLineError(refused, "use --force");
        Run forced = bench("--force", "--ops", "get");
        assertEquals(0, forced.exitCode(), forced.err());
        Map<?, ?> json = forced.json();
        assertTrue(number(json, "get_gbps") > 0, forced.lastLine());
        assertEquals(null, json.get("put_gbps"), "put was not a timed pass");
    }

    @Test
    void usageErrors() {
        Run notMultiple = rawblock("bench", "store", "--path", dir.resolve("s.img").toString(), "--total", "65m",
                "--value-size", "2m");
        assertEquals(2, notMultiple.exitCode());
        assertOneLineError(notMultiple, "multiple of --value-size");
        Run ops = bench("--ops", "put,scan");
        assertEquals(2, ops.exitCode());
        assertOneLineError(ops, "scan");
        Run workload = bench("--workload", "zipf");
        assertEquals(2, workload.exitCode());
        assertOneLineError(workload, "zipf");
        Run eviction = bench("--eviction", "fifo");
        assertEquals(2, eviction.exitCode());
        assertOneLineError(eviction, "fifo");
        Run qd = bench("--qd", "0");
        assertEquals(2, qd.exitCode());
        Run flush = bench("--flush", "maybe");
        assertEquals(2, flush.exitCode());
        assertOneLineError(flush, "maybe");
        assertFalse(Files.exists(dir.resolve("s.img")), "usage errors touch nothing");
    }

    @Test
    void targetTooSmallIsAFailure() throws Exception {
        Path small = dir.resolve("small.img");
        Files.write(small, new byte[1 << 20]);
        Run run = rawblock("bench", "store", "--path", small.toString(), "--total", "64m", "--value-size", "1m");
        assertEquals(1, run.exitCode());
        assertOneLineError(run, "use a smaller --total");
    }

    @Test
    void againstFioReportsBothAndTheRatios() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/fio")), "fio is not installed");
        Run run = bench("--against", "fio");
        assertEquals(0, run.exitCode(), run.err());
        Map<?, ?> json = run.json();
        assertTrue(number(json, "fio_put_gbps") > 0, run.lastLine());
        assertTrue(number(json, "fio_get_gbps") > 0, run.lastLine());
        assertTrue(number(json, "put_ratio") > 0 && number(json, "get_ratio") > 0, run.lastLine());
        assertTrue(run.out().contains("fio write") && run.out().contains("fio read"), run.out());
    }
}
