package dev.rawblock.store;

/**
 * What {@link Store#get} found for one key, with one lookup: a value to read in pieces, a value
 * loaded (and verified) into the caller's {@link Destination}, or nothing.
 *
 * @param length the value's length; {@link Store#MISS} when the key is not stored (or its slot failed
 *               verification), {@link Store#DESTINATION_TOO_SMALL} when the destination declined it
 * @param reader the open reader of a value of the caller's streaming size or more (the caller closes
 *               it), or null when the value was loaded whole or not found
 */
public record GetResult(long length, ValueReader reader) {
    static final GetResult MISS = new GetResult(Store.MISS, null);

    /** Whether the value is in the caller's destination (the first {@link #length} bytes). */
    public boolean loaded() {
        return reader == null && length >= 0;
    }
}
