package dev.rawblock.cli.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FioRunnerTest {
    /** The shape of fio 3.33's report, trimmed, after a warning line as fio sometimes prints. */
    static final String REPORT = """
            fio: some warning
            {
              "fio version" : "fio-3.33",
              "jobs" : [
                {
                  "jobname" : "rawblock-vs-fio",
                  "error" : 0,
                  "read" : {
                    "io_bytes" : 0, "bw_bytes" : 0, "iops" : 0.0,
                    "clat_ns" : { "percentile" : { "50.000000" : 0, "99.000000" : 0 } }
                  },
                  "write" : {
                    "io_bytes" : 2000000000,
                    "bw_bytes" : 1720740102,
                    "iops" : 6564.102564,
                    "clat_ns" : { "min" : 1, "percentile" : { "50.000000" : 4685824, "99.000000" : 11075584 } }
                  },
                  "job_runtime" : 1000,
                  "usr_cpu" : 10.0,
                  "sys_cpu" : 30.0
                }
              ]
            }
            """;

    @Test
    void readsThroughputLatencyAndCpuOfTheRightSide() throws IOException {
        Figures f = FioRunner.parse(REPORT, AccessPattern.WRITE);
        assertEquals(1.720740102, f.gbps(), 1e-9);
        assertEquals(6564.102564, f.iops(), 1e-6);
        assertEquals(4.685824, f.p50Ms(), 1e-9);
        assertEquals(11.075584, f.p99Ms(), 1e-9);
        assertEquals(0.2, f.cpuSPerGb(), 1e-9); // 40% of 1 s for 2 GB
    }

    @Test
    void totalLatencyPercentilesWinOverCompletionLatency() throws IOException {
        // With --lat_percentiles fio also reports lat_ns (submission + completion), which is what we measure.
        String withTotal = REPORT.replace("\"clat_ns\" : { \"min\" : 1,", "\"lat_ns\" : { \"percentile\" : "
                + "{ \"50.000000\" : 5000000, \"99.000000\" : 12000000 } }, \"clat_ns\" : { \"min\" : 1,");
        Figures f = FioRunner.parse(withTotal, AccessPattern.WRITE);
        assertEquals(5.0, f.p50Ms(), 1e-9);
        assertEquals(12.0, f.p99Ms(), 1e-9);
    }

    @Test
    void garbageIsAClearError() {
        IOException e = assertThrows(IOException.class, () -> FioRunner.parse("fio: file not found", AccessPattern.READ));
        assertTrue(e.getMessage().contains("no JSON"), e.getMessage());
    }

    @Test
    void failedJobIsAnError() {
        String failed = REPORT.replace("\"error\" : 0", "\"error\" : 5");
        IOException e = assertThrows(IOException.class, () -> FioRunner.parse(failed, AccessPattern.WRITE));
        assertTrue(e.getMessage().contains("error 5"), e.getMessage());
    }

    @Test
    void commandEscapesColonsAndMirrorsOurParameters() throws IOException {
        FioRunner fio;
        try {
            fio = FioRunner.locate();
        } catch (IOException notInstalled) {
            return; // only the command shape is tested here; fio itself is exercised elsewhere
        }
        List<String> cmd = fio.command(Path.of("/tmp/a:b.img"), 1 << 30, 262144, AccessPattern.RANDREAD, 32);
        assertTrue(cmd.contains("--filename=/tmp/a\\:b.img"), cmd.toString());
        assertTrue(cmd.containsAll(List.of("--size=1073741824", "--bs=262144", "--rw=randread", "--iodepth=32",
                "--ioengine=io_uring", "--direct=1", "--invalidate=1", "--output-format=json", "--lat_percentiles=1")),
                cmd.toString());
    }
}
