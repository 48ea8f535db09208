package dev.rawblock.store;

import java.lang.foreign.MemorySegment;

/**
 * Memory for a value whose length the store's lookup has just found ({@link Store#loadMany(java.util.List,
 * Destination)}, {@link Store#get}): the caller sizes its buffer from the same lookup that then reads
 * into it, so no other value can come between the length and the bytes.
 *
 * <p>The store asks outside its lock, with the value's slot leased (not reused until the read is
 * done), so the caller may wait here, for memory of a budget for instance; a slot freed meanwhile
 * is given back only after that wait. The store's other calls, and its close, do not wait for it.
 */
@FunctionalInterface
public interface Destination {
    /**
     * Memory for the value of key {@code index} (its position in the batch; 0 for {@link Store#get}),
     * of {@code length} bytes. A destination that is native, aligned for direct I/O and the length
     * rounded up to the block receives the payload straight from the device.
     *
     * @return at least {@code length} bytes, or null to leave this key out (its result is then
     *         {@link Store#DESTINATION_TOO_SMALL})
     */
    MemorySegment forValue(int index, long length) throws InterruptedException;
}
