package dev.rawblock.cli.bench;

import dev.rawblock.cli.Main;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.IoBuffer;
import dev.rawblock.device.IoOp;
import dev.rawblock.uring.LibC;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * A closed-loop device workload like fio's: {@code qd} lanes, each with one buffer from the
 * device arena and always one operation in flight, until the pass has moved its bytes.
 *
 * <p>Each lane submits its next operation from the completion callback of the previous one. On
 * io_uring the callback runs on the ring thread, which is awake anyway, so keeping the queue full
 * costs no wake-up syscall; the waiting thread only watches progress.
 */
final class DeviceWorkload implements AutoCloseable {
    /** Watches a pass from the waiting thread (never from an I/O thread). */
    @FunctionalInterface
    interface Observer {
        void progress(long doneBytes, long totalBytes, long elapsedNanos);
    }

    private static final long POLL_MILLIS = 200;
    /** No completion for this long means the engine is stuck; better an error than a hang. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final BlockDevice device;
    private final int block;
    /** Blocks in the span given at construction, which {@link #run(AccessPattern, long, Observer)} uses. */
    private final long blocksInSpan;
    private final IoBuffer[] owned;
    private final MemorySegment[] buffers;
    /** Per-operation latency in nanoseconds; a Recorder because lanes complete on I/O threads. */
    private final Recorder latency = new Recorder(3);

    /**
     * @param span offsets fall in {@code [0, span)}; a multiple of {@code block}
     */
    DeviceWorkload(BlockDevice device, int block, int qd, long span) {
        this.device = device;
        this.block = block;
        this.blocksInSpan = span / block;
        this.owned = new IoBuffer[qd];
        this.buffers = new MemorySegment[qd];
        SplittableRandom random = new SplittableRandom(0x5EED);
        byte[] bytes = new byte[block];
        for (int i = 0; i < qd; i++) {
            owned[i] = device.buffers().allocate(block);
            buffers[i] = owned[i].segment();
            // Random, never-zero bytes: no layer below (VM disk, thin provisioning, compression)
            // can shortcut writes of zeros or of repeated data.
            random.nextBytes(bytes);
            for (int j = 0; j < bytes.length; j++) if (bytes[j] == 0) bytes[j] = 1;
            MemorySegment.copy(bytes, 0, buffers[i], ValueLayout.JAVA_BYTE, 0, block);
        }
    }

    /**
     * Moves {@code bytes} bytes (a multiple of the block) with the pattern over the whole span
     * given at construction, random offsets drawn from an unseeded generator. A write pass ends
     * with a flush, inside the timed interval, so it measures durable throughput.
     */
    Figures run(AccessPattern pattern, long bytes, Observer observer) throws IOException, InterruptedException {
        return run(new Window(0, blocksInSpan * block, bytes / block, 0, ThreadLocalRandom.current().nextLong()),
                pattern, observer);
    }

    /**
     * Where one pass goes and when it stops: offsets in {@code [start, start + span)}, and either
     * {@code ops} operations or, when {@code ops} is 0, as many as complete in {@code nanos}.
     * Random offsets come from {@code seed}, so each pass can get a fresh one.
     */
    record Window(long start, long span, long ops, long nanos, long seed) {
        /** A pass that runs for {@code nanos} rather than a number of operations (fio's time_based). */
        static Window timed(long start, long span, long nanos, long seed) {
            return new Window(start, span, 0, nanos, seed);
        }
    }

    /** One pass over a window; see {@link #run(AccessPattern, long, Observer)} for the flush. */
    Figures run(Window window, AccessPattern pattern, Observer observer) throws IOException, InterruptedException {
        if (window.span() % block != 0 || window.start() % block != 0 || window.span() < block) {
            throw new IllegalArgumentException("window " + window + " is not whole blocks of " + block);
        }
        latency.reset();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        Pass pass = new Pass(pattern, window, t0);
        long total = window.ops() > 0 ? window.ops() * block : 0;
        pass.start();
        long lastDone = -1;
        long lastChange = t0;
        while (!awaitLanes(pass)) {
            long now = System.nanoTime();
            long done = pass.doneBytes.sum();
            observer.progress(done, total, now - t0);
            if (done != lastDone) {
                lastDone = done;
                lastChange = now;
            } else if (now - lastChange > STALL_NANOS) {
                throw new IOException("no " + pattern.label() + " completed on " + device.path() + " for "
                        + TimeUnit.NANOSECONDS.toSeconds(STALL_NANOS) + " s (" + device.stats().inFlight()
                        + " operations in flight); the device or the engine is stuck");
            }
        }
        Throwable failure = pass.failure.get();
        if (failure != null) {
            throw new IOException(pattern.label() + " failed: " + Main.describe(failure), failure);
        }
        if (pattern.kind() == IoOp.Kind.WRITE) await(device.flush(), "flush of " + device.path());
        long nanos = System.nanoTime() - t0;
        long cpu = processCpuNanos() - cpu0;
        long moved = pass.doneBytes.sum();
        observer.progress(moved, total == 0 ? moved : total, nanos);
        Histogram h = latency.getIntervalHistogram();
        long ops = moved / block;
        return new Figures(moved / (double) nanos, ops * 1e9 / nanos, h.getValueAtPercentile(50) / 1e6,
                h.getValueAtPercentile(99) / 1e6, moved == 0 ? Double.NaN : cpu / (double) moved);
    }

    /**
     * Waits a poll interval for the lanes; when the waiting thread is interrupted (Ctrl-C), the
     * lanes stop and the operations in flight complete before the interrupt goes on up, so that
     * no buffer is freed under the device.
     */
    private static boolean awaitLanes(Pass pass) throws InterruptedException {
        try {
            return pass.lanesLeft.await(POLL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Interruption.stopLanes(pass.lanesLeft, () -> pass.failure.compareAndSet(null, e));
            throw e;
        }
    }

    /** The state of one pass; lanes share it, each lane touches only its own buffer and generator. */
    private final class Pass {
        final AccessPattern pattern;
        /** Operations to issue; unbounded for a timed pass, which stops at the deadline instead. */
        final long ops;
        final long deadline;
        final long firstBlock;
        final long blocks;
        final SplittableRandom[] random;
        final AtomicLong next = new AtomicLong();
        final LongAdder doneBytes = new LongAdder();
        final CountDownLatch lanesLeft;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final int lanes;

        Pass(AccessPattern pattern, Window window, long t0) {
            this.pattern = pattern;
            this.ops = window.ops() > 0 ? window.ops() : Long.MAX_VALUE;
            this.deadline = window.ops() > 0 ? Long.MAX_VALUE : t0 + window.nanos();
            this.firstBlock = window.start() / block;
            this.blocks = window.span() / block;
            this.lanes = (int) Math.min(buffers.length, ops);
            this.lanesLeft = new CountDownLatch(lanes);
            // One generator per lane: a lane's operations are sequential, so each generator has one
            // user at a time, whichever I/O thread completes it.
            SplittableRandom seeds = new SplittableRandom(window.seed());
            this.random = new SplittableRandom[lanes];
            for (int i = 0; i < lanes; i++) random[i] = seeds.split();
        }

        IoOp op(long index, int lane) {
            // Sequential passes wrap around the span; random ones draw uniformly from it, with repeats.
            long b = pattern.random() ? random[lane].nextLong(blocks) : index % blocks;
            return new IoOp(pattern.kind(), (firstBlock + b) * block, buffers[lane]);
        }

        /** The first operation of every lane in one batch: one wake-up of the engine, not qd. */
        void start() {
            List<IoOp> first = new ArrayList<>(lanes);
            for (int lane = 0; lane < lanes; lane++) first.add(op(next.getAndIncrement(), lane));
            long start = System.nanoTime();
            List<CompletableFuture<Void>> futures = device.submit(first);
            for (int lane = 0; lane < lanes; lane++) {
                int l = lane;
                futures.get(lane).whenComplete((v, error) -> completed(l, start, error));
            }
        }

        /** Runs on an I/O thread: must stay short and never block. */
        void completed(int lane, long start, Throwable error) {
            if (error != null) {
                failure.compareAndSet(null, error);
                lanesLeft.countDown();
                return;
            }
            try {
                latency.recordValue(System.nanoTime() - start);
                doneBytes.add(block);
                long index = failure.get() == null ? next.getAndIncrement() : ops;
                long now = System.nanoTime();
                if (index >= ops || now >= deadline) {
                    lanesLeft.countDown();
                    return;
                }
                IoOp op = op(index, lane);
                device.submit(List.of(op)).getFirst().whenComplete((v, e) -> completed(lane, now, e));
            } catch (Throwable t) {
                // A throwing callback would be swallowed by the future and the lane would hang.
                failure.compareAndSet(null, t);
                lanesLeft.countDown();
            }
        }
    }

    private static void await(CompletableFuture<Void> future, String what) throws IOException, InterruptedException {
        try {
            future.get();
        } catch (ExecutionException e) {
            throw new IOException(what + " failed: " + Main.describe(e.getCause()), e.getCause());
        }
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

    /** Gives the buffers back to the arena; every lane has finished by the time a pass returns. */
    @Override
    public void close() {
        for (IoBuffer b : owned) if (b != null) b.close();
    }
}
