package dev.rawblock.cli.bench;

import dev.rawblock.cli.Main;
import dev.rawblock.cli.bench.ClosedLoop.Observer;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.IoBuffer;
import dev.rawblock.device.IoOp;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop device workload like fio's: {@code qd} lanes, each with one buffer from the
 * device arena and always one operation in flight, until the pass has moved its bytes.
 *
 * <p>Each lane submits its next operation from the completion callback of the previous one. On
 * io_uring the callback runs on the ring thread, which is awake anyway, so keeping the queue full
 * costs no wake-up syscall; the waiting thread only watches progress.
 */
final class DeviceWorkload implements AutoCloseable {
    private final BlockDevice device;
    private final int block;
    /** Blocks in the span given at construction, which {@link #run(AccessPattern, long, Observer)} uses. */
    private final long blocksInSpan;
    private final IoBuffer[] owned;
    private final MemorySegment[] buffers;

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

    /** One pass over a window, in the {@link ClosedLoop}; see {@link #run(AccessPattern, long, Observer)} for the flush. */
    Figures run(Window window, AccessPattern pattern, Observer observer) throws IOException, InterruptedException {
        if (window.span() % block != 0 || window.start() % block != 0 || window.span() < block) {
            throw new IllegalArgumentException("window " + window + " is not whole blocks of " + block);
        }
        long ops = window.ops() > 0 ? window.ops() : Long.MAX_VALUE;
        int lanes = (int) Math.min(buffers.length, ops);
        ClosedLoop.Finish flush = pattern.kind() == IoOp.Kind.WRITE
                ? () -> await(device.flush(), "flush of " + device.path()) : () -> {};
        return ClosedLoop.run(pattern.label(), lanes, tally -> new Pass(pattern, window, tally)::start,
                window.ops() * block, flush, observer,
                () -> " on " + device.path() + " (" + device.stats().inFlight()
                        + " operations in flight); the device or the engine is stuck").figures();
    }

    /**
     * The lanes of one pass; each lane touches only its own buffer and generator. Each lane submits
     * its next operation from the completion callback of the previous one.
     */
    private final class Pass {
        final AccessPattern pattern;
        final ClosedLoop.Tally tally;
        /** Operations to issue; unbounded for a timed pass, which stops at the deadline instead. */
        final long ops;
        final long nanos;
        /** Set when the lanes start, which is when the loop's clock starts. */
        long deadline;
        final long firstBlock;
        final long blocks;
        final SplittableRandom[] random;
        final AtomicLong next = new AtomicLong();

        Pass(AccessPattern pattern, Window window, ClosedLoop.Tally tally) {
            this.pattern = pattern;
            this.tally = tally;
            this.ops = window.ops() > 0 ? window.ops() : Long.MAX_VALUE;
            this.nanos = window.ops() > 0 ? 0 : window.nanos();
            this.firstBlock = window.start() / block;
            this.blocks = window.span() / block;
            // One generator per lane: a lane's operations are sequential, so each generator has one
            // user at a time, whichever I/O thread completes it.
            SplittableRandom seeds = new SplittableRandom(window.seed());
            this.random = new SplittableRandom[tally.lanes()];
            for (int i = 0; i < random.length; i++) random[i] = seeds.split();
        }

        IoOp op(long index, int lane) {
            // Sequential passes wrap around the span; random ones draw uniformly from it, with repeats.
            long b = pattern.random() ? random[lane].nextLong(blocks) : index % blocks;
            return new IoOp(pattern.kind(), (firstBlock + b) * block, buffers[lane]);
        }

        /** The first operation of every lane in one batch: one wake-up of the engine, not qd. */
        void start() {
            int lanes = tally.lanes();
            List<IoOp> first = new ArrayList<>(lanes);
            for (int lane = 0; lane < lanes; lane++) first.add(op(next.getAndIncrement(), lane));
            long start = System.nanoTime();
            deadline = nanos == 0 ? Long.MAX_VALUE : start + nanos;
            List<CompletableFuture<Void>> futures = device.submit(first);
            for (int lane = 0; lane < lanes; lane++) {
                int l = lane;
                futures.get(lane).whenComplete((v, error) -> completed(l, start, error));
            }
        }

        /** Runs on an I/O thread: must stay short and never block. */
        void completed(int lane, long start, Throwable error) {
            if (error != null) {
                tally.fail(new IOException(pattern.label() + " failed: " + Main.describe(error), error));
                tally.laneDone();
                return;
            }
            try {
                tally.latency.recordValue(System.nanoTime() - start);
                tally.called(block);
                long index = tally.stopping() ? ops : next.getAndIncrement();
                long now = System.nanoTime();
                if (index >= ops || now >= deadline) {
                    tally.laneDone();
                    return;
                }
                IoOp op = op(index, lane);
                device.submit(List.of(op)).getFirst().whenComplete((v, e) -> completed(lane, now, e));
            } catch (Throwable t) {
                // A throwing callback would be swallowed by the future and the lane would hang.
                tally.fail(t);
                tally.laneDone();
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

    /** Gives the buffers back to the arena; every lane has finished by the time a pass returns. */
    @Override
    public void close() {
        for (IoBuffer b : owned) if (b != null) b.close();
    }
}
