package dev.rawblock.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Many seeds of the {@link Simulator}, and their sum: the figures {@code rawblock simulate}
 * reports. The digest covers every seed's digest in order, so two runs of the same seeds agree
 * on it exactly, and any difference in what the store did changes it.
 */
public final class Simulation {
    /** The sum of a run of seeds. */
    public record Summary(int seeds, long crashPoints, long lost, long wrong, long resurrected, long inconsistent, long checks,
                          long ticks, long digest, List<Simulator.Result> failures) {
        public boolean passed() {
            return failures.isEmpty();
        }
    }

    private Simulation() {}

    /**
     * Runs seeds {@code first .. first + count - 1}, telling {@code each} every result as it comes
     * and {@code trace} (when not null) every operation of every seed.
     */
    public static Summary run(long first, int count, Simulator.Settings settings, Consumer<Simulator.Result> each,
                              Consumer<String> trace) {
        CRC32C digest = new CRC32C();
        long crashes = 0, lost = 0, wrong = 0, resurrected = 0, inconsistent = 0, checks = 0, ticks = 0;
        List<Simulator.Result> failures = new ArrayList<>();
        for (long seed = first; seed < first + count; seed++) {
            Simulator.Result r = Simulator.run(seed, settings, trace);
            each.accept(r);
            crashes += r.crashPoints();
            lost += r.lost();
            wrong += r.wrong();
            resurrected += r.resurrected();
            inconsistent += r.inconsistent();
            checks += r.checks();
            ticks += r.ticks();
            for (int i = 0; i < 8; i++) digest.update((int) (r.digest() >>> (8 * i)));
            if (!r.passed()) failures.add(r);
        }
        return new Summary(count, crashes, lost, wrong, resurrected, inconsistent, checks, ticks, digest.getValue(), List.copyOf(failures));
    }
}
