package dev.rawblock.store;

/**
 * Run-time choices of an open store (the geometry is fixed by {@link FormatOptions} at format).
 *
 * @param eviction      what a put does when space runs out
 * @param maxBatchBytes bytes of staging memory one device submission may use; larger batches go
 *                      out as several submissions
 */
public record StoreOptions(Eviction eviction, long maxBatchBytes) {
    public static final long DEFAULT_MAX_BATCH_BYTES = 256L << 20;

    public StoreOptions {
        if (eviction == null) throw new IllegalArgumentException("eviction must be lru or none");
        if (maxBatchBytes < 4096) throw new IllegalArgumentException("max batch bytes must be >= 4096, got " + maxBatchBytes);
    }

    /** LRU eviction, 256 MiB per submission. */
    public static StoreOptions defaults() {
        return new StoreOptions(Eviction.LRU, DEFAULT_MAX_BATCH_BYTES);
    }

    public StoreOptions withEviction(Eviction e) {
        return new StoreOptions(e, maxBatchBytes);
    }

    public StoreOptions withMaxBatchBytes(long b) {
        return new StoreOptions(eviction, b);
    }
}
