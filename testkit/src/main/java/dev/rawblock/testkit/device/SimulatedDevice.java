package dev.rawblock.testkit.device;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.BufferArena;
import dev.rawblock.device.DeviceClosedException;
import dev.rawblock.device.DeviceIoException;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.DeviceStats;
import dev.rawblock.device.Engine;
import dev.rawblock.device.Geometry;
import dev.rawblock.device.IoOp;
import dev.rawblock.uring.Errno;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A {@link BlockDevice} made of memory and a seed, for deterministic simulation (in the spirit of
 * TigerBeetle's {@code testing/storage.zig}): no threads, no wall clock, and every decision — how
 * long an operation takes, the order of completions, which faults strike, what a crash keeps —
 * drawn from one seeded random stream. The same seed and the same calls give the same results,
 * byte for byte.
 *
 * <p><b>Time.</b> Time is a tick counter that only the caller advances. Each operation gets a
 * latency of {@code minLatency..maxLatency} ticks when it is submitted; {@link #tick()} advances
 * the clock by one and completes every operation that is due, in due order and, within a tick, in
 * a seeded order, so operations complete out of submission order (also within one batch) as they
 * do on real devices. Completions — the operation's effect on the media and its future — happen
 * inside {@code tick()}, on the thread calling it, futures after the device's lock is released.
 * Two modes:
 * <ul>
 *   <li>{@link Mode#DRIVEN}: a simulator's loop calls {@link #tick()} (or {@link #runUntilIdle()});
 *       a future completes only then. Code that blocks on a future without the loop running
 *       waits forever: that is the point, the loop owns time.</li>
 *   <li>{@link Mode#AUTO}: every {@link #submit} and {@link #flush} runs the clock itself until
 *       its own operations completed, so they are complete when the call returns, and their
 *       futures' dependent actions ran on the calling thread (a thread's ticks complete only its
 *       own operations). For code that blocks on futures from its own threads (today's store, the
 *       contract suite). Operations still complete in seeded order; with several submitting
 *       threads the interleaving, and so the exact outcome, depends on the scheduler.</li>
 * </ul>
 *
 * <p><b>Durability.</b> A write takes effect on the media when it completes (a read that completes
 * later sees it); the bytes are copied at submission. A flush makes durable every write that had
 * completed when the flush was submitted, once the flush completes ({@link SimulatedMedia}).
 *
 * <p><b>Crash.</b> {@link #crash()} is a power loss: every pending operation fails with "device
 * crashed"; each write not yet durable — completed and unflushed, or still in flight — is kept,
 * lost or torn (a random subset of its sectors) as the seed decides; the device then refuses every
 * operation until {@link #restart()}, after which it serves what the crash left. A new device
 * opened on the same {@link SimulatedMedia} sees the same.
 *
 * <p><b>Faults.</b> {@link SimulatedFaults} (default: none): reported read, write and flush errors,
 * and the silent ones — corrupted and misdirected reads, misdirected, lost and torn writes — each
 * with a probability per operation, only within a chosen range of the device. Operations the
 * device refuses as invalid (misaligned, out of range, read-only, unaligned memory with staging
 * off) fail at once with {@link IllegalArgumentException}, with the messages the real engines give.
 *
 * <p><b>Checks.</b> A write whose buffer changes between submission and completion is a bug of the
 * caller (the device may be reading it): the write fails with an {@link AssertionError} and is
 * counted ({@link #bufferRaces()}).
 */
public final class SimulatedDevice implements BlockDevice {
    /** How the clock runs: see the class comment. */
    public enum Mode { DRIVEN, AUTO }

    /**
     * What a simulated device is made of besides its media.
     *
     * @param seed       the random stream every decision comes from
     * @param mode       who advances the clock
     * @param minLatency fewest ticks an operation takes (at least 1)
     * @param maxLatency most ticks an operation takes
     * @param faults     how often it misbehaves
     * @param futures    makes the futures operations complete: plain ones, or a simulation's whose
     *                   waits run its loop (which ticks this device)
     */
    public record Config(long seed, Mode mode, int minLatency, int maxLatency, SimulatedFaults faults,
                         Supplier<CompletableFuture<Void>> futures) {
        public Config {
            if (minLatency < 1 || maxLatency < minLatency) {
                throw new IllegalArgumentException("latency must be 1 <= min <= max ticks, got " + minLatency + ".." + maxLatency);
            }
            if (futures == null) futures = CompletableFuture::new;
        }

        public Config(long seed, Mode mode, int minLatency, int maxLatency, SimulatedFaults faults) {
            this(seed, mode, minLatency, maxLatency, faults, null);
        }

        /** Driven by a loop: latencies of 1..20 ticks, no faults. */
        public static Config driven(long seed) {
            return new Config(seed, Mode.DRIVEN, 1, 20, SimulatedFaults.NONE);
        }

        /** Completing inside each call: latencies of 1..8 ticks (they decide the order), no faults. */
        public static Config auto(long seed) {
            return new Config(seed, Mode.AUTO, 1, 8, SimulatedFaults.NONE);
        }

        public Config withLatency(int min, int max) {
            return new Config(seed, mode, min, max, faults, futures);
        }

        public Config withFaults(SimulatedFaults f) {
            return new Config(seed, mode, minLatency, maxLatency, f, futures);
        }

        public Config withFutures(Supplier<CompletableFuture<Void>> f) {
            return new Config(seed, mode, minLatency, maxLatency, faults, f);
        }
    }

    /** Largest transfer reported when the options set none, as a typical NVMe device's. */
    static final long DEFAULT_MAX_TRANSFER = 1 << 20;

    /** One accepted operation waiting for its tick. */
    private static final class Pending {
        final IoOp op;          // null for a flush
        final CompletableFuture<Void> future;
        final byte[] data;      // a write's bytes as submitted
        final long flushUpTo;   // a flush: completed writes when it was submitted
        final long due;
        final long order;       // seeded tie-break within a tick
        final Thread owner;     // the submitting thread: in AUTO mode only it completes the operation

        Pending(IoOp op, CompletableFuture<Void> future, byte[] data, long flushUpTo, long due, long order) {
            this.op = op;
            this.future = future;
            this.data = data;
            this.flushUpTo = flushUpTo;
            this.due = due;
            this.order = order;
            this.owner = Thread.currentThread();
        }
    }

    /** A future to complete once the lock is released. */
    private record Completion(CompletableFuture<Void> future, Throwable error) {
        void run() {
            if (error == null) future.complete(null);
            else future.completeExceptionally(error);
        }
    }

    private final SimulatedMedia media;
    private final DeviceOptions options;
    private final Config config;
    private final Geometry geometry;
    private final BufferArena arena;

    // Guarded by this.
    private final SplittableRandom random;
    private final PriorityQueue<Pending> pending = new PriorityQueue<>((a, b) -> a.due != b.due
            ? Long.compare(a.due, b.due) : Long.compare(a.order, b.order));
    private long now;
    private boolean crashed;
    private boolean closed;
    private long batches, operations, failed, bytesRead, bytesWritten, staged;
    private long faults, crashes, bufferRaces;

    private SimulatedDevice(SimulatedMedia media, DeviceOptions options, Config config) {
        this.media = media;
        this.options = options;
        this.config = config;
        int sector = media.sectorBytes();
        long maxTransfer = options.maxTransfer() > 0 ? options.maxTransfer() : DEFAULT_MAX_TRANSFER;
        this.geometry = new Geometry(Geometry.Kind.BLOCK_DEVICE, media.size(), sector, sector, maxTransfer);
        this.arena = new BufferArena(options.arenaBytes(), sector);
        this.random = new SplittableRandom(config.seed());
    }

    /**
     * A device on {@code media}. Of the options it honours the path (its name), {@code readOnly},
     * {@code stageUnaligned}, {@code maxTransfer} (reported; transfers are never split) and
     * {@code arenaBytes}; the engine, queue depth and {@code direct} mean nothing here.
     */
    public static SimulatedDevice open(SimulatedMedia media, DeviceOptions options, Config config) {
        return new SimulatedDevice(media, options, config);
    }

    /** A device on new, zeroed media of {@code size} bytes with 4 KiB sectors, named "simulated". */
    public static SimulatedDevice create(long size, Config config) {
        return open(new SimulatedMedia(size, 4096), DeviceOptions.of(Path.of("simulated")).withArenaBytes(16 << 20),
                config);
    }

    /** The media: what survives this device. */
    public SimulatedMedia media() {
        return media;
    }

    public Config config() {
        return config;
    }

    // ---------------------------------------------------------------- time

    /** The clock, in ticks since the device was opened. */
    public synchronized long now() {
        return now;
    }

    /** Operations submitted and not yet completed. */
    public synchronized int pendingOperations() {
        return pending.size();
    }

    /** Advances the clock by one tick and completes what is due; returns how many operations completed. */
    public int tick() {
        return tick(null);
    }

    /**
     * One tick that completes only the operations {@code owner} submitted (all when null). AUTO mode
     * ticks for the calling thread, so that a future's dependent actions run on the thread that
     * submitted it, never inside some other thread's call (where that thread may hold a lock the
     * action takes, and would re-enter it).
     */
    private int tick(Thread owner) {
        List<Completion> done = new ArrayList<>();
        synchronized (this) {
            now++;
            if (owner == null) {
                while (!pending.isEmpty() && pending.peek().due <= now) done.add(perform(pending.poll()));
            } else {
                List<Pending> due = new ArrayList<>();
                for (Pending p : pending) if (p.due <= now && p.owner == owner) due.add(p);
                due.sort(pending.comparator());
                for (Pending p : due) {
                    pending.remove(p);
                    done.add(perform(p));
                }
            }
        }
        done.forEach(Completion::run);
        return done.size();
    }

    /**
     * Ticks until nothing is pending (operations submitted by completions included); returns the
     * ticks taken.
     */
    public long runUntilIdle() {
        long ticks = 0;
        while (pendingOperations() > 0) {
            tick();
            ticks++;
        }
        return ticks;
    }

    private void runUntilDone(List<CompletableFuture<Void>> futures) {
        Thread self = Thread.currentThread();
        for (CompletableFuture<Void> f : futures) {
            while (!f.isDone()) tick(self);
        }
    }

    // ---------------------------------------------------------------- crash

    /** A power loss: see the class comment. */
    public SimulatedMedia.CrashOutcome crash() {
        List<Completion> failedOps = new ArrayList<>();
        SimulatedMedia.CrashOutcome outcome;
        synchronized (this) {
            crashed = true;
            crashes++;
            List<SimulatedMedia.InFlightWrite> inFlight = new ArrayList<>();
            List<Pending> all = new ArrayList<>(pending);
            pending.clear();
            all.sort(pending.comparator());
            for (Pending p : all) {
                if (p.op != null && p.op.kind() == IoOp.Kind.WRITE) {
                    inFlight.add(new SimulatedMedia.InFlightWrite(p.op.offset(), p.data));
                }
                failed++;
                failedOps.add(new Completion(p.future, crashedError(p.op == null ? "flush" : p.op)));
            }
            outcome = media.crash(random, inFlight);
        }
        failedOps.forEach(Completion::run);
        return outcome;
    }

    /** Serves again after a {@link #crash()} (a reboot): the media holds what the crash left. */
    public synchronized void restart() {
        crashed = false;
    }

    public synchronized boolean isCrashed() {
        return crashed;
    }

    // ---------------------------------------------------------------- counters

    /** Faults injected so far (of every kind; crashes not included). */
    public synchronized long faultsInjected() {
        return faults;
    }

    public synchronized long crashes() {
        return crashes;
    }

    /** Writes whose buffer changed while they were in flight (a bug of the caller). */
    public synchronized long bufferRaces() {
        return bufferRaces;
    }

    @Override
    public synchronized DeviceStats stats() {
        return new DeviceStats(batches, operations, failed, bytesRead, bytesWritten, staged, pending.size());
    }

    // ---------------------------------------------------------------- BlockDevice

    @Override
    public Path path() {
        return options.path();
    }

    @Override
    public Geometry geometry() {
        return geometry;
    }

    /**
     * POSIX: {@link Engine} names a kernel interface and the simulation has none; nothing above the
     * device layer depends on it, and "one operation at a time, completed in any order" is the
     * posix engine's behaviour too.
     */
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
        List<CompletableFuture<Void>> futures = new ArrayList<>(ops.size());
        List<Completion> refused = new ArrayList<>();
        synchronized (this) {
            batches++;
            for (IoOp op : ops) {
                CompletableFuture<Void> future = config.futures().get();
                futures.add(future);
                operations++;
                Throwable refusal = refusal(op);
                if (refusal != null) {
                    failed++;
                    refused.add(new Completion(future, refusal));
                    continue;
                }
                byte[] data = null;
                if (op.kind() == IoOp.Kind.WRITE) {
                    try {
                        data = op.buffer().toArray(JAVA_BYTE);
                    } catch (RuntimeException e) { // memory this thread may not touch, or already freed
                        failed++;
                        refused.add(new Completion(future, e));
                        continue;
                    }
                }
                if (needsStaging(op.buffer())) staged++;
                pending.add(new Pending(op, future, data, -1, due(), random.nextLong()));
            }
        }
        refused.forEach(Completion::run);
        if (config.mode() == Mode.AUTO) runUntilDone(futures);
        return futures;
    }

    @Override
    public CompletableFuture<Void> flush() {
        CompletableFuture<Void> future = config.futures().get();
        synchronized (this) {
            batches++;
            operations++;
            Throwable refusal = closed ? new DeviceClosedException(path().toString()) : crashed ? crashedError("flush") : null;
            if (refusal != null) {
                failed++;
                future.completeExceptionally(refusal);
                return future;
            }
            pending.add(new Pending(null, future, null, media.completedWrites(), due(), random.nextLong()));
        }
        if (config.mode() == Mode.AUTO) runUntilDone(List.of(future));
        return future;
    }

    /** Fails what is pending with {@link DeviceClosedException} and refuses everything after; idempotent. */
    @Override
    public void close() throws IOException {
        List<Completion> failedOps = new ArrayList<>();
        synchronized (this) {
            if (closed) return;
            closed = true;
            for (Pending p : pending) {
                failed++;
                failedOps.add(new Completion(p.future, new DeviceClosedException(path().toString())));
            }
            pending.clear();
        }
        failedOps.forEach(Completion::run);
        arena.close();
    }

    // ---------------------------------------------------------------- operations

    private long due() {
        return now + config.minLatency() + random.nextInt(config.maxLatency() - config.minLatency() + 1);
    }

    /** Why the device refuses {@code op} at once (the real engines' messages), or null. */
    private Throwable refusal(IoOp op) {
        long align = geometry.alignment();
        String where = " on " + path();
        String problem = null;
        if (op.kind() == IoOp.Kind.WRITE && options.readOnly()) problem = op + where + ": the device is open read-only";
        else if (op.length() == 0) problem = op + where + ": length is 0";
        else if (op.offset() < 0) problem = op + where + ": offset is negative";
        else if (op.offset() % align != 0) {
            problem = op + where + ": offset " + op.offset() + " is not a multiple of the device alignment " + align;
        } else if (op.length() % align != 0) {
            problem = op + where + ": length " + op.length() + " is not a multiple of the device alignment " + align;
        } else if (op.offset() > geometry.size() - op.length()) {
            problem = op + where + " runs past the end of the device: it ends at " + (op.offset() + op.length())
                    + ", the device has " + geometry.size() + " bytes";
        } else if (!options.stageUnaligned() && needsStaging(op.buffer())) {
            problem = op + where + ": buffer " + (op.buffer().isNative()
                    ? "at address 0x" + Long.toHexString(op.buffer().address()) + " is not aligned to " + align
                    : "is heap memory, not native") + " and staging is off";
        }
        if (problem != null) return new IllegalArgumentException(problem);
        if (closed) return new DeviceClosedException(path().toString());
        if (crashed) return crashedError(op);
        return null;
    }

    private boolean needsStaging(MemorySegment buffer) {
        return !buffer.isNative() || buffer.address() % geometry.alignment() != 0;
    }

    /** Does what a due operation does to the media and says how its future completes. Under the lock. */
    private Completion perform(Pending p) {
        Throwable error;
        try {
            error = p.op == null ? performFlush(p) : p.op.kind() == IoOp.Kind.READ ? performRead(p) : performWrite(p);
        } catch (RuntimeException e) { // e.g. the caller's memory is confined to another thread, or freed
            error = e;
        }
        if (error != null) failed++;
        else if (p.op != null && p.op.kind() == IoOp.Kind.READ) bytesRead += p.op.length();
        else if (p.op != null) bytesWritten += p.op.length();
        return new Completion(p.future, error);
    }

    private Throwable performFlush(Pending p) {
        if (chance(config.faults().flushError(), 0, Long.MAX_VALUE)) return injected("flush", Errno.EIO);
        media.makeDurable(p.flushUpTo);
        return null;
    }

    private Throwable performRead(Pending p) {
        IoOp op = p.op;
        SimulatedFaults f = config.faults();
        if (chance(f.readError(), op.offset(), op.length())) return injected(op, Errno.EIO);
        long from = op.offset();
        if (chance(f.misdirectedRead(), op.offset(), op.length())) from = elsewhere(op);
        media.read(from, op.buffer());
        if (chance(f.readCorruption(), op.offset(), op.length())) {
            long sectors = op.length() / geometry.alignment();
            long at = random.nextLong(sectors) * geometry.alignment() + random.nextLong(geometry.alignment());
            op.buffer().set(JAVA_BYTE, at, (byte) (op.buffer().get(JAVA_BYTE, at) ^ (1 << random.nextInt(8))));
        }
        return null;
    }

    private Throwable performWrite(Pending p) {
        IoOp op = p.op;
        if (op.buffer().scope().isAlive() && op.buffer().mismatch(MemorySegment.ofArray(p.data)) >= 0) {
            bufferRaces++;
            return new AssertionError(op + " on " + path() + ": the buffer changed while the write was in flight");
        }
        SimulatedFaults f = config.faults();
        if (chance(f.writeError(), op.offset(), op.length())) return injected(op, Errno.EIO);
        if (chance(f.lostWrite(), op.offset(), op.length())) return null;
        long to = op.offset();
        if (chance(f.misdirectedWrite(), op.offset(), op.length())) to = elsewhere(op);
        BitSet sectors = null;
        if (chance(f.tornWrite(), op.offset(), op.length())) {
            int n = (int) (op.length() / geometry.alignment());
            sectors = new BitSet(n);
            for (int s = 0; s < n; s++) if (random.nextBoolean()) sectors.set(s);
        }
        media.write(to, p.data, sectors);
        return null;
    }

    /** Draws a fault of probability {@code p} for an operation on {@code [offset, offset + length)}; counts it. */
    private boolean chance(double p, long offset, long length) {
        if (p == 0 || !config.faults().covers(offset, length)) return false;
        boolean hit = random.nextDouble() < p;
        if (hit) faults++;
        return hit;
    }

    /**
     * Another aligned place for {@code op}'s bytes (a misdirection), inside the fault range when
     * the range has room for them, on the whole device otherwise.
     */
    private long elsewhere(IoOp op) {
        long align = geometry.alignment();
        long first = (config.faults().from() + align - 1) / align;
        long last = (Math.min(geometry.size(), config.faults().to()) - op.length()) / align;
        if (last < first) {
            first = 0;
            last = (geometry.size() - op.length()) / align;
        }
        long self = op.offset() / align;
        boolean selfInRange = self >= first && self <= last;
        long places = last - first + 1 - (selfInRange ? 1 : 0);
        if (places <= 0) return op.offset(); // nowhere else to go
        long pick = first + random.nextLong(places);
        if (selfInRange && pick >= self) pick++;
        return pick * align;
    }

    private DeviceIoException injected(Object what, int errno) {
        return new DeviceIoException(what + " on " + path() + " failed (simulated)", errno);
    }

    private DeviceIoException crashedError(Object what) {
        return new DeviceIoException(what + " on " + path() + ": device crashed");
    }

    @Override
    public String toString() {
        return "SimulatedDevice[" + path() + ", " + media + ", seed " + config.seed() + ", " + config.mode() + "]";
    }
}
