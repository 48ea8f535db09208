package dev.rawblock.store;

import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * Questions about keys answered from the index alone, one lock hold per batch: whether they are
 * stored (pinning the hits on request), their lengths, the leading hits of a prefix, their expiry
 * times; and giving pins back. No I/O.
 */
final class Lookups {
    private final Catalog catalog;
    private final StoreRuntime runtime;

    Lookups(Catalog catalog, StoreRuntime runtime) {
        this.catalog = catalog;
        this.runtime = runtime;
    }

    /** Per key, whether it is stored; with {@code pin}, each hit pinned in the same hold. */
    boolean[] exists(List<byte[]> keys, boolean pin) {
        boolean[] hit = new boolean[keys.size()];
        long nowMillis = runtime.currentTimeMillis();
        catalog.lock();
        try {
            for (int i = 0; i < keys.size(); i++) {
                long pos = catalog.find(Fingerprint.of(keys.get(i)), nowMillis);
                if (pos < 0) continue;
                hit[i] = true;
                if (pin) catalog.pin(pos);
            }
        } finally {
            catalog.unlock();
        }
        return hit;
    }

    /** Per key, the stored value's length, or {@link Store#MISS}. */
    long[] lengths(List<byte[]> keys) {
        return perKey(keys, catalog.index::length);
    }

    /** The number of leading keys stored; with {@code pin}, those pinned. */
    int prefix(List<byte[]> keys, boolean pin) {
        long nowMillis = runtime.currentTimeMillis();
        catalog.lock();
        try {
            int count = 0;
            for (byte[] key : keys) {
                long pos = catalog.find(Fingerprint.of(key), nowMillis);
                if (pos < 0) break;
                if (pin) catalog.pin(pos);
                count++;
            }
            return count;
        } finally {
            catalog.unlock();
        }
    }

    /** Per key, its expiry time (0 for none), or {@link Store#MISS}. */
    long[] expiries(List<byte[]> keys) {
        return perKey(keys, catalog.index::expiresAt);
    }

    /** Per key that can be served now, {@code field} of its entry, else {@link Store#MISS}; one lock hold. */
    private long[] perKey(List<byte[]> keys, LongUnaryOperator field) {
        catalog.lock();
        try {
            long[] out = new long[keys.size()];
            long nowMillis = runtime.currentTimeMillis();
            for (int i = 0; i < out.length; i++) {
                long pos = catalog.find(Fingerprint.of(keys.get(i)), nowMillis);
                out[i] = pos >= 0 ? field.applyAsLong(pos) : Store.MISS;
            }
            return out;
        } finally {
            catalog.unlock();
        }
    }

    /** Releases one pin of each key; absent or unpinned keys are passed by. */
    void unpin(List<byte[]> keys) {
        catalog.lock();
        try {
            for (byte[] key : keys) catalog.unpin(catalog.index.find(Fingerprint.of(key)));
        } finally {
            catalog.unlock();
        }
    }
}
