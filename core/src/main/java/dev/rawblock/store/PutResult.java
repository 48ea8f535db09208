package dev.rawblock.store;

/** What {@link Store#putMany} did with one key. */
public enum PutResult {
    /** Written now. */
    STORED,
    /** Was stored already; not rewritten (the first value wins). */
    ALREADY_STORED,
    /** Another put of the same key is writing it right now. */
    BUSY,
    /** Larger than the largest slot ({@link Store#maxValueBytes()}). */
    TOO_LARGE,
    /** No free slot, and nothing could be evicted (or eviction is off). */
    NO_SPACE,
    /** The device write, or preparing it, failed. */
    WRITE_FAILED,
    /** Deleted while being written. */
    CANCELED;

    /** True when the key is stored after the put: {@link #STORED} or {@link #ALREADY_STORED}. */
    public boolean stored() {
        return this == STORED || this == ALREADY_STORED;
    }
}
