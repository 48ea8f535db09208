package dev.rawblock.cli.bench;

import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The median of one figure over a point's runs, with the smallest and largest run beside it: on a
 * machine whose speed drifts, the range says how far the median can be trusted.
 */
record Spread(double median, double min, double max) {

    static Spread of(List<Double> values) {
        if (values.isEmpty()) throw new IllegalArgumentException("no runs");
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return new Spread(Figures.median(values, v -> v), min, max);
    }

    /** One field of each run's figures. */
    static <T> Spread of(List<T> runs, ToDoubleFunction<T> field) {
        return of(runs.stream().map(field::applyAsDouble).toList());
    }
}
