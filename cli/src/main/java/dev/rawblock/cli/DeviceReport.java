package dev.rawblock.cli;

import dev.rawblock.device.Engine;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The result of {@code bench device}: a table for people and one JSON line for scripts. Every
 * figure is the median over the runs; fio's row and the ratio appear only with {@code --against fio}.
 *
 * @param fioRuns empty when fio was not run
 */
record DeviceReport(Path path, String kind, AccessPattern pattern, Engine engine, long block, int qd, long size,
                    List<Figures> runs, List<Figures> fioRuns) {

    Figures ours() {
        return Figures.median(runs);
    }

    boolean hasFio() {
        return !fioRuns.isEmpty();
    }

    /** Ours over fio, by median GB/s: above 1 means faster than fio. */
    double ratio() {
        return ours().gbps() / Figures.median(fioRuns).gbps();
    }

    void printHuman(PrintWriter out) {
        out.printf(Locale.ROOT, "bench device: %s on %s (%s), %s, block %s, qd %d, size %s, %d run%s%n",
                pattern.label(), path, kind, engine.label(), SizeParser.format(block), qd, SizeParser.format(size),
                runs.size(), runs.size() == 1 ? "" : "s");
        out.printf(Locale.ROOT, "  %-9s %8s %10s %9s %9s %9s   %s%n", "", "GB/s", "IOPS", "p50 ms", "p99 ms",
                "CPU s/GB", "runs (GB/s)");
        row(out, "rawblock", runs);
        if (hasFio()) {
            row(out, "fio", fioRuns);
            out.printf(Locale.ROOT, "  %-9s %8.3f   (rawblock / fio, median GB/s)%n", "ratio", ratio());
        }
        out.println("GB/s = 10^9 bytes/s" + (runs.size() > 1 ? "; figures are medians of the runs" : "")
                + (pattern == AccessPattern.WRITE ? "; our write time includes the final flush" : ""));
    }

    private static void row(PrintWriter out, String name, List<Figures> list) {
        Figures m = Figures.median(list);
        StringBuilder each = new StringBuilder();
        for (double g : Figures.gbpsOf(list)) each.append(String.format(Locale.ROOT, " %.3f", g));
        out.printf(Locale.ROOT, "  %-9s %8.3f %10.0f %9.3f %9.3f %9.3f  %s%n", name, m.gbps(), m.iops(), m.p50Ms(),
                m.p99Ms(), m.cpuSPerGb(), each);
    }

    /** One line of JSON; the field names are part of the CLI's interface for scripts. */
    String json() {
        Figures m = ours();
        Json j = new Json()
                .put("gbps", m.gbps()).put("iops", m.iops()).put("p50_ms", m.p50Ms()).put("p99_ms", m.p99Ms())
                .put("cpu_s_per_gb", m.cpuSPerGb())
                .put("pattern", pattern.label()).put("engine", engine.label()).put("path", path.toString())
                .put("block_bytes", block).put("qd", qd).put("size_bytes", size)
                .put("runs", Figures.gbpsOf(runs));
        if (hasFio()) {
            Figures f = Figures.median(fioRuns);
            j.put("fio_gbps", f.gbps()).put("fio_iops", f.iops()).put("fio_p50_ms", f.p50Ms())
                    .put("fio_p99_ms", f.p99Ms()).put("fio_cpu_s_per_gb", f.cpuSPerGb())
                    .put("fio_runs", Figures.gbpsOf(fioRuns)).put("ratio", ratio());
        }
        return j.toString();
    }
}
