package dev.rawblock.store;

import java.util.List;

/**
 * A snapshot of a store: contents, space, and counters since open.
 *
 * @param entries            values stored (and being written)
 * @param maxEntries         index capacity fixed at format
 * @param payloadBytes       bytes of stored values
 * @param usedSlotBytes      device bytes the slots of those values take (header, value, padding)
 * @param capacityBytes      device bytes in regions
 * @param assignedBytes      bytes of regions assigned to a size class
 * @param freeRegions        regions not assigned to any class
 * @param regions            all regions
 * @param classes            per size class: slot size, used and total slots
 * @param pinnedEntries      entries with at least one pin
 * @param evictions          entries evicted to make room
 * @param checksumFailures   loads that found a slot failing verification (entry dropped)
 * @param readErrors         device reads that failed
 * @param writeErrors        writes that failed (device error or preparation failure)
 * @param putsStored         keys a put stored (or found stored)
 * @param putsFailed         keys a put could not store
 * @param hits               keys a load served
 * @param misses             keys a load could not serve
 * @param inFlightIo         device operations submitted and not completed
 * @param batchSubmissions   device submissions of put and load batches (one per batch, more for a batch
 *                           beyond the staging cap)
 * @param journalGroups      journal writes (each a group of changes from any number of batches, one flush)
 * @param lastIoAgeMillis    milliseconds since the last successful device operation, -1 if none
 * @param lockAcquisitions   acquisitions of the store lock by data operations
 * @param indexMemoryBytes   memory of the index and slot tables
 * @param checkpoints        checkpoints written since open
 * @param checkpointFailures checkpoints that failed (the journal still held everything)
 * @param journalFill        fraction of the journal ring a crash would replay
 * @param lastCheckpointAgeMillis milliseconds since the last checkpoint this store wrote, or since open if
 *                           none yet (it grows while the store is unchanged: no checkpoint is needed then)
 * @param expiringEntries    entries that have an expiry time
 * @param expiredKeys        entries removed because their expiry time passed (on access or by the sweep)
 * @param members            per device the store is on (one, or the members of a span or mirror, in their places)
 * @param mirror             the mirror's state when the store is on one, else null
 * @param smallValueCache    the small-value cache's figures (all 0 when it is off)
 */
public record StoreStats(long entries, long maxEntries, long payloadBytes, long usedSlotBytes, long capacityBytes,
                         long assignedBytes, long freeRegions, long regions, List<ClassStats> classes,
                         long pinnedEntries, long evictions, long checksumFailures, long readErrors,
                         long writeErrors, long putsStored, long putsFailed, long hits, long misses, long inFlightIo,
                         long batchSubmissions, long journalGroups, long lastIoAgeMillis, long lockAcquisitions,
                         long indexMemoryBytes, long checkpoints, long checkpointFailures, double journalFill,
                         long lastCheckpointAgeMillis, long expiringEntries, long expiredKeys,
                         List<MemberStats> members, MirrorStats mirror, SmallValueCacheStats smallValueCache) {

    /**
     * One device of the store (for a span, one member: its regions and their values, and its I/O).
     *
     * @param path          the device
     * @param valueBytes    bytes of stored values in its regions (on a mirror, every value, on each member)
     * @param usedSlotBytes bytes of its slots that hold values
     * @param capacityBytes bytes of its regions
     * @param operations    operations submitted to it since open (reads, writes, flushes)
     * @param bytesRead     bytes read from it since open
     * @param bytesWritten  bytes written to it since open
     * @param inFlight      its operations submitted and not completed
     */
    public record MemberStats(String path, long valueBytes, long usedSlotBytes, long capacityBytes, long operations,
                              long bytesRead, long bytesWritten, long inFlight) {}

    /**
     * The most memory the index takes per entry ({@code indexMemoryBytes / entries} at its worst):
     * while it grows, its old and its new table exist side by side. What a caller planning a store
     * of many entries should count on.
     */
    public static final long INDEX_PEAK_BYTES_PER_ENTRY = KeyIndex.PEAK_BYTES_PER_ENTRY;

    /**
     * One size class.
     *
     * @param slotBytes  bytes per slot
     * @param usedSlots  slots holding values
     * @param totalSlots slots in the class's regions
     */
    public record ClassStats(long slotBytes, long usedSlots, long totalSlots) {
        public long usedBytes() {
            return usedSlots * slotBytes;
        }

        public long freeBytes() {
            return (totalSlots - usedSlots) * slotBytes;
        }
    }

    /** Stored value bytes per device byte their slots take (1.0 = no padding or header overhead). */
    public double spaceEfficiency() {
        return usedSlotBytes == 0 ? 1.0 : (double) payloadBytes / usedSlotBytes;
    }
}
