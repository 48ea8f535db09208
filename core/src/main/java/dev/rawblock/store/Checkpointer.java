package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;

import java.io.IOException;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Decides when to checkpoint and writes checkpoints: an {@link Agent}, on its own thread or a simulation's steps.
 *
 * <p><b>When.</b> Whenever half the journal is in use (the journal asks, and nothing postpones
 * it); and when the store changed and the interval passed, preferring a moment with no I/O in
 * flight but waiting for one at most the quiet wait. So sustained load cannot postpone a
 * checkpoint past interval + quiet wait (the reference's idle gate can wait forever).
 *
 * <p><b>How.</b> A fuzzy scan: note where the journal will continue, then copy the region table
 * and one region's entries at a time, each under one short hold of the store lock (never the whole
 * index, never I/O under the lock). Replaying the journal from the noted position on top of the
 * image makes it exact, because every change after that point is in the journal, in order.
 */
final class Checkpointer implements Agent, AutoCloseable {
    /** What the scan needs from the store; every method runs under the store lock. */
    interface Source {
        /** Where the journal continues, the largest write sequence issued, the last journal ticket, the region table. */
        Start start();

        /**
         * The stored entries of region {@code r}, packed into {@code buffer} (grown if needed)
         * {@value Checkpoint#PACKED} longs each as in {@link Checkpoint.Image}; returns the count.
         */
        int entries(int r, long[][] buffer);

        /** Operations in flight on the device. */
        long inFlightIo();

        /** Runs {@code action} under the store lock. */
        <T> T locked(java.util.function.Supplier<T> action);
    }

    /** The point a checkpoint starts from. */
    record Start(long journalFrom, long maxSeq, long ticket, long[] regionSlotBytes) {}

    private final BlockDevice device;
    private final IoTracker io;
    private final MetadataLayout layout;
    private final int block;
    private final long storeId;
    private final Journal journal;
    private final StoreOptions options;
    private final Source source;
    private final ReentrantLock writing = new ReentrantLock();
    private final Object signal = new Object();
    private boolean wanted;          // guarded by signal
    private boolean woken;           // guarded by signal
    private final StoreRuntime runtime;
    private final StoreRuntime.Running running;
    // Guarded by writing (read by checkpointDue under the store lock: volatile is enough).
    private volatile long seq;
    private volatile long lastTicket;
    private volatile long lastNanos;
    private final LongAdder written = new LongAdder();
    private final LongAdder failed = new LongAdder();

    Checkpointer(BlockDevice device, IoTracker io, MetadataLayout layout, int block, long storeId, Journal journal,
                 StoreOptions options, Source source, long seq, StoreRuntime runtime) {
        this.device = device;
        this.io = io;
        this.layout = layout;
        this.block = block;
        this.storeId = storeId;
        this.journal = journal;
        this.options = options;
        this.source = source;
        this.seq = seq;
        this.runtime = runtime;
        this.lastNanos = runtime.nanoTime();
        this.running = runtime.run("rawblock-checkpoint", this);
    }

    /** Asks for a checkpoint now (the journal is filling up). Never blocks. */
    void request() {
        synchronized (signal) {
            wanted = true;
        }
        wake();
    }

    /** Whether an interval checkpoint may start at {@code now}. */
    boolean due(long nowNanos) {
        boolean dirty = journal.lastTicket() > lastTicket;
        long due = lastNanos + options.checkpointInterval().toNanos();
        if (!dirty || nowNanos - due < 0) return false;
        return source.inFlightIo() == 0 || nowNanos - due >= options.quietWait().toNanos();
    }

    long written() {
        return written.sum();
    }

    long failed() {
        return failed.sum();
    }

    /** {@link StoreRuntime#nanoTime} of the last checkpoint written, or of open if none was. */
    long lastNanos() {
        return lastNanos;
    }

    /** Writes a checkpoint when one was asked for or the interval says so. */
    @Override
    public int doWork() {
        boolean now;
        synchronized (signal) {
            now = wanted;
            wanted = false;
        }
        if (!now && !due(runtime.nanoTime())) return 0;
        try {
            checkpoint();
        } catch (IOException | RuntimeException e) {
            failed.increment(); // the journal still holds everything; the next try may succeed
            options.events().checkpointFailed(e);
        }
        return 1;
    }

    /** Waits for a request, or a tenth of a second (the interval is checked that often). */
    @Override
    public void idle() throws InterruptedException {
        synchronized (signal) {
            if (!woken && !wanted) signal.wait(100);
            woken = false;
        }
    }

    @Override
    public void wake() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    /** Writes a checkpoint now, into the older copy; then the journal before its start is free. */
    void checkpoint() throws IOException {
        writing.lock();
        try {
            Start start = source.locked(source::start);
            long number = seq + 1;
            try (Checkpoint.Writer w = new Checkpoint.Writer(device, io, layout, block, number)) {
                for (long b : start.regionSlotBytes()) w.region(b);
                long[][] buffer = {new long[0]};
                for (int r = 0; r < start.regionSlotBytes().length; r++) {
                    int region = r;
                    int n = source.locked(() -> source.entries(region, buffer));
                    long[] e = buffer[0];
                    for (int i = 0, k = 0; i < n; i++, k += Checkpoint.PACKED) {
                        w.entry(e[k], e[k + 1], (int) (e[k + 2] >>> 32), e[k + 2] & 0xffffffffL, e[k + 3]);
                    }
                }
                w.finish(number, start.journalFrom(), start.maxSeq(), start.regionSlotBytes().length, storeId);
            }
            seq = number;
            lastTicket = Math.max(lastTicket, start.ticket());
            lastNanos = runtime.nanoTime();
            journal.reclaim(start.journalFrom());
            written.increment();
        } finally {
            writing.unlock();
        }
    }

    /** Stops the agent (a checkpoint it is writing finishes first). */
    @Override
    public void close() {
        running.stop();
    }
}
