package dev.rawblock.cli.bench;

import dev.rawblock.device.BlockDevice;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Runs {@code bench device --sweep}: at every point of the grid, {@code runs} timed runs of
 * rawblock and as many of fio, by a method meant to survive a disk whose speed depends on what
 * was done to it just before.
 *
 * <ul>
 *   <li><b>Order ABBA.</b> Runs alternate in pairs, rawblock-fio then fio-rawblock, so that a drift
 *       during a point (a host flushing its cache, another tenant) lands on both sides alike.
 *   <li><b>Equally warm spans.</b> The target is cut into {@code spans} disjoint spans, and every
 *       run, of either side, takes the next one in rotation. So no run works where the run before
 *       it worked, and every run's span was last touched exactly {@code spans - 1} runs earlier:
 *       the same age for both sides. A warm-up pass of one untimed rawblock run per span (which
 *       also compiles our code) gives the first timed runs that age too.
 *   <li><b>Same access model.</b> Both sides run for the same time over the same span; random
 *       offsets are uniform with repeats (fio's {@code norandommap}), from a fresh seed every run.
 * </ul>
 */
final class DeviceSweep {
    /** Watches the sweep from the waiting thread: a label for the run going on and its elapsed time. */
    @FunctionalInterface
    interface Watcher {
        void running(String label, long elapsedNanos);
    }

    private final BlockDevice device;
    private final FioRunner fio;
    private final Path target;
    private final SweepGrid grid;
    private final long span;
    private final int spans;
    private final int runs;
    private final long runNanos;
    private final SplittableRandom seeds;
    private long cursor;

    /**
     * @param span     bytes of one run's span; the target holds {@code spans} of them
     * @param runs     timed runs per side and point
     * @param runNanos length of one run
     * @param seed     where every run's random seed comes from (printed, so a sweep can be replayed)
     */
    DeviceSweep(BlockDevice device, FioRunner fio, Path target, SweepGrid grid, long span, int spans, int runs,
                long runNanos, long seed) {
        this.device = device;
        this.fio = fio;
        this.target = target;
        this.grid = grid;
        this.span = span;
        this.spans = spans;
        this.runs = runs;
        this.runNanos = runNanos;
        this.seeds = new SplittableRandom(seed);
    }

    /** Whether run {@code i} (from 0) of a point is rawblock's: ABBA order, rawblock first. */
    static boolean oursAt(int i) {
        return (i / 2) % 2 == (i % 2);
    }

    /**
     * What a run costs beside its own time: fio's start-up and report, our lanes' buffers and the
     * flush; measured at about 0.23 s on the development VM (160 runs of the default grid).
     */
    static final double OVERHEAD_SECONDS_PER_RUN = 0.25;

    /** Seconds the sweep is expected to take: warm-up and timed runs, each with its overhead. */
    static double estimatedSeconds(int points, int runs, int spans, long runNanos) {
        return (points * 2L * runs + spans) * (runNanos / 1e9 + OVERHEAD_SECONDS_PER_RUN);
    }

    /**
     * The chance that two engines of the same speed still get a win or a loss at one point: with
     * n exchangeable runs per side, the probability that all of one side's runs beat all of the
     * other's is 2 / C(2n, n).
     */
    static double falseVerdictChance(int runs) {
        double combinations = 1;
        for (int i = 1; i <= runs; i++) combinations = combinations * (runs + i) / i;
        return 2 / combinations;
    }

    /** The span the next run works on, in rotation. */
    private DeviceWorkload.Window next() {
        long start = (cursor++ % spans) * span;
        return DeviceWorkload.Window.timed(start, span, runNanos, seeds.nextLong());
    }

    List<SweepPoint> run(Watcher watcher, java.util.function.Consumer<String> log)
            throws IOException, InterruptedException {
        List<SweepGrid.Point> points = grid.points();
        warmUp(points.getFirst(), watcher);
        List<SweepPoint> results = new ArrayList<>(points.size());
        for (int n = 0; n < points.size(); n++) {
            SweepGrid.Point p = points.get(n);
            String name = "point " + (n + 1) + "/" + points.size() + " " + p.label();
            List<Figures> ours = new ArrayList<>(runs);
            List<Figures> theirs = new ArrayList<>(runs);
            try (DeviceWorkload workload = new DeviceWorkload(device, (int) p.block(), p.qd(), span)) {
                for (int i = 0; i < 2 * runs; i++) {
                    DeviceWorkload.Window w = next();
                    if (oursAt(i)) {
                        String label = name + ": rawblock run " + (ours.size() + 1) + "/" + runs;
                        ours.add(workload.run(w, p.pattern(), (done, total, t) -> watcher.running(label, t)));
                    } else {
                        String label = name + ": fio run " + (theirs.size() + 1) + "/" + runs;
                        theirs.add(fio.run(target, w, p.block(), p.pattern(), p.qd(), t -> watcher.running(label, t)));
                    }
                }
            }
            SweepPoint result = new SweepPoint(p, ours, theirs);
            log.accept(SweepReport.row(result));
            results.add(result);
        }
        return results;
    }

    /** One untimed rawblock run per span: JIT compilation, and every span the same age before the first timed run. */
    private void warmUp(SweepGrid.Point first, Watcher watcher) throws IOException, InterruptedException {
        try (DeviceWorkload workload = new DeviceWorkload(device, (int) first.block(), first.qd(), span)) {
            for (int i = 0; i < spans; i++) {
                String label = "warm-up " + (i + 1) + "/" + spans;
                workload.run(next(), first.pattern(), (done, total, t) -> watcher.running(label, t));
            }
        }
    }
}
