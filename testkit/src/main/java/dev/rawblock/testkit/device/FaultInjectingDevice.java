package dev.rawblock.testkit.device;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.BufferArena;
import dev.rawblock.device.DeviceIoException;
import dev.rawblock.device.DeviceStats;
import dev.rawblock.device.Engine;
import dev.rawblock.device.Geometry;
import dev.rawblock.device.IoBuffer;
import dev.rawblock.device.IoOp;
import dev.rawblock.uring.Errno;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A {@link BlockDevice} that wraps a real one and injects faults, for testing the layers above
 * (in the spirit of Lucene's {@code MockDirectoryWrapper}). Everything is delegated to the
 * wrapped device; on top of that it can
 * <ul>
 *   <li>fail single operations with an errno ({@link #failWhen}, {@link #failNext}), or flushes
 *       ({@link #failFlush}, {@link #failNextFlush}). The failing operation's future completes
 *       with a {@link DeviceIoException} whose message names the operation and says "injected";
 *       the other operations of its batch run normally;</li>
 *   <li>tear writes ({@link #tearWhen}, {@link #tearNext}): only a prefix of whole alignment
 *       blocks (possibly none) reaches the device, then the write fails with EIO;</li>
 *   <li>delay completions ({@link #delay}): futures complete that much later, on a timer thread,
 *       never by sleeping on the caller;</li>
 *   <li>simulate a crash or power loss ({@link #crash(Random)}, {@link #dropUnflushed()}).</li>
 * </ul>
 * Operations the device itself would refuse (misaligned, out of range, length 0) are passed
 * through untouched, before any rule is consulted, so they fail as they would without the wrapper.
 *
 * <p><b>Undo log.</b> Before each write the wrapper reads the bytes it is about to overwrite
 * (one extra read on the wrapped device) and, just before the write is issued, appends
 * {@code (offset, old bytes)} to an undo log on the heap. An entry is marked <i>landed</i> when
 * the wrapped write finishes, successfully or not (a failed write may have partly landed). A
 * {@link #flush()} remembers the entries that had landed when it was submitted and removes them
 * from the log when the wrapped flush succeeds: those writes are now durable. So the log always
 * holds exactly the writes that a power loss could still take back. Writes to the same range
 * that are in flight at the same time have no defined order (as on real hardware), and neither
 * has their undo.
 *
 * <p><b>Crash.</b> {@link #crash(Random)} makes the wrapper dead, fails every operation still
 * pending towards the caller with "device crashed", waits until writes already issued to the
 * wrapped device finish, and then walks the undo log from newest to oldest. For each write it
 * chooses with the given random: keep it, restore the old contents, or tear it (keep a random
 * prefix of whole alignment blocks, restore the rest). A block kept by a newer write is never
 * rolled back by an older one, so every block ends up holding the bytes of one of the writes to
 * it or the contents from before them, never anything else. Finally it flushes the wrapped
 * device. Guarantees:
 * <ul>
 *   <li>writes that completed before a flush that completed always survive, byte for byte;</li>
 *   <li>every other write (unflushed, or in flight at the crash) survives, vanishes, or is torn
 *       at alignment-block granularity;</li>
 *   <li>the same seed on the same history gives the same result.</li>
 * </ul>
 * {@link #dropUnflushed()} is the deterministic variant: every unflushed write is rolled back.
 * After either, every operation fails with {@link DeviceIoException} "device crashed" until
 * {@link #revive()}; the wrapped device stays open, so a test can then reopen the layer above on
 * the same (revived) wrapper. Fault rules survive a crash; {@link #clearFaults()} removes them.
 *
 * <p><b>Threads.</b> Forwarded operations complete when the wrapped futures do, on the wrapped
 * device's I/O thread; injected failures and delayed completions complete on a timer or pool
 * thread; only operations refused because the device crashed fail on the caller's thread (as
 * closed devices do). {@link #crash}, {@link #dropUnflushed()} block and must not be called from
 * the wrapped device's I/O thread, e.g. from a callback of one of its futures.
 */
public final class FaultInjectingDevice implements BlockDevice {
    private static final long CRASH_WAIT_SECONDS = 30;

    /** One fault rule: operations it matches fail with {@code errno}, or are torn to {@code keepBlocks}. */
    private record Rule(Predicate<IoOp> match, int errno, int keepBlocks, AtomicInteger remaining) {
        static final int FOREVER = -1;

        /** True if the rule applies to {@code op} and, for a counted rule, one use was taken. */
        boolean claim(IoOp op) {
            if (op != null && !match.test(op)) return false;
            while (true) {
                int n = remaining.get();
                if (n == FOREVER) return true;
                if (n == 0) return false;
                if (remaining.compareAndSet(n, n - 1)) return true;
            }
        }

        boolean tears() {
            return keepBlocks >= 0;
        }
    }

    /** One write the wrapped device may still lose: its offset and the bytes it overwrote. */
    private static final class Undo {
        final long offset;
        final byte[] old;
        volatile boolean landed;
        boolean flushed;

        Undo(long offset, byte[] old) {
            this.offset = offset;
            this.old = old;
        }
    }

    /** A future handed to a caller, with the operation it is for (null: a flush), for the counters. */
    private static final class OpFuture extends CompletableFuture<Void> {
        final IoOp op;

        OpFuture(IoOp op) {
            this.op = op;
        }
    }

    private final BlockDevice inner;
    private final List<Rule> opRules = new CopyOnWriteArrayList<>();
    private final List<Rule> flushRules = new CopyOnWriteArrayList<>();
    private volatile Duration delay = Duration.ZERO;

    // Guarded by this.
    private boolean dead;
    private final List<Undo> undoLog = new ArrayList<>();
    private final Set<CompletableFuture<Void>> writesInFlight = new HashSet<>();
    /** Futures handed to callers and not yet completed; a crash fails them. */
    private final Set<CompletableFuture<Void>> pending = ConcurrentHashMap.newKeySet();

    // What callers see in stats(): their operations, not the wrapper's undo reads and restores.
    private final LongAdder statBatches = new LongAdder();
    private final LongAdder statOperations = new LongAdder();
    private final LongAdder statFailed = new LongAdder();
    private final LongAdder statRead = new LongAdder();
    private final LongAdder statWritten = new LongAdder();
    private final LongAdder statStaged = new LongAdder();

    private final LongAdder batches = new LongAdder();
    private final LongAdder operations = new LongAdder();
    private final LongAdder flushes = new LongAdder();
    private final LongAdder injected = new LongAdder();
    private final LongAdder crashes = new LongAdder();

    /** Wraps {@code inner}; closing this device closes it. */
    public FaultInjectingDevice(BlockDevice inner) {
        this.inner = inner;
    }

    /** The wrapped device. */
    public BlockDevice delegate() {
        return inner;
    }

    // ---------------------------------------------------------------- fault rules

    /** Every read or write {@code match} accepts fails with {@code errno}, until {@link #clearFaults()}. */
    public FaultInjectingDevice failWhen(Predicate<IoOp> match, int errno) {
        opRules.add(new Rule(match, errno, -1, new AtomicInteger(Rule.FOREVER)));
        return this;
    }

    /** The next {@code n} reads or writes fail with {@code errno}. */
    public FaultInjectingDevice failNext(int n, int errno) {
        return failNext(n, op -> true, errno);
    }

    /** The next {@code n} reads or writes that {@code match} accepts fail with {@code errno}. */
    public FaultInjectingDevice failNext(int n, Predicate<IoOp> match, int errno) {
        opRules.add(new Rule(match, errno, -1, new AtomicInteger(count(n))));
        return this;
    }

    /** Every flush fails with {@code errno} (and makes nothing durable), until {@link #clearFaults()}. */
    public FaultInjectingDevice failFlush(int errno) {
        flushRules.add(new Rule(op -> true, errno, -1, new AtomicInteger(Rule.FOREVER)));
        return this;
    }

    /** The next {@code n} flushes fail with {@code errno} (and make nothing durable). */
    public FaultInjectingDevice failNextFlush(int n, int errno) {
        flushRules.add(new Rule(op -> true, errno, -1, new AtomicInteger(count(n))));
        return this;
    }

    /**
     * Every write {@code match} accepts stores only its first {@code keepBlocks} alignment blocks
     * (all of them if it has fewer) and then fails with EIO, until {@link #clearFaults()}.
     */
    public FaultInjectingDevice tearWhen(Predicate<IoOp> match, int keepBlocks) {
        opRules.add(new Rule(writes(match), Errno.EIO, blocks(keepBlocks), new AtomicInteger(Rule.FOREVER)));
        return this;
    }

    /** The next write stores only its first {@code keepBlocks} alignment blocks, then fails with EIO. */
    public FaultInjectingDevice tearNext(int keepBlocks) {
        opRules.add(new Rule(writes(op -> true), Errno.EIO, blocks(keepBlocks), new AtomicInteger(1)));
        return this;
    }

    /** Completes every later operation (and flush) this much after the wrapped device did; zero for none. */
    public FaultInjectingDevice delay(Duration by) {
        if (by.isNegative()) throw new IllegalArgumentException("delay must be >= 0, got " + by);
        this.delay = by;
        return this;
    }

    /** Removes every fault rule and the delay. */
    public FaultInjectingDevice clearFaults() {
        opRules.clear();
        flushRules.clear();
        delay = Duration.ZERO;
        return this;
    }

    private static int count(int n) {
        if (n < 0) throw new IllegalArgumentException("count must be >= 0, got " + n);
        return n;
    }

    private static int blocks(int keepBlocks) {
        if (keepBlocks < 0) throw new IllegalArgumentException("blocks to keep must be >= 0, got " + keepBlocks);
        return keepBlocks;
    }

    private static Predicate<IoOp> writes(Predicate<IoOp> match) {
        return op -> op.kind() == IoOp.Kind.WRITE && match.test(op);
    }

    // ---------------------------------------------------------------- crash

    /** Simulates a crash: see the class comment. Blocks until the wrapped device holds the outcome. */
    public void crash(long seed) throws IOException {
        crash(new Random(seed));
    }

    /** Simulates a crash, choosing each unflushed write's fate (keep, lose, tear) with {@code rnd}. */
    public void crash(Random rnd) throws IOException {
        rollBack(rnd);
    }

    /** Simulates a power loss that loses every unflushed write. */
    public void dropUnflushed() throws IOException {
        rollBack(null);
    }

    /** Makes a crashed device usable again (a "reboot"); the undo log starts empty. */
    public synchronized FaultInjectingDevice revive() {
        dead = false;
        return this;
    }

    /** Whether the device crashed and was not revived. */
    public synchronized boolean isCrashed() {
        return dead;
    }

    /** Writes a crash could still take back: entries in the undo log. */
    public synchronized int unflushedWrites() {
        return undoLog.size();
    }

    private void rollBack(Random rnd) throws IOException {
        List<CompletableFuture<Void>> issued;
        synchronized (this) {
            dead = true;
            issued = new ArrayList<>(writesInFlight);
        }
        crashes.increment();
        for (CompletableFuture<Void> f : List.copyOf(pending)) complete(f, crashed("operation in flight"));
        try {
            CompletableFuture.allOf(issued.toArray(new CompletableFuture<?>[0]))
                    .get(CRASH_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for writes in flight on " + path(), e);
        } catch (ExecutionException e) {
            // Never: the in-flight futures complete normally whatever their write did.
        } catch (TimeoutException e) {
            throw new IOException("writes in flight on " + path() + " did not finish within "
                    + CRASH_WAIT_SECONDS + " s", e);
        }
        List<Undo> log;
        synchronized (this) {
            log = new ArrayList<>(undoLog);
            undoLog.clear();
        }
        int align = alignment();
        Set<Long> kept = new HashSet<>(); // blocks a newer write was kept for: final already
        for (int i = log.size() - 1; i >= 0; i--) {
            Undo u = log.get(i);
            int blocks = u.old.length / align;
            int keep = rnd == null ? 0 : switch (rnd.nextInt(3)) {
                case 0 -> blocks;                   // the write survives
                case 1 -> 0;                        // the write vanishes
                default -> rnd.nextInt(blocks + 1); // torn: a prefix survives
            };
            long first = u.offset / align;
            for (int b = 0; b < keep; b++) kept.add(first + b);
            // Restore the other blocks, in runs of consecutive blocks nobody kept.
            int b = keep;
            while (b < blocks) {
                if (kept.contains(first + b)) {
                    b++;
                    continue;
                }
                int end = b;
                while (end < blocks && !kept.contains(first + end)) end++;
                restore(u.offset + (long) b * align, MemorySegment.ofArray(u.old)
                        .asSlice((long) b * align, (long) (end - b) * align));
                b = end;
            }
        }
        await(inner.flush(), "flush after the crash rollback");
    }

    private void restore(long offset, MemorySegment old) throws IOException {
        try (IoBuffer buf = inner.buffers().allocate(old.byteSize())) {
            buf.segment().copyFrom(old);
            await(inner.submit(List.of(IoOp.write(offset, buf.segment()))).getFirst(),
                    "restoring " + old.byteSize() + " bytes at offset " + offset);
        }
    }

    private void await(CompletableFuture<Void> f, String what) throws IOException {
        try {
            f.get(CRASH_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + what + " on " + path(), e);
        } catch (ExecutionException e) {
            throw new IOException(what + " on " + path() + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException(what + " on " + path() + " did not finish within " + CRASH_WAIT_SECONDS + " s", e);
        }
    }

    private DeviceIoException crashed(Object what) {
        return new DeviceIoException(what + " on " + path() + ": device crashed");
    }

    // ---------------------------------------------------------------- counters

    /** Calls of {@link #submit}. */
    public long batches() {
        return batches.sum();
    }

    /** Reads and writes submitted (flushes not included). */
    public long operations() {
        return operations.sum();
    }

    /** Calls of {@link #flush()}. */
    public long flushes() {
        return flushes.sum();
    }

    /** Operations and flushes failed or torn by a fault rule. */
    public long injectedFailures() {
        return injected.sum();
    }

    /** Calls of {@link #crash} and {@link #dropUnflushed()}. */
    public long crashes() {
        return crashes.sum();
    }

    // ---------------------------------------------------------------- BlockDevice

    @Override
    public Path path() {
        return inner.path();
    }

    @Override
    public Geometry geometry() {
        return inner.geometry();
    }

    @Override
    public boolean created() {
        return inner.created();
    }

    @Override
    public long dataFrom(long from) {
        return inner.dataFrom(from);
    }

    @Override
    public long holeFrom(long from) {
        return inner.holeFrom(from);
    }

    @Override
    public Engine engine() {
        return inner.engine();
    }

    @Override
    public BufferArena buffers() {
        return inner.buffers();
    }

    /**
     * The operations of the wrapper's callers, counted as an engine counts them; the wrapper's own
     * undo reads and restores are not in them (they are in {@code delegate().stats()}).
     */
    @Override
    public DeviceStats stats() {
        return new DeviceStats(statBatches.sum(), statOperations.sum(), statFailed.sum(), statRead.sum(),
                statWritten.sum(), statStaged.sum(), pending.size());
    }

    @Override
    public List<CompletableFuture<Void>> submit(List<IoOp> ops) {
        batches.increment();
        operations.add(ops.size());
        statBatches.increment();
        statOperations.add(ops.size());
        Duration by = delay;
        List<CompletableFuture<Void>> futures = new ArrayList<>(ops.size());
        List<IoOp> forward = new ArrayList<>();
        List<CompletableFuture<Void>> forwardFutures = new ArrayList<>();
        boolean crashed = isCrashed();
        for (IoOp op : ops) {
            OpFuture future = new OpFuture(op);
            futures.add(future);
            pending.add(future);
            if (!valid(op)) { // the wrapped device refuses it with its own message
                forward.add(op);
                forwardFutures.add(future);
                continue;
            }
            if (crashed) {
                complete(future, crashed(op));
                continue;
            }
            if (needsStaging(op.buffer())) statStaged.increment();
            Rule rule = claim(opRules, op);
            if (rule != null) injected.increment();
            if (rule != null && !rule.tears()) {
                deliverLater(future, new DeviceIoException(op + " on " + path() + " failed (injected)", rule.errno()), by);
            } else if (op.kind() == IoOp.Kind.WRITE) {
                write(op, future, rule, by);
            } else {
                forward.add(op);
                forwardFutures.add(future);
            }
        }
        if (!forward.isEmpty()) {
            List<CompletableFuture<Void>> results = inner.submit(forward);
            for (int i = 0; i < results.size(); i++) {
                CompletableFuture<Void> future = forwardFutures.get(i);
                results.get(i).whenComplete((v, e) -> deliver(future, e, by));
            }
        }
        return futures;
    }

    /**
     * A write: read the bytes it overwrites, log them, then write (all or, when torn, a prefix).
     * The future of {@code writesInFlight} tracks the whole chain, so a crash can wait for it.
     */
    private void write(IoOp op, CompletableFuture<Void> future, Rule tear, Duration by) {
        long length = tear == null ? op.length() : Math.min(op.length(), (long) tear.keepBlocks() * alignment());
        Throwable after = tear == null ? null : new DeviceIoException(op + " on " + path() + " torn after "
                + length + " of " + op.length() + " bytes (injected)", Errno.EIO);
        if (length == 0) {
            deliverLater(future, after, by);
            return;
        }
        CompletableFuture<Void> chain = new CompletableFuture<>();
        synchronized (this) {
            if (dead) {
                complete(future, crashed(op));
                return;
            }
            writesInFlight.add(chain);
        }
        IoBuffer old;
        try {
            old = inner.buffers().allocate(length);
        } catch (RuntimeException e) {
            finishChain(chain);
            deliver(future, e, by);
            return;
        }
        inner.submit(List.of(IoOp.read(op.offset(), old.segment()))).getFirst().whenComplete((v, readError) -> {
            byte[] bytes = readError == null ? old.segment().toArray(JAVA_BYTE) : null;
            old.close();
            if (readError != null) {
                finishChain(chain);
                deliver(future, readError, by);
                return;
            }
            Undo undo = new Undo(op.offset(), bytes);
            CompletableFuture<Void> written;
            synchronized (this) {
                if (dead) {
                    writesInFlight.remove(chain);
                    chain.complete(null);
                    complete(future, crashed(op));
                    return;
                }
                undoLog.add(undo);
                try {
                    written = inner.submit(List.of(IoOp.write(op.offset(), op.buffer().asSlice(0, length)))).getFirst();
                } catch (RuntimeException e) { // never leave the caller's future pending
                    undoLog.remove(undo);
                    writesInFlight.remove(chain);
                    chain.complete(null);
                    deliver(future, e, by);
                    return;
                }
            }
            written.whenComplete((w, e) -> {
                Throwable error = unwrap(e);
                synchronized (this) {
                    undo.landed = true;
                    // Refused before reaching the device (read-only, closed): nothing to undo.
                    if (error != null && !(error instanceof DeviceIoException)) undoLog.remove(undo);
                }
                finishChain(chain);
                deliver(future, error != null ? error : after, by);
            });
        });
    }

    private synchronized void finishChain(CompletableFuture<Void> chain) {
        writesInFlight.remove(chain);
        chain.complete(null);
    }

    @Override
    public CompletableFuture<Void> flush() {
        flushes.increment();
        statBatches.increment();
        statOperations.increment();
        Duration by = delay;
        OpFuture future = new OpFuture(null);
        pending.add(future);
        List<Undo> landed = new ArrayList<>();
        synchronized (this) {
            if (dead) {
                complete(future, crashed("flush"));
                return future;
            }
            for (Undo u : undoLog) if (u.landed) landed.add(u);
        }
        Rule rule = claim(flushRules, null);
        if (rule != null) {
            injected.increment();
            deliverLater(future, new DeviceIoException("flush on " + path() + " failed (injected)", rule.errno()), by);
            return future;
        }
        inner.flush().whenComplete((v, e) -> {
            if (e == null) {
                synchronized (this) {
                    for (Undo u : landed) u.flushed = true;
                    undoLog.removeIf(u -> u.flushed);
                }
            }
            deliver(future, e, by);
        });
        return future;
    }

    /** Closes the wrapped device; operations still pending complete as it completes them. */
    @Override
    public void close() throws IOException {
        inner.close();
    }

    // ---------------------------------------------------------------- helpers

    /** What the wrapped device would accept, as far as offsets and lengths go. */
    private boolean valid(IoOp op) {
        long align = alignment();
        long length = op.length();
        return length > 0 && op.offset() >= 0 && op.offset() % align == 0 && length % align == 0
                && op.offset() <= size() - length;
    }

    private static Rule claim(List<Rule> rules, IoOp op) {
        for (Rule r : rules) {
            if (r.claim(op)) return r;
        }
        return null;
    }

    /** Completes {@code future} now (on the thread calling), or after {@code by} on a timer thread. */
    private void deliver(CompletableFuture<Void> future, Throwable error, Duration by) {
        if (by.isZero()) complete(future, error);
        else CompletableFuture.delayedExecutor(by.toNanos(), TimeUnit.NANOSECONDS).execute(() -> complete(future, error));
    }

    /** Completes {@code future} after {@code by} (possibly zero) on another thread, never the caller's. */
    private void deliverLater(CompletableFuture<Void> future, Throwable error, Duration by) {
        CompletableFuture.delayedExecutor(by.toNanos(), TimeUnit.NANOSECONDS).execute(() -> complete(future, error));
    }

    /** Completes a caller's future once (later attempts, e.g. after a crash failed it, do nothing), counting it first. */
    private void complete(CompletableFuture<Void> future, Throwable error) {
        if (!pending.remove(future)) return;
        IoOp op = ((OpFuture) future).op;
        if (error != null) statFailed.increment();
        else if (op != null) (op.kind() == IoOp.Kind.READ ? statRead : statWritten).add(op.length());
        if (error == null) future.complete(null);
        else future.completeExceptionally(unwrap(error));
    }

    private boolean needsStaging(MemorySegment buffer) {
        return !buffer.isNative() || buffer.address() % alignment() != 0;
    }

    private static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) e = e.getCause();
        return e;
    }
}
