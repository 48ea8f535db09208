package dev.rawblock.store;

/**
 * What a put does with a key that is stored already, or that another put is writing right now.
 */
public enum PutMode {
    /**
     * The first value wins: a stored key is left as it is (ALREADY_STORED), and a key another put
     * is writing is BUSY at once. LMCache's store contract (a chunk's bytes never change).
     */
    FIRST,
    /**
     * As {@link #FIRST}, except that a key another put is writing waits for that put to end, then
     * is ALREADY_STORED (it stored) or written (it failed): Redis {@code SET NX}.
     */
    IF_ABSENT,
    /**
     * The new value replaces a stored one in one journal commit: until the commit, loads see the
     * old value, after it the new one, never a miss; a crash leaves one of the two; the old slot is
     * freed once the new value is durable. A key another put is writing waits for that put to end
     * first, so the later put wins: Redis {@code SET}.
     */
    REPLACE
}
