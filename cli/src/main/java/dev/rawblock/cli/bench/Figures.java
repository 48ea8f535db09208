package dev.rawblock.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * What one timed pass measured, ours or fio's.
 *
 * @param gbps      10^9 bytes per second over the whole pass (for writes, including the final flush)
 * @param iops      operations per second
 * @param p50Ms     median per-operation latency, milliseconds
 * @param p99Ms     99th percentile latency, milliseconds
 * @param cpuSPerGb CPU seconds of the whole process per 10^9 bytes moved (NaN when unknown)
 */
record Figures(double gbps, double iops, double p50Ms, double p99Ms, double cpuSPerGb) {

    /**
     * Field by field medians of several passes. Each figure is summarised on its own, the same way
     * for us and for fio, because fio only reports percentiles, not histograms we could merge.
     */
    static Figures median(List<Figures> runs) {
        if (runs.isEmpty()) throw new IllegalArgumentException("no runs");
        return new Figures(median(runs, Figures::gbps), median(runs, Figures::iops), median(runs, Figures::p50Ms),
                median(runs, Figures::p99Ms), median(runs, Figures::cpuSPerGb));
    }

    /** The median of one field over several runs (of figures, or of any other record of a run). */
    static <T> double median(List<T> runs, ToDoubleFunction<T> field) {
        List<Double> values = new ArrayList<>(runs.size());
        for (T f : runs) values.add(field.applyAsDouble(f));
        values.sort(null);
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
    }

    /** One progress line for a pass, e.g. "run 1/3: 2.501 GB/s, 9542 IOPS, p50 3.332 ms, p99 4.227 ms". */
    String summary(String label, String opsUnit) {
        return String.format(java.util.Locale.ROOT, "%s: %.3f GB/s, %.0f %s, p50 %.3f ms, p99 %.3f ms", label, gbps,
                iops, opsUnit, p50Ms, p99Ms);
    }

    /** The per-run throughput, in run order. */
    static List<Double> gbpsOf(List<Figures> runs) {
        return runs.stream().map(Figures::gbps).toList();
    }
}
