package dev.rawblock.store;

/**
 * The small-value cache's figures since open (see {@link StoreOptions#smallValueCacheBytes}), for
 * stats, INFO and metrics.
 *
 * @param budgetBytes the most memory it may take (0: off)
 * @param entries     values it holds copies of
 * @param bytes       memory it is charged now: the copies' bytes and a fixed overhead per copy
 * @param hits        loads of a small value served from memory, without device I/O
 * @param misses      loads of a value small enough to be kept that read the device (after which it is kept)
 */
public record SmallValueCacheStats(long budgetBytes, long entries, long bytes, long hits, long misses) {}
