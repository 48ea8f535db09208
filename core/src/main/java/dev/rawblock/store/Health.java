package dev.rawblock.store;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * The one place that decides whether the store takes operations, and where I/O failures are
 * reported (Kafka's {@code LogDirFailureChannel}). A journal failure takes the store offline: what
 * was acknowledged stays in the journal, but nothing more can be acknowledged, so every later
 * operation is refused. A failed slot read or write fails its key alone: it is counted here and
 * the store stays online.
 *
 * <p>Operations run between {@link #begin} and {@link #end} (or in {@link #guarded}), holding the
 * read side of the lifecycle lock, so that {@link #closeWhenIdle} waits for them.
 */
final class Health {
    private final String path;
    private final boolean readOnly;
    private final StoreEvents events;
    private final StoreCounters.Failures failures;
    private final Journal journal;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;
    /** The journal's failure, once it failed: the store is offline from then on. */
    private volatile Throwable offline;

    Health(String path, boolean readOnly, StoreEvents events, StoreCounters.Failures failures, Journal journal) {
        this.path = path;
        this.readOnly = readOnly;
        this.events = events;
        this.failures = failures;
        this.journal = journal;
    }

    /** Starts an operation: fails if the store is closed or offline, else keeps close waiting until {@link #end}. */
    void begin() {
        lifecycle.readLock().lock();
        if (closed || offline != null) {
            lifecycle.readLock().unlock();
            throw new IllegalStateException("store on " + path
                    + (closed ? " is closed" : " is offline after a journal failure: " + offline.getMessage()));
        }
    }

    void end() {
        lifecycle.readLock().unlock();
    }

    /** Runs one operation between {@link #begin} and {@link #end}. */
    <T> T guarded(Supplier<T> operation) {
        begin();
        try {
            return operation.get();
        } finally {
            end();
        }
    }

    /** Refuses a change to a store opened {@link StoreOptions#readOnly() read-only}. */
    void checkWritable(String what) {
        if (readOnly) throw new IllegalStateException("store on " + path + " is open read-only: cannot " + what);
    }

    /** Whether background work may run: open and online. */
    boolean running() {
        return !closed && offline == null;
    }

    /** Whether the store may still write: online and not read-only (what close checks before its checkpoint). */
    boolean writable() {
        return offline == null && !readOnly;
    }

    /** Waits until the journal is durable up to {@code ticket}; false, and the store offline, if it failed. */
    boolean awaitDurable(long ticket) {
        if (ticket == 0) return true;
        try {
            journal.sync(ticket).join();
            return true;
        } catch (RuntimeException e) {
            journalFailed(e.getCause() != null ? e.getCause() : e);
            return false;
        }
    }

    /** As {@link #awaitDurable}, for operations that report a journal failure by throwing. */
    void requireDurable(long ticket) {
        if (!awaitDurable(ticket)) {
            throw new IllegalStateException("store on " + path + " is offline after a journal failure: "
                    + offline.getMessage(), offline);
        }
    }

    /** The journal failed: the store goes offline, and the operator hears of it once. */
    private void journalFailed(Throwable cause) {
        if (offline == null) events.journalFailed(cause);
        offline = cause;
    }

    /** A device read of a slot failed: its key misses. */
    void readFailed() {
        failures.readErrors.increment();
    }

    /** A slot write failed, or could not be prepared: its key's put fails. */
    void writeFailed() {
        failures.writeErrors.increment();
    }

    /**
     * Waits for running operations and marks the store closed; false if it was closed already.
     * The caller runs its shutdown and then calls {@link #closed()}.
     */
    boolean closeWhenIdle() {
        lifecycle.writeLock().lock();
        if (!closed) {
            closed = true;
            return true;
        }
        lifecycle.writeLock().unlock();
        return false;
    }

    /** Ends what {@link #closeWhenIdle} started: later operations find the store closed. */
    void closed() {
        lifecycle.writeLock().unlock();
    }
}
