package dev.rawblock.api;

import dev.rawblock.store.Store;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The synchronous prefix facade of LMCache's legacy storage plugin, on a {@link Store}: "how many
 * leading chunks of this prefix do you hold?", loads of that leading run, and pins.
 *
 * <p><b>Pins.</b> A key holds at most one pin from this facade, however often it is pinned (as in
 * the reference); {@link #unpin} releases it. The pin is a store pin: the entry is not evicted and
 * a delete without force is refused while it is held. Loads take their own short-lived store pins
 * on the leading run, so a concurrent delete or eviction cannot pull a key out from under them.
 *
 * <p>Thread-safe. Keys are the store's key bytes (see {@code dev.rawblock.api.keys} for LMCache's
 * key forms).
 */
public final class PrefixCache {
    private final Store store;
    /**
     * Keys this facade pinned, content-compared. Pin and unpin of one key change the store's pin
     * inside this map's per-key compute, so they cannot interleave and leak or double a pin.
     */
    private final ConcurrentHashMap<ByteBuffer, Boolean> pinned = new ConcurrentHashMap<>();

    public PrefixCache(Store store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    private static ByteBuffer id(byte[] key) {
        return ByteBuffer.wrap(key.clone());
    }

    /** Whether the key is stored; with {@code pin}, pins it (once). */
    public boolean contains(byte[] key, boolean pin) {
        return pin ? pin(key) : store.existsMany(List.of(key), false)[0];
    }

    /**
     * The number of leading keys that are stored, stopping at the first miss; with {@code pin},
     * each of those leading keys is pinned (once).
     */
    public int prefixContains(List<byte[]> keys, boolean pin) {
        if (!pin) return store.prefixHits(keys, false);
        int hits = store.prefixHits(keys, true); // pinned atomically with the lookup
        for (byte[] key : keys.subList(0, hits)) {
            pinned.compute(id(key), (k, held) -> {
                if (held != null) store.unlock(List.of(key)); // already held one: give the new pin back
                return Boolean.TRUE;
            });
        }
        return hits;
    }

    /** Pins the key if it is stored (a key holds at most one pin from this facade); returns whether it is stored. */
    public boolean pin(byte[] key) {
        boolean[] hit = {true};
        pinned.compute(id(key), (k, held) -> {
            if (held != null) return held;
            hit[0] = store.existsMany(List.of(key), true)[0];
            return hit[0] ? Boolean.TRUE : null;
        });
        return hit[0];
    }

    /** Releases this facade's pin of the key; for a key it did not pin, returns {@link #contains}. */
    public boolean unpin(byte[] key) {
        boolean[] released = {false};
        pinned.computeIfPresent(id(key), (k, held) -> {
            store.unlock(List.of(key));
            released[0] = true;
            return null;
        });
        return released[0] || contains(key, false);
    }

    /**
     * Loads one key into {@code destination}.
     *
     * @return the value's length, or {@link Store#MISS}
     */
    public long get(byte[] key, MemorySegment destination) {
        return prefixGet(List.of(key), List.of(destination))[0];
    }

    /**
     * Loads the leading run of stored keys into their destinations, stopping at the first key that
     * is missing or fails to load; later keys are not loaded even if stored.
     *
     * @return per key: the value's length for the loaded leading run, {@link Store#MISS} after it
     */
    public long[] prefixGet(List<byte[]> keys, List<MemorySegment> destinations) {
        if (keys.size() != destinations.size()) {
            throw new IllegalArgumentException(keys.size() + " keys but " + destinations.size() + " destinations");
        }
        long[] result = new long[keys.size()];
        Arrays.fill(result, Store.MISS);
        int hits = store.prefixHits(keys, true);
        if (hits == 0) return result;
        List<byte[]> run = keys.subList(0, hits);
        try {
            long[] loaded = store.loadMany(run, destinations.subList(0, hits));
            for (int i = 0; i < hits && loaded[i] >= 0; i++) result[i] = loaded[i];
        } finally {
            store.unlock(run);
        }
        return result;
    }

    /**
     * Deletes the key; a key pinned (by anyone) is kept unless {@code force}.
     *
     * @return whether it was stored and is now gone
     */
    public boolean remove(byte[] key, boolean force) {
        boolean[] removed = {false};
        pinned.compute(id(key), (k, held) -> {
            removed[0] = store.deleteMany(List.of(key), force)[0];
            return removed[0] ? null : held; // a forced delete takes this facade's pin with it
        });
        return removed[0];
    }

    /** Keys currently pinned by this facade. */
    public int pinnedKeys() {
        return pinned.size();
    }
}
