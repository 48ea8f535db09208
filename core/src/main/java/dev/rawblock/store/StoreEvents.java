package dev.rawblock.store;

/**
 * Hears what happens to an open store that an operator should know about: the store never prints,
 * its owner decides what to log and how often. Called on the thread where it happened, often
 * under the store lock and on hot paths: an implementation must be quick, never block and never
 * call back into the store (count, and report from a thread of its own).
 *
 * <p>Given with {@link StoreOptions#withEvents}; every method does nothing by default.
 */
public interface StoreEvents {
    /** Hears nothing. */
    StoreEvents NONE = new StoreEvents() { };

    /** An entry was evicted to make room for a put. */
    default void evicted() {
    }

    /** Entries whose slot failed verification (header, key or checksum) were dropped: they read as misses. */
    default void corruptDropped(int entries) {
    }

    /** A key could not be stored: no free slot, and nothing evictable (or eviction is off). */
    default void outOfSpace() {
    }

    /** A checkpoint failed; the journal still holds every change, and the next one retries. */
    default void checkpointFailed(Throwable cause) {
    }

    /** The journal could not be written: the store refuses further changes (nothing acknowledged is lost). */
    default void journalFailed(Throwable cause) {
    }
}
