package dev.rawblock.server.cluster;

import dev.rawblock.store.Store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The keys this node holds in one slot, for CLUSTER COUNTKEYSINSLOT and GETKEYSINSLOT. Redis keeps
 * a per-slot key count; rawblock's index holds only 128-bit fingerprints of keys, so the answer
 * comes from {@link Store#forEachKey}, which reads every entry's slot header from the device: O(N)
 * in the entries stored, however few are in the slot. Clients call these only to reshard, which
 * rawblock does not do, so they are correct rather than fast.
 *
 * <p>lm:// values are not Redis keys (they live under their own prefix, see {@code LmSession})
 * and are not counted. A node also counts keys of a slot it no longer owns: what it stored before
 * a cluster grew stays until evicted.
 */
public final class SlotKeys {
    /** The prefix lm:// keys are stored under ({@code LmSession.NAMESPACE}; a test keeps the two equal). */
    static final byte[] LM_NAMESPACE = {0, 'l', 'm', ':'};

    private final Store store;

    public SlotKeys(Store store) {
        this.store = store;
    }

    /** How many Redis keys in {@code slot} this node holds. */
    public long count(int slot) {
        long[] n = {0};
        store.forEachKey((key, length) -> {
            if (isRedisKey(key) && KeySlot.of(key) == slot) n[0]++;
        });
        return n[0];
    }

    /** Up to {@code max} of the Redis keys in {@code slot} this node holds. */
    public List<byte[]> keys(int slot, long max) {
        List<byte[]> keys = new ArrayList<>();
        store.forEachKey((key, length) -> {
            if (keys.size() < max && isRedisKey(key) && KeySlot.of(key) == slot) keys.add(key);
        });
        return keys;
    }

    /** Whether {@code key} is a Redis key rather than an lm:// one (stored under its namespace). */
    public static boolean isRedisKey(byte[] key) {
        return key.length < LM_NAMESPACE.length
                || !Arrays.equals(key, 0, LM_NAMESPACE.length, LM_NAMESPACE, 0, LM_NAMESPACE.length);
    }
}
