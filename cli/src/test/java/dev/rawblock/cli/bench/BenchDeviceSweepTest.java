package dev.rawblock.cli.bench;

import dev.rawblock.cli.InProcess;
import dev.rawblock.cli.text.JsonReader;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tiny {@code bench device --sweep} against fio on a scratch file: the table, the JSON line, the plot. */
@Timeout(300)
class BenchDeviceSweepTest {
    @TempDir
    Path dir;

    private static double number(Map<?, ?> json, String key) {
        return assertInstanceOf(Double.class, json.get(key), key + " in " + json);
    }

    @Test
    void tinySweepReportsEveryPointBothSidesAndAConsistentVerdict() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/fio")), "fio is not installed");
        Path plot = dir.resolve("curve.png");
        InProcess.Run run = rawblock("bench", "device", "--sweep", "--path", dir.resolve("d.img").toString(),
                "--size", "16m", "--spans", "3", "--runs", "2", "--run-time", "0.2", "--patterns", "write,randread",
                "--blocks", "4k,64k", "--qds", "1,4", "--seed", "42", "--json", "--plot", plot.toString());
        assertEquals(0, run.exitCode(), "stderr: " + run.err());
        String out = run.out();
        assertTrue(out.contains("verdicts:"), out);
        assertTrue(out.contains("randread 64 KiB   4 |"), out);
        List<String> lines = out.strip().lines().toList();
        Map<?, ?> json = assertInstanceOf(Map.class, JsonReader.parse(lines.get(lines.size() - 2)), out);
        assertEquals(Boolean.TRUE, json.get("sweep"));
        assertEquals("ABBA", json.get("order"));
        assertEquals(42.0, number(json, "seed"));
        assertEquals(3.0, number(json, "spans"));
        assertEquals(16.0 * (1 << 20), number(json, "span_bytes"));
        List<?> points = assertInstanceOf(List.class, json.get("points"));
        assertEquals(8, points.size());
        int[] counts = new int[3];
        for (Object o : points) {
            Map<?, ?> p = assertInstanceOf(Map.class, o);
            for (String side : List.of("rawblock", "fio")) {
                Map<?, ?> s = assertInstanceOf(Map.class, p.get(side), side + " in " + p);
                assertEquals(2, assertInstanceOf(List.class, s.get("runs_gbps")).size());
                for (String f : List.of("gbps", "iops", "p50_ms", "p99_ms")) {
                    double median = number(s, f);
                    assertTrue(median > 0, f + " of " + side + " in " + p);
                    assertTrue(number(s, f + "_min") <= median && median <= number(s, f + "_max"), f + " in " + p);
                }
            }
            // The verdict follows from the spreads, as the table's legend says.
            Spread ours = spreadOf(assertInstanceOf(Map.class, p.get("rawblock")));
            Spread fio = spreadOf(assertInstanceOf(Map.class, p.get("fio")));
            Verdict v = Verdict.of(ours, fio);
            assertEquals(v.label(), p.get("verdict"), p.toString());
            counts[v.ordinal()]++;
            assertEquals(ours.min() / fio.max(), number(p, "ratio_min"), 1e-3 * number(p, "ratio_min"));
        }
        Map<?, ?> verdicts = assertInstanceOf(Map.class, json.get("verdicts"));
        assertEquals(counts[Verdict.ABOVE.ordinal()], number(verdicts, "above"));
        assertEquals(counts[Verdict.AT.ordinal()], number(verdicts, "at"));
        assertEquals(counts[Verdict.BELOW.ordinal()], number(verdicts, "below"));
        assertEquals("plot: " + plot, lines.getLast());
        BufferedImage image = ImageIO.read(plot.toFile());
        assertNotNull(image, "a PNG at " + plot);
        assertTrue(image.getWidth() > 1000 && image.getHeight() > 500);
    }

    private static Spread spreadOf(Map<?, ?> side) {
        return new Spread(number(side, "gbps"), number(side, "gbps_min"), number(side, "gbps_max"));
    }

    @Test
    void singlePointOptionsAreRefusedWithSweep() {
        InProcess.Run run = rawblock("bench", "device", "--sweep", "--path", dir.resolve("d.img").toString(),
                "--block", "4k");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("--blocks"), run.err());
    }

    @Test
    void sweepOptionsAreRefusedWithoutSweep() {
        InProcess.Run run = rawblock("bench", "device", "--path", dir.resolve("d.img").toString(),
                "--qds", "1,8");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("belong to --sweep"), run.err());
    }

    @Test
    void oneSpanIsAUsageError() {
        InProcess.Run run = rawblock("bench", "device", "--sweep", "--path", dir.resolve("d.img").toString(),
                "--spans", "1");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("--spans"), run.err());
    }

    @Test
    void spanThatIsNotAMultipleOfEveryBlockIsAUsageError() {
        InProcess.Run run = rawblock("bench", "device", "--sweep", "--path", dir.resolve("d.img").toString(),
                "--size", "1m", "--blocks", "4k,4m");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("multiple of every block"), run.err());
    }
}
