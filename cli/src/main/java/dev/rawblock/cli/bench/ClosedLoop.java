package dev.rawblock.cli.bench;

import dev.rawblock.cli.Main;

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
 * The closed loop of {@code bench store}: {@code lanes} platform threads, each taking the next item
 * and making one blocking call for it, until every item is done; so exactly {@code lanes} values are
 * in flight. rawblock's passes and its embedded peers' run in the same loop, so they are timed the
 * same way: from the moment every thread is ready until the last call and the pass's finish step
 * (a flush) returned, with process CPU over the same interval.
 */
final class ClosedLoop {
    /** One call for one item; it records its own latency, so checks after the call stay out of it. */
    @FunctionalInterface
    interface Call {
        /** @return the value bytes the call moved */
        long run(int item, int lane, Recorder latency) throws Exception;
    }

    /** The end of a timed pass, inside the clock: what makes a put pass durable. */
    @FunctionalInterface
    interface Finish {
        void run() throws IOException, InterruptedException;
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
    /**
     * Waits a poll interval for the lanes; when the waiting thread is interrupted (Ctrl-C), the
     * lanes stop and the calls in flight end before the interrupt goes on up.
     */
    private static boolean awaitLanes(CountDownLatch lanesLeft, AtomicReference<Throwable> error)
            throws InterruptedException {
        try {
            return lanesLeft.await(POLL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Interruption.stopLanes(lanesLeft, () -> error.compareAndSet(null, e));
            throw e;
        }
    }

    static Result run(String what, int lanes, int items, long expectedBytes, Call call, Finish finish,
                      DeviceWorkload.Observer observer, Supplier<String> stuck)
            throws IOException, InterruptedException {
        AtomicLong next = new AtomicLong();
        LongAdder calls = new LongAdder();
        LongAdder bytes = new LongAdder();
        AtomicReference<Throwable> error = new AtomicReference<>();
        Recorder latency = new Recorder(3); // qd threads record into it
        int threads = Math.max(1, Math.min(lanes, items));
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch lanesLeft = new CountDownLatch(threads);
        for (int lane = 0; lane < threads; lane++) {
            int l = lane;
            // Daemon threads: a call that never returns must not keep the JVM alive after the error.
            Thread.ofPlatform().daemon().name("bench-" + lane).start(() -> {
                try {
                    go.await();
                    for (long i; error.get() == null && (i = next.getAndIncrement()) < items; ) {
                        bytes.add(call.run((int) i, l, latency));
                        calls.increment();
                    }
                } catch (Throwable t) {
                    error.compareAndSet(null, t);
                } finally {
                    lanesLeft.countDown();
                }
            });
        }
        long cpu0 = DeviceWorkload.processCpuNanos();
        long t0 = System.nanoTime();
        go.countDown(); // threads are started and waiting: their creation is not timed
        long lastCalls = -1;
        long lastChange = t0;
        while (!awaitLanes(lanesLeft, error)) {
            long now = System.nanoTime();
            observer.progress(bytes.sum(), expectedBytes, now - t0);
            long done = calls.sum();
            if (done != lastCalls) {
                lastCalls = done;
                lastChange = now;
            } else if (now - lastChange > STALL_NANOS) {
                error.compareAndSet(null, new IOException("stalled")); // tells the lanes to stop taking items
                throw new IOException("no " + what + " finished for " + TimeUnit.NANOSECONDS.toSeconds(STALL_NANOS)
                        + " s" + stuck.get());
            }
        }
        Throwable failure = error.get();
        if (failure != null) {
            if (failure instanceof IOException io) throw io;
            throw new IOException(what + " failed: " + Main.describe(failure), failure);
        }
        finish.run();
        long nanos = System.nanoTime() - t0;
        long cpu = DeviceWorkload.processCpuNanos() - cpu0;
        long moved = bytes.sum();
        long made = calls.sum();
        observer.progress(moved, expectedBytes, nanos);
        Histogram h = latency.getIntervalHistogram();
        Figures figures = new Figures(moved / (double) nanos, made * 1e9 / nanos, h.getValueAtPercentile(50) / 1e6,
                h.getValueAtPercentile(99) / 1e6, moved > 0 ? cpu / (double) moved : Double.NaN);
        return new Result(figures, made, moved);
    }
}
