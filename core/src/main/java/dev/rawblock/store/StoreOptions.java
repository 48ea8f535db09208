package dev.rawblock.store;

import java.time.Duration;

/**
 * Run-time choices of an open store (the geometry is fixed by {@link FormatOptions} at format).
 *
 * @param eviction           what a put does when space runs out
 * @param maxBatchBytes      bytes of staging memory one device submission may use; larger batches
 *                           go out as several submissions
 * @param flush              make acknowledged puts and deletes survive power loss (fdatasync with
 *                           every journal write); off, they still survive a crash of the process
 * @param checkpointInterval how often a changed store writes a checkpoint (it also does whenever
 *                           half the journal is in use)
 * @param quietWait          how long an interval checkpoint waits for a moment without I/O in
 *                           flight before it runs anyway
 * @param readOnly           inspect only: recovery runs in memory, puts, deletes and checkpoints are
 *                           refused, and nothing is ever written to the device (for {@code stats}
 *                           and {@code fsck} without repair, on a device opened read-only)
 * @param placement          how writes use the FDP placement handles of an NVMe namespace
 *                           ({@link PlacementPolicy#AUTO} by default; off where the device has none)
 * @param smallValueCacheBytes heap memory for copies of small values (at most 4 KiB each), so their
 *                           loads need no device read; 0 turns the cache off
 * @param events             hears evictions, dropped entries, full space and journal or checkpoint
 *                           failures, for the owner's log (default: {@link StoreEvents#NONE})
 * @param runtime            clocks, futures and background threads ({@link StoreRuntime#SYSTEM}, or a
 *                           simulation's)
 */
public record StoreOptions(Eviction eviction, long maxBatchBytes, boolean flush, Duration checkpointInterval,
                           Duration quietWait, boolean readOnly, PlacementPolicy placement, long smallValueCacheBytes,
                           StoreEvents events, StoreRuntime runtime) {
    public static final long DEFAULT_MAX_BATCH_BYTES = 256L << 20;
    /**
     * 64 MiB: at about 124 bytes per 28-byte LMCache metadata value, the metadata of half a million
     * chunks, which at 1 MiB or more each is more KV cache than a device holds; small beside a JVM
     * heap, and taken only as values are loaded or stored.
     */
    public static final long DEFAULT_SMALL_VALUE_CACHE_BYTES = 64L << 20;

    public StoreOptions {
        if (eviction == null) throw new IllegalArgumentException("eviction must be lru or none");
        if (maxBatchBytes < 4096) throw new IllegalArgumentException("max batch bytes must be >= 4096, got " + maxBatchBytes);
        if (checkpointInterval == null || checkpointInterval.isNegative() || checkpointInterval.isZero()) {
            throw new IllegalArgumentException("checkpoint interval must be > 0, got " + checkpointInterval);
        }
        if (quietWait == null || quietWait.isNegative()) {
            throw new IllegalArgumentException("quiet wait must be >= 0, got " + quietWait);
        }
        if (placement == null) placement = PlacementPolicy.AUTO;
        if (smallValueCacheBytes < 0) {
            throw new IllegalArgumentException("small-value cache bytes must be >= 0 (0: off), got " + smallValueCacheBytes);
        }
        if (events == null) throw new IllegalArgumentException("events must be a listener (StoreEvents.NONE for none)");
        if (runtime == null) throw new IllegalArgumentException("runtime must not be null");
    }

    /**
     * LRU eviction, 256 MiB per submission, flushing on, a checkpoint a minute (waiting up to 5 s for
     * quiet), read-write, a 64 MiB small-value cache.
     */
    public static StoreOptions defaults() {
        return new StoreOptions(Eviction.LRU, DEFAULT_MAX_BATCH_BYTES, true, Duration.ofSeconds(60), Duration.ofSeconds(5),
                false, PlacementPolicy.AUTO, DEFAULT_SMALL_VALUE_CACHE_BYTES, StoreEvents.NONE, StoreRuntime.SYSTEM);
    }

    public StoreOptions withEviction(Eviction e) {
        return new StoreOptions(e, maxBatchBytes, flush, checkpointInterval, quietWait, readOnly, placement, smallValueCacheBytes, events, runtime);
    }

    public StoreOptions withMaxBatchBytes(long b) {
        return new StoreOptions(eviction, b, flush, checkpointInterval, quietWait, readOnly, placement, smallValueCacheBytes, events, runtime);
    }

    public StoreOptions withFlush(boolean f) {
        return new StoreOptions(eviction, maxBatchBytes, f, checkpointInterval, quietWait, readOnly, placement, smallValueCacheBytes, events, runtime);
    }

    public StoreOptions withCheckpointInterval(Duration d) {
        return new StoreOptions(eviction, maxBatchBytes, flush, d, quietWait, readOnly, placement, smallValueCacheBytes, events, runtime);
    }

    public StoreOptions withQuietWait(Duration d) {
        return new StoreOptions(eviction, maxBatchBytes, flush, checkpointInterval, d, readOnly, placement, smallValueCacheBytes, events, runtime);
    }

    public StoreOptions withReadOnly(boolean r) {
        return new StoreOptions(eviction, maxBatchBytes, flush, checkpointInterval, quietWait, r, placement, smallValueCacheBytes, events, runtime);
    }

    public StoreOptions withPlacement(PlacementPolicy p) {
        return new StoreOptions(eviction, maxBatchBytes, flush, checkpointInterval, quietWait, readOnly, p, smallValueCacheBytes, events, runtime);
    }

    /** Heap memory for copies of small values, 0 for none (see {@link #smallValueCacheBytes}). */
    public StoreOptions withSmallValueCacheBytes(long b) {
        return new StoreOptions(eviction, maxBatchBytes, flush, checkpointInterval, quietWait, readOnly, placement, b, events, runtime);
    }

    public StoreOptions withEvents(StoreEvents listener) {
        return new StoreOptions(eviction, maxBatchBytes, flush, checkpointInterval, quietWait, readOnly, placement, smallValueCacheBytes, listener, runtime);
    }

    public StoreOptions withRuntime(StoreRuntime r) {
        return new StoreOptions(eviction, maxBatchBytes, flush, checkpointInterval, quietWait, readOnly, placement, smallValueCacheBytes, events, r);
    }
}
