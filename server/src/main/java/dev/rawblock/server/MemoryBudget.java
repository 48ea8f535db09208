package dev.rawblock.server;

import dev.rawblock.store.ValueMemory;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Value buffers for all connections, from the store's {@link ValueMemory} (aligned, so the store
 * moves them to and from the device without a copy), within a fixed number of bytes in use.
 *
 * <p>A request that finds the budget spent waits for room instead of failing at once: with many
 * clients each moving one large value, the busy ones finish and free their buffers, and TCP flow
 * control holds the others back meanwhile. A request that cannot get room within the wait fails.
 */
public final class MemoryBudget {
    private final ValueMemory memory;
    private final long limit;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    private long used;
    /** Tickets of waiting requests: {@code serving} is the one whose turn it is. */
    private long nextTicket;
    private long serving;
    private final java.util.TreeSet<Long> abandoned = new java.util.TreeSet<>();

    public MemoryBudget(ValueMemory memory, long limit) {
        this.memory = memory;
        this.limit = limit;
    }

    /**
     * An aligned buffer of at least {@code bytes} (exactly that many visible), waiting up to
     * {@code wait} for room.
     *
     * @throws BudgetExceededException when no room came within the wait
     */
    public ValueBuffer allocate(long bytes, Duration wait) throws InterruptedException {
        long cost = memory.footprint(bytes);
        if (cost > limit) throw new BudgetExceededException(bytes, limit);
        lock.lock();
        try {
            // First come, first served: a large request is not starved by a stream of small ones.
            long ticket = nextTicket++;
            long nanos = wait.toNanos();
            try {
                while (ticket != serving || used + cost > limit) {
                    if (nanos <= 0) throw new BudgetExceededException(bytes, limit);
                    nanos = freed.awaitNanos(nanos);
                }
            } finally {
                if (ticket == serving) {
                    serving++;
                } else {
                    abandoned.add(ticket); // skipped when its turn comes
                }
                skipAbandoned();
                freed.signalAll();
            }
            used += cost;
        } finally {
            lock.unlock();
        }
        try {
            return new ValueBuffer(memory.allocate(bytes), () -> release(cost));
        } catch (RuntimeException | Error e) {
            release(cost);
            throw e;
        }
    }

    private void skipAbandoned() {
        while (abandoned.remove(serving)) serving++;
    }

    private void release(long cost) {
        lock.lock();
        try {
            used -= cost;
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Bytes of buffers in use now. */
    public long used() {
        lock.lock();
        try {
            return used;
        } finally {
            lock.unlock();
        }
    }

    public long limit() {
        return limit;
    }

    /** No room for a buffer within the wait. */
    public static final class BudgetExceededException extends RuntimeException {
        BudgetExceededException(long bytes, long limit) {
            super("server memory budget (" + limit + " bytes) has no room for a " + bytes + "-byte value; try again");
        }
    }

    /** A buffer and its share of the budget, both given back by {@link #close}. */
    public static final class ValueBuffer implements AutoCloseable {
        private final ValueMemory.Buffer buffer;
        private Runnable release;

        ValueBuffer(ValueMemory.Buffer buffer, Runnable release) {
            this.buffer = buffer;
            this.release = release;
        }

        public MemorySegment segment() {
            return buffer.segment();
        }

        @Override
        public void close() {
            if (release == null) return;
            buffer.close();
            release.run();
            release = null;
        }
    }
}
