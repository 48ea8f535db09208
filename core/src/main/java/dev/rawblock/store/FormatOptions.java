package dev.rawblock.store;

/**
 * Geometry chosen when a device is formatted; 0 means "pick for me" from the device size.
 *
 * @param capacity    bytes of the device to use (default: all of it)
 * @param regionBytes region size, a power of two from 1 MiB to 1 GiB (default: 256 MiB, larger on
 *                    devices beyond 4 TiB, smaller on devices under 2 GiB, so that there are at least 8); the largest value
 *                    fills a whole region (its header in the header table, see {@link SlotLayout})
 * @param maxEntries  most entries the checkpoint area has room for (default: one per block of
 *                    capacity, the most a store can hold, about 0.6% of capacity per checkpoint
 *                    copy); the in-memory index grows with the entries actually stored
 */
public record FormatOptions(long capacity, long regionBytes, long maxEntries) {
    public FormatOptions {
        if (capacity < 0) throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
        if (regionBytes != 0 && (Long.bitCount(regionBytes) != 1 || regionBytes < MIN_REGION_BYTES || regionBytes > MAX_REGION_BYTES)) {
            throw new IllegalArgumentException("region size must be a power of two from 1 MiB to 1 GiB, got " + regionBytes);
        }
        if (maxEntries < 0 || maxEntries > MAX_ENTRIES) {
            throw new IllegalArgumentException("max entries must be in 0.." + MAX_ENTRIES + ", got " + maxEntries);
        }
    }

    /** Bounds of the region size (1 MiB, 1 GiB). */
    static final long MIN_REGION_BYTES = 1 << 20, MAX_REGION_BYTES = 1L << 30;

    /** The index addresses cells with 31 bits at its 80% load. */
    public static final long MAX_ENTRIES = (1L << 31) / 100 * 80 - 1;

    /** Everything chosen from the device size. */
    public static FormatOptions defaults() {
        return new FormatOptions(0, 0, 0);
    }
}
