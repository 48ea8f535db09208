package dev.rawblock.cli.bench;

import dev.rawblock.cli.InProcess.Run;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code rawblock bench device} on small scratch files, run in-process: exit codes and output. */
@Timeout(300) // a stuck engine fails the test instead of hanging the build
class BenchDeviceCommandTest {
    @TempDir
    Path dir;

    private Run bench(String pattern, String... extra) {
        String[] base = {"bench", "device", "--path", dir.resolve("d.img").toString(), "--size", "64m", "--block", "256k",
                "--qd", "8", "--pattern", pattern, "--json"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return rawblock(args);
    }

    private static double number(Map<?, ?> json, String key) {
        return assertInstanceOf(Double.class, json.get(key), key + " in " + json);
    }

    @Test
    void writeThenRandreadReportThroughputAsJson() {
        for (String pattern : new String[] {"write", "randread"}) {
            Run run = bench(pattern);
            assertEquals(0, run.exitCode(), "exit code for " + pattern + "; stderr: " + run.err());
            Map<?, ?> json = run.json();
            assertTrue(number(json, "gbps") > 0, run.lastLine());
            assertTrue(number(json, "iops") > 0, run.lastLine());
            assertTrue(number(json, "p50_ms") > 0 && number(json, "p99_ms") >= number(json, "p50_ms"), run.lastLine());
            assertTrue(number(json, "cpu_s_per_gb") > 0, run.lastLine());
            assertEquals(pattern, json.get("pattern"));
            assertEquals("io_uring", json.get("engine"));
            assertEquals(262144.0, number(json, "block_bytes"));
            assertEquals(8.0, number(json, "qd"));
            assertEquals(64.0 * (1 << 20), number(json, "size_bytes"));
            assertEquals(1, assertInstanceOf(List.class, json.get("runs")).size());
            assertFalse(json.containsKey("ratio"), "no fio figures without --against fio");
            assertTrue(run.out().contains("rawblock"), "human summary before the JSON: " + run.out());
        }
    }

    @Test
    void posixEngineAndSeveralRuns() {
        Run run = bench("read", "--engine", "posix", "--runs", "3");
        assertEquals(0, run.exitCode(), run.err());
        Map<?, ?> json = run.json();
        assertEquals("posix", json.get("engine"));
        assertEquals(3, assertInstanceOf(List.class, json.get("runs")).size());
        assertTrue(number(json, "gbps") > 0);
    }

    @Test
    void badPatternIsAUsageError() {
        Run run = bench("sideways");
        assertEquals(2, run.exitCode());
        assertOneLineError(run, "sideways");
    }

    @Test
    void sizeThatIsNotAMultipleOfTheBlockIsAUsageError() {
        Run run = rawblock("bench", "device", "--path", dir.resolve("d.img").toString(), "--size", "100k");
        assertEquals(2, run.exitCode());
        assertOneLineError(run, "multiple of --block");
    }

    @Test
    void directoryAsPathIsAFailureWithOneLine() {
        Run run = rawblock("bench", "device", "--path", dir.toString(), "--size", "64m");
        assertEquals(1, run.exitCode());
        assertOneLineError(run, "is a directory");
    }

    @Test
    void targetSmallerThanSizeIsAFailure() throws IOException {
        Path small = dir.resolve("small.img");
        Files.write(small, new byte[1 << 20]);
        Run run = rawblock("bench", "device", "--path", small.toString(), "--size", "64m");
        assertEquals(1, run.exitCode());
        assertOneLineError(run, "less than --size");
    }

    @Test
    void verboseAddsTheStackTrace() {
        Run run = rawblock("bench", "device", "--path", dir.toString(), "--verbose");
        assertEquals(1, run.exitCode());
        assertTrue(run.err().lines().count() > 1 && run.err().contains("\tat "), run.err());
    }

    @Test
    void againstFioReportsBoth() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/fio")), "fio is not installed");
        Run run = bench("randread", "--against", "fio");
        assertEquals(0, run.exitCode(), run.err());
        Map<?, ?> json = run.json();
        assertTrue(number(json, "fio_gbps") > 0, run.lastLine());
        assertTrue(number(json, "fio_iops") > 0, run.lastLine());
        assertTrue(number(json, "ratio") > 0, run.lastLine());
        assertTrue(run.out().contains("fio"), run.out());
    }

    @Test
    void missingSubcommandIsAUsageError() {
        assertEquals(2, rawblock().exitCode());
        assertEquals(2, rawblock("bench").exitCode());
    }

    @Test
    void helpAndVersionSucceed() {
        Run help = rawblock("bench", "device", "--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("--pattern"), help.out());
        Run version = rawblock("--version");
        assertEquals(0, version.exitCode());
        assertTrue(version.out().startsWith("rawblock "), version.out());
    }

    private static void assertOneLineError(Run run, String fragment) {
        String err = run.err().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.startsWith("rawblock: "), err);
        assertTrue(err.contains(fragment), err);
    }
}
