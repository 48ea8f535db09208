package dev.rawblock.store;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Copies of small values on the heap, so that a GET of one (LMCache's 28-byte {@code <key>metadata}
 * before each chunk) is served from memory instead of a whole-block device read: those reads are
 * bound by the device's IOPS, not its bandwidth, however few bytes they carry.
 *
 * <p><b>Keyed by slot, not by key.</b> A slot holds one value from the put that wrote it until it
 * is freed; the {@link Catalog} forgets a slot's copy when the slot stops being its entry's
 * ({@link Catalog#releaseSlot}), and fills only slots an entry owns. A lookup goes key → index →
 * slot → copy, so a copy can only be served for the value it was taken from: an overwrite, delete,
 * eviction, expiry or clear moves the key away from the slot (or removes it), and a slot reused by
 * another value starts without a copy. Nothing here needs to know why a slot was freed.
 *
 * <p><b>Bounded.</b> Each copy is charged its bytes plus {@link #ENTRY_OVERHEAD_BYTES} for the map
 * entry, boxed slot id and array header, so the budget is close to the heap really taken; beyond
 * it the least recently used copies go (an access-ordered map). Only values of at most
 * {@link #MAX_VALUE_BYTES} are kept: a device reads a value of one block or less as one whole-block
 * operation, which is where memory saves the most per byte; larger values move at the device's
 * line rate and would crowd out many small ones.
 *
 * <p>Not thread-safe: used only under the catalog's lock, like the index. The arrays it hands out
 * are never written after they are cached, so callers copy from them after the lock is released.
 */
final class SmallValueCache {
    /** The largest value kept: one 4 KiB block, the device's unit of I/O. */
    static final int MAX_VALUE_BYTES = 4096;
    /**
     * What a copy costs beyond its bytes, with compressed references: the map entry (40), the boxed
     * slot id (16), the array header and its padding (~20) and the table slot with its spare room
     * (~12); rounded up to cover larger headers too.
     */
    static final int ENTRY_OVERHEAD_BYTES = 96;

    private final long budgetBytes;
    /** Copies by slot id, least recently used first. */
    private final LinkedHashMap<Integer, byte[]> values = new LinkedHashMap<>(16, 0.75f, true);
    /** What the copies are charged: their bytes and the per-entry overhead. */
    private long bytes;
    private long hits;
    private long misses;

    /** A cache of at most {@code budgetBytes} (0: off, nothing is ever kept). */
    SmallValueCache(long budgetBytes) {
        if (budgetBytes < 0) throw new IllegalArgumentException("cache budget must be >= 0, got " + budgetBytes);
        this.budgetBytes = budgetBytes;
    }

    /**
     * Whether a value of {@code length} bytes would be kept. Depends only on the length and the
     * budget, fixed at open: callers may ask outside the lock (to copy a value before taking it).
     */
    boolean keeps(long length) {
        return length <= MAX_VALUE_BYTES && charge(length) <= budgetBytes;
    }

    /**
     * The copy of the value in {@code slotId}, of {@code length} bytes as the index says, counted
     * as a hit; null (counted as a miss when the value is one this cache keeps) if there is none.
     */
    byte[] get(int slotId, long length) {
        if (!keeps(length)) return null;
        byte[] value = values.get(slotId);
        if (value != null && value.length != length) {
            // A slot's copy is forgotten before the slot holds anything else: this is a bug, and the
            // device, which the read verifies, is the one to believe.
            assert false : "slot " + slotId + " has a cached copy of " + value.length + " bytes, its entry " + length;
            forget(slotId);
            value = null;
        }
        if (value == null) misses++;
        else hits++;
        return value;
    }

    /**
     * Keeps {@code value} (the caller's to give away: never written again) as the copy of the value
     * in {@code slotId}, then drops the least recently used copies until the budget holds.
     */
    void put(int slotId, byte[] value) {
        if (!keeps(value.length)) return;
        byte[] was = values.put(slotId, value);
        if (was != null) bytes -= charge(was.length);
        bytes += charge(value.length);
        Iterator<Map.Entry<Integer, byte[]>> oldest = values.entrySet().iterator();
        while (bytes > budgetBytes) {
            bytes -= charge(oldest.next().getValue().length);
            oldest.remove();
        }
    }

    /** Drops the copy of the value in {@code slotId}, if there is one: the slot no longer holds it. */
    void forget(int slotId) {
        byte[] was = values.remove(slotId);
        if (was != null) bytes -= charge(was.length);
    }

    /** Told a cached slot and its copy's length (for assertions). */
    interface CopyVisitor {
        void visit(int slotId, int length);
    }

    /** Each slot that has a copy, and the copy's length (for assertions). */
    void forEach(CopyVisitor visitor) {
        for (Map.Entry<Integer, byte[]> e : values.entrySet()) visitor.visit(e.getKey(), e.getValue().length);
    }

    /** Whether {@code slotId} has a copy (for assertions). */
    boolean holds(int slotId) {
        return values.containsKey(slotId);
    }

    /** The figures for {@link StoreStats}. */
    SmallValueCacheStats stats() {
        return new SmallValueCacheStats(budgetBytes, values.size(), bytes, hits, misses);
    }

    private static long charge(long length) {
        return length + ENTRY_OVERHEAD_BYTES;
    }
}
