package dev.rawblock.sim;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.BufferArena;
import dev.rawblock.device.DeviceIoException;
import dev.rawblock.device.DeviceStats;
import dev.rawblock.device.Engine;
import dev.rawblock.device.Geometry;
import dev.rawblock.device.IoOp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * A simulated disk for one boot of the simulated machine: operations complete after a seeded
 * number of {@link SimRuntime} ticks, in any order, and a write lands in a volatile cache until
 * a flush submitted after it completed makes it durable. {@link #crash} decides, block by block
 * and by the seed, what of the cache reached the media: each write not yet durable (completed or
 * still in flight) is lost, kept, or torn (each of its 4 KiB blocks kept or not). A read may be
 * corrupted in transit (one byte flipped) with the configured probability; the media keep the
 * right bytes, so a reread succeeds.
 *
 * <p>What survives a crash is the {@link Media}; the next boot opens a new SimDevice on it.
 */
final class SimDevice implements BlockDevice {
    static final int BLOCK = 4096;

    /** The durable bytes of a simulated disk: what every boot sees; blocks never written read as zeros. */
    static final class Media {
        final long size;
        final Map<Long, byte[]> blocks = new HashMap<>();

        Media(long size) {
            this.size = size;
        }

        void write(long offset, byte[] data, boolean[] keep) {
            for (int b = 0; b < data.length / BLOCK; b++) {
                if (keep != null && !keep[b]) continue;
                byte[] copy = new byte[BLOCK];
                System.arraycopy(data, b * BLOCK, copy, 0, BLOCK);
                blocks.put(offset / BLOCK + b, copy);
            }
        }
    }

    /** A write: its bytes as submitted, and (once it completed) its place in completion order. */
    private record Write(long offset, byte[] data) {}

    /** An operation in flight, due at a tick; ties are broken by a seeded draw, then by order. */
    private record InFlight(long due, long draw, long order, IoOp op, Write write, long flushBarrier,
                            CompletableFuture<Void> future) {}

    private final Media media;
    private final SimRuntime runtime;
    private final Random random;
    private final int maxLatency;
    private final double readCorruption;
    private final Path path;
    private final Geometry geometry;
    private final BufferArena arena;
    private final PriorityQueue<InFlight> inFlight = new PriorityQueue<>((a, b) ->
            a.due != b.due ? Long.compare(a.due, b.due)
                    : a.draw != b.draw ? Long.compare(a.draw, b.draw) : Long.compare(a.order, b.order));
    /** Completed writes not yet durable, in completion order. */
    private final List<Write> cache = new ArrayList<>();
    /** Writes completed so far; a flush makes durable the first {@code barrier} of them. */
    private long completedWrites;
    private long durableWrites;
    private long submitted;
    private long batches, operations, failed, bytesRead, bytesWritten, corruptedReads;
    private boolean closed;

    /**
     * @param maxLatency     an operation completes 1..maxLatency ticks after it is submitted
     * @param readCorruption probability that a read delivers one flipped byte
     */
    SimDevice(Media media, SimRuntime runtime, Random random, int maxLatency, double readCorruption, long arenaBytes) {
        this.media = media;
        this.runtime = runtime;
        this.random = random;
        this.maxLatency = maxLatency;
        this.readCorruption = readCorruption;
        this.path = Path.of("sim://disk");
        this.geometry = new Geometry(Geometry.Kind.BLOCK_DEVICE, media.size, BLOCK, BLOCK, 1L << 20);
        this.arena = new BufferArena(arenaBytes, BLOCK);
        runtime.attach(this);
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public Geometry geometry() {
        return geometry;
    }

    /** Reported as posix: like that engine's, completions arrive one by one and in any order. */
    @Override
    public Engine engine() {
        return Engine.POSIX;
    }

    @Override
    public BufferArena buffers() {
        return arena;
    }

    @Override
    public List<CompletableFuture<Void>> submit(List<IoOp> ops) {
        batches++;
        List<CompletableFuture<Void>> futures = new ArrayList<>(ops.size());
        for (IoOp op : ops) {
            operations++;
            CompletableFuture<Void> f = runtime.newFuture();
            futures.add(f);
            String problem = problem(op);
            if (problem != null) {
                failed++;
                f.completeExceptionally(problem.startsWith("device") ? new DeviceIoException(problem)
                        : new IllegalArgumentException(problem));
                continue;
            }
            Write w = null;
            if (op.kind() == IoOp.Kind.WRITE) {
                byte[] data = new byte[(int) op.length()];
                MemorySegment.copy(op.buffer(), ValueLayout.JAVA_BYTE, 0, data, 0, data.length);
                w = new Write(op.offset(), data);
            }
            inFlight.add(new InFlight(due(), random.nextLong(), submitted++, op, w, -1, f));
        }
        return futures;
    }

    @Override
    public CompletableFuture<Void> flush() {
        batches++;
        operations++;
        CompletableFuture<Void> f = runtime.newFuture();
        if (closed) {
            failed++;
            f.completeExceptionally(new DeviceIoException("device " + path + " is gone (the machine crashed)"));
            return f;
        }
        inFlight.add(new InFlight(due(), random.nextLong(), submitted++, null, null, completedWrites, f));
        return f;
    }

    private long due() {
        return runtime.ticks() + 1 + random.nextInt(maxLatency);
    }

    private String problem(IoOp op) {
        if (closed) return "device " + path + " is gone (the machine crashed)";
        if (op.offset() % BLOCK != 0 || op.length() % BLOCK != 0 || op.length() == 0) {
            return op + " on " + path + " is not in whole " + BLOCK + "-byte blocks";
        }
        if (op.offset() < 0 || op.offset() > media.size - op.length()) return op + " on " + path + " runs past the end";
        return null;
    }

    /** Completes every operation due by {@code now}. */
    void tick(long now) {
        while (!inFlight.isEmpty() && inFlight.peek().due() <= now) {
            InFlight f = inFlight.poll();
            if (f.op == null) {
                makeDurable(f.flushBarrier);
                f.future.complete(null);
            } else if (f.write != null) {
                cache.add(f.write);
                completedWrites++;
                bytesWritten += f.write.data.length;
                f.future.complete(null);
            } else {
                read(f.op);
                bytesRead += f.op.length();
                f.future.complete(null);
            }
        }
    }

    private void makeDurable(long barrier) {
        while (durableWrites < barrier) {
            Write w = cache.removeFirst();
            media.write(w.offset, w.data, null);
            durableWrites++;
        }
    }

    private void read(IoOp op) {
        MemorySegment dst = op.buffer();
        long first = op.offset() / BLOCK;
        int count = (int) (op.length() / BLOCK);
        for (int b = 0; b < count; b++) {
            byte[] data = media.blocks.get(first + b);
            MemorySegment to = dst.asSlice((long) b * BLOCK, BLOCK);
            if (data == null) to.fill((byte) 0);
            else MemorySegment.copy(data, 0, to, ValueLayout.JAVA_BYTE, 0, BLOCK);
        }
        // The cache holds newer bytes than the media, the newest last.
        for (Write w : cache) {
            long from = Math.max(w.offset, op.offset()), to = Math.min(w.offset + w.data.length, op.offset() + op.length());
            if (from < to) MemorySegment.copy(w.data, (int) (from - w.offset), dst, ValueLayout.JAVA_BYTE, from - op.offset(), (int) (to - from));
        }
        if (readCorruption > 0 && random.nextDouble() < readCorruption) {
            long at = (long) (random.nextDouble() * op.length());
            dst.set(ValueLayout.JAVA_BYTE, at, (byte) (dst.get(ValueLayout.JAVA_BYTE, at) ^ 0x5a));
            corruptedReads++;
        }
    }

    /**
     * The machine stops: every write not yet durable is lost, kept or torn, by the seed, and every
     * operation in flight fails (its code may still be unwinding). Later operations fail at once.
     */
    void crash() {
        List<Write> undecided = new ArrayList<>(cache);
        List<InFlight> pending = new ArrayList<>(inFlight);
        pending.sort(inFlight.comparator());
        for (InFlight f : pending) if (f.write != null) undecided.add(f.write);
        for (Write w : undecided) {
            switch (random.nextInt(3)) {
                case 0 -> { } // lost
                case 1 -> media.write(w.offset, w.data, null);
                default -> {
                    boolean[] keep = new boolean[w.data.length / BLOCK];
                    for (int i = 0; i < keep.length; i++) keep[i] = random.nextBoolean();
                    media.write(w.offset, w.data, keep);
                }
            }
        }
        cache.clear();
        inFlight.clear();
        closed = true;
        for (InFlight f : pending) {
            f.future.completeExceptionally(new DeviceIoException("device " + path + " is gone (the machine crashed)"));
        }
    }

    /** Frees the memory of a boot that crashed, once its store let go. */
    void release() {
        arena.close();
    }

    long corruptedReads() {
        return corruptedReads;
    }

    @Override
    public DeviceStats stats() {
        return new DeviceStats(batches, operations, failed, bytesRead, bytesWritten, 0, inFlight.size());
    }

    /** A clean shutdown: what is in flight completes, the cache is written back (as a device's own flush on power-down). */
    @Override
    public void close() {
        if (!closed) {
            while (!inFlight.isEmpty()) tick(inFlight.peek().due());
            makeDurable(completedWrites);
            closed = true;
        }
        arena.close();
    }
}
