package dev.rawblock.cli.bench;

import dev.rawblock.cli.text.Json;
import dev.rawblock.cli.text.SizeParser;
import dev.rawblock.device.Engine;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The result of {@code bench device --sweep}: a table (one row per point, each median with its
 * min-max spread, the ratio's range and the verdict) and one JSON line with every point and run.
 *
 * @param span     bytes of each run's span
 * @param spans    disjoint spans the runs rotate over
 * @param runs     timed runs per side and point
 * @param runNanos length of one run
 * @param seed     the seed every run's seed was drawn from
 */
record SweepReport(Path path, String kind, Engine engine, long span, int spans, int runs, long runNanos, long seed,
                   List<SweepPoint> points) {

    void printHuman(PrintWriter out) {
        out.printf(Locale.ROOT, "bench device --sweep: %s (%s), %s against fio (io_uring), %d points, %d runs per side "
                        + "per point of %s s, order ABBA, each run on the next of %d spans of %s%n",
                path, kind, engine.label(), points.size(), runs, seconds(runNanos), spans, SizeParser.format(span));
        out.printf(Locale.ROOT, "%-8s %6s %3s | %-24s | %-24s | %-19s %-9s | %7s %7s | %8s %8s%n", "pattern", "block",
                "qd", "rawblock GB/s [min-max]", "fio GB/s [min-max]", "ratio [range]", "verdict", "kIOPS", "fio",
                "p99 ms", "fio");
        for (SweepPoint p : points) out.println(row(p));
        Map<Verdict, Integer> counts = counts();
        out.printf(Locale.ROOT, "verdicts: %d above fio, %d at fio, %d below fio%n", counts.get(Verdict.ABOVE),
                counts.get(Verdict.AT), counts.get(Verdict.BELOW));
        out.println("Each figure is the median of the runs, [min-max] the slowest and fastest run. ratio = rawblock / fio "
                + "by median GB/s, [range] = rawblock's slowest / fio's fastest to rawblock's fastest / fio's slowest. "
                + "\"at fio\" means that range contains 1.0: the runs overlap, the machine's noise is larger than the "
                + "difference. GB/s = 10^9 bytes/s; writes include a final flush on both sides; p99 is the 99th "
                + "percentile of each operation's latency from submission to completion, on both sides (fio's lat, "
                + "not its clat), the median over the runs.");
        out.printf(Locale.ROOT, "With %d runs per side, two engines of equal speed would still get \"above\" or \"below\" "
                + "at a point with a chance of %.1f%%%s.%n", runs, 100 * DeviceSweep.falseVerdictChance(runs),
                runs < 5 ? ": too few runs to trust a verdict, use --runs 5 or more" : "");
    }

    /** Seconds for people: 1, 0.25, 2.5 (no trailing zeros). */
    static String seconds(long nanos) {
        return new java.math.BigDecimal(nanos).movePointLeft(9).stripTrailingZeros().toPlainString();
    }

    /** A point as one table row; also the line printed as each point finishes. */
    static String row(SweepPoint p) {
        Spread ours = p.oursGbps();
        Spread fio = p.fioGbps();
        Spread r = p.ratio();
        return String.format(Locale.ROOT, "%-8s %6s %3d | %-24s | %-24s | %-19s %-9s | %7.1f %7.1f | %8.3f %8.3f",
                p.point().pattern().label(), SizeParser.format(p.point().block()), p.point().qd(), spread(ours),
                spread(fio), String.format(Locale.ROOT, "%.2f [%.2f-%.2f]", r.median(), r.min(), r.max()),
                p.verdict().label(), Spread.of(p.ours(), Figures::iops).median() / 1e3,
                Spread.of(p.fio(), Figures::iops).median() / 1e3, Spread.of(p.ours(), Figures::p99Ms).median(),
                Spread.of(p.fio(), Figures::p99Ms).median());
    }

    private static String spread(Spread s) {
        return String.format(Locale.ROOT, "%.3f [%.3f-%.3f]", s.median(), s.min(), s.max());
    }

    Map<Verdict, Integer> counts() {
        Map<Verdict, Integer> counts = new EnumMap<>(Verdict.class);
        for (Verdict v : Verdict.values()) counts.put(v, 0);
        for (SweepPoint p : points) counts.merge(p.verdict(), 1, Integer::sum);
        return counts;
    }

    /** One line of JSON with every point; the field names are part of the CLI's interface for scripts. */
    String json() {
        Map<Verdict, Integer> counts = counts();
        return new Json().put("sweep", true).put("path", path.toString()).put("kind", kind)
                .put("engine", engine.label()).put("peer", "fio").put("order", "ABBA")
                .put("span_bytes", span).put("spans", spans).put("runs", runs).put("run_seconds", runNanos / 1e9)
                .put("seed", seed)
                .putObjects("points", points.stream().map(SweepPoint::json).toList())
                .putObject("verdicts", new Json().put("above", counts.get(Verdict.ABOVE))
                        .put("at", counts.get(Verdict.AT)).put("below", counts.get(Verdict.BELOW)))
                .toString();
    }
}
