package dev.rawblock.cli.bench;

import dev.rawblock.cli.Main;
import dev.rawblock.cli.Progress;
import dev.rawblock.uring.LibC;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The closed loop of every bench: a fixed number of lanes, each with one call in flight, until the
 * pass is done; so exactly that many calls are outstanding. rawblock's passes and its embedded
 * peers' (the device, the store, RocksDB, a recovery's fill) run in this one loop, so they are timed
 * the same way: from the moment every lane is ready until the last call and the pass's finish step
 * (a flush) returned, with process CPU over the same interval. The waiting thread only watches:
 * progress, a stall (no call finished for a minute), a failure, Ctrl-C.
 *
 * <p>How a lane makes its calls is the caller's {@link Lanes}: {@link #threads} runs blocking calls
 * on platform threads; the device workload issues each lane's next operation from the completion of
 * the previous one.
 */
final class ClosedLoop {
    /** One blocking call for one item; it records its own latency, so checks after the call stay out of it. */
    @FunctionalInterface
    interface Call {
        /** @return the value bytes the call moved (or whatever unit the pass's progress counts) */
        long run(int item, int lane, Recorder latency) throws Exception;
    }

    /** The end of a timed pass, inside the clock: what makes a put pass durable. */
    @FunctionalInterface
    interface Finish {
        void run() throws IOException, InterruptedException;
    }

    /** Watches a pass from the waiting thread (never from a lane or an I/O thread). */
    @FunctionalInterface
    interface Observer {
        void progress(long doneBytes, long totalBytes, long elapsedNanos);

        /** Progress lines of {@code label} on the command's terminal. */
        static Observer of(Progress progress, String label) {
            return (done, total, elapsed) -> progress.update(label, done, total, elapsed);
        }
    }

    /** The lanes of one pass, however they make their calls. */
    @FunctionalInterface
    interface Lanes {
        /**
         * Gets every lane ready (untimed) and returns what starts them; the clock starts just before
         * it runs. Each lane reports to {@code tally} and calls {@link Tally#laneDone()} once, when
         * it has stopped, whether it finished, failed or saw {@link Tally#stopping()}.
         */
        Runnable prepare(Tally tally) throws IOException;
    }

    /** What the lanes of one pass share with the waiting thread; safe from any thread. */
    static final class Tally {
        /** Per-call latency in nanoseconds; a Recorder because lanes record from several threads. */
        final Recorder latency = new Recorder(3);
        private final LongAdder calls = new LongAdder();
        private final LongAdder bytes = new LongAdder();
        private final AtomicReference<Throwable> error = new AtomicReference<>();
        private final CountDownLatch lanesLeft;
        private final int lanes;

        private Tally(int lanes) {
            this.lanes = lanes;
            this.lanesLeft = new CountDownLatch(lanes);
        }

        /** How many lanes the pass has; lane numbers are {@code 0..lanes()-1}. */
        int lanes() {
            return lanes;
        }

        /** One call finished and moved {@code moved} bytes. */
        void called(long moved) {
            bytes.add(moved);
            calls.increment();
        }

        /** The pass failed; the first failure is the one reported, and every lane stops taking work. */
        void fail(Throwable t) {
            error.compareAndSet(null, t);
        }

        /** Whether lanes should take no more work (a failure, a stall or Ctrl-C). */
        boolean stopping() {
            return error.get() != null;
        }

        void laneDone() {
            lanesLeft.countDown();
        }
    }

    /** What one loop measured: the figures, the calls made and the bytes they moved. */
    record Result(Figures figures, long calls, long bytes) {}

    private static final long POLL_MILLIS = 200;
    /** No call finished for this long means the system under test is stuck; better an error than a hang. */
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(60);

    private ClosedLoop() {}

    /**
     * Runs {@code call} for items {@code 0..items-1} on {@code lanes} threads, then {@code finish}.
     *
     * @param what          names the calls in errors, e.g. "store put"
     * @param expectedBytes the bytes all calls move together, for progress
     * @param stuck         says where and why, appended to the error when no call finished for a minute
     */
    static Result run(String what, int lanes, int items, long expectedBytes, Call call, Finish finish,
                      Observer observer, Supplier<String> stuck)
            throws IOException, InterruptedException {
        int threads = Math.max(1, Math.min(lanes, items));
        return run(what, threads, threads(items, call), expectedBytes, finish, observer, stuck);
    }

    /**
     * Blocking lanes: one platform thread per lane, each taking the next item and making one call
     * for it until every item is taken. The threads are started before the clock and wait for it.
     */
    static Lanes threads(int items, Call call) {
        return tally -> {
            AtomicLong next = new AtomicLong();
            CountDownLatch go = new CountDownLatch(1);
            for (int lane = 0; lane < tally.lanes(); lane++) {
                int l = lane;
                // Daemon threads: a call that never returns must not keep the JVM alive after the error.
                Thread.ofPlatform().daemon().name("bench-" + lane).start(() -> {
                    try {
                        go.await();
                        for (long i; !tally.stopping() && (i = next.getAndIncrement()) < items; ) {
                            tally.called(call.run((int) i, l, tally.latency));
                        }
                    } catch (Throwable t) {
                        tally.fail(t);
                    } finally {
                        tally.laneDone();
                    }
                });
            }
            return go::countDown;
        };
    }

    /**
     * Runs one pass of {@code laneCount} lanes, then {@code finish}.
     *
     * @param expectedBytes the bytes all calls move together, for progress; 0 when unknown (a timed pass)
     */
    static Result run(String what, int laneCount, Lanes lanes, long expectedBytes, Finish finish,
                      Observer observer, Supplier<String> stuck)
            throws IOException, InterruptedException {
        Tally tally = new Tally(laneCount);
        Runnable go = lanes.prepare(tally);
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        go.run();
        long lastCalls = -1;
        long lastChange = t0;
        while (!awaitLanes(tally)) {
            long now = System.nanoTime();
            observer.progress(tally.bytes.sum(), expectedBytes, now - t0);
            long done = tally.calls.sum();
            if (done != lastCalls) {
                lastCalls = done;
                lastChange = now;
            } else if (now - lastChange > STALL_NANOS) {
                tally.fail(new IOException("stalled")); // tells the lanes to stop taking work
                throw new IOException("no " + what + " finished for " + TimeUnit.NANOSECONDS.toSeconds(STALL_NANOS)
                        + " s" + stuck.get());
            }
        }
        Throwable failure = tally.error.get();
        if (failure != null) {
            if (failure instanceof IOException io) throw io;
            throw new IOException(what + " failed: " + Main.describe(failure), failure);
        }
        finish.run();
        long nanos = System.nanoTime() - t0;
        long cpu = processCpuNanos() - cpu0;
        long moved = tally.bytes.sum();
        long made = tally.calls.sum();
        observer.progress(moved, expectedBytes == 0 ? moved : expectedBytes, nanos);
        Histogram h = tally.latency.getIntervalHistogram();
        Figures figures = new Figures(moved / (double) nanos, made * 1e9 / nanos, h.getValueAtPercentile(50) / 1e6,
                h.getValueAtPercentile(99) / 1e6, moved > 0 ? cpu / (double) moved : Double.NaN);
        return new Result(figures, made, moved);
    }

    /**
     * CPU time of every thread of this process (ours, the engine's, the JIT's, the GC's), to the
     * nanosecond. Not the JDK's {@code OperatingSystemMXBean.getProcessCpuTime}: on Linux it counts
     * in clock ticks of 10 ms (times(2)), which reads 0 for a short pass; the native call stays in
     * the uring package, which owns them all.
     */
    static long processCpuNanos() {
        return LibC.processCpuNanos();
    }

    /**
     * Waits a poll interval for the lanes; when the waiting thread is interrupted (Ctrl-C), the
     * lanes stop and the calls in flight end before the interrupt goes on up, so that nothing they
     * use (a buffer under the device, a store) is closed under them.
     */
    private static boolean awaitLanes(Tally tally) throws InterruptedException {
        try {
            return tally.lanesLeft.await(POLL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Interruption.stopLanes(tally.lanesLeft, () -> tally.fail(e));
            throw e;
        }
    }
}
