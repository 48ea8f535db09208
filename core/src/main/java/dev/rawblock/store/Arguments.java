package dev.rawblock.store;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

/** The checks of the store's public arguments: a wrong argument fails the call before any state changes. */
final class Arguments {
    private Arguments() {}

    /** Keys must be non-null, non-empty and at most {@link SlotHeader#MAX_KEY_BYTES} long. */
    static void checkKeys(List<byte[]> keys) {
        Objects.requireNonNull(keys, "keys");
        for (int i = 0; i < keys.size(); i++) {
            byte[] k = keys.get(i);
            if (k == null) throw new IllegalArgumentException("key " + i + " is null");
            if (k.length == 0) throw new IllegalArgumentException("key " + i + " is empty");
            if (k.length > SlotHeader.MAX_KEY_BYTES) {
                throw new IllegalArgumentException("key " + i + " has " + k.length + " bytes; the maximum is "
                        + SlotHeader.MAX_KEY_BYTES);
            }
        }
    }

    /** As {@link #checkKeys}, and one non-null segment per key. */
    static void checkPairs(List<byte[]> keys, List<MemorySegment> segments, String what) {
        checkKeys(keys);
        Objects.requireNonNull(segments, what);
        if (keys.size() != segments.size()) {
            throw new IllegalArgumentException(keys.size() + " keys but " + segments.size() + " " + what);
        }
        for (int i = 0; i < segments.size(); i++) {
            if (segments.get(i) == null) throw new IllegalArgumentException(what + " " + i + " is null");
        }
    }

    /** Expiry times need a store of format version 2 (its checkpoints keep them); times are > 0 or KEEP_EXPIRY. */
    static void checkExpiries(int n, long[] expiresAt, Superblock superblock, String path) {
        if (expiresAt == null) return;
        if (expiresAt.length != n) throw new IllegalArgumentException(n + " keys but " + expiresAt.length + " expiry times");
        for (long t : expiresAt) {
            if (t < Store.KEEP_EXPIRY) throw new IllegalArgumentException("expiry time " + t + " is not a time");
            if (t != 0 && !superblock.keepsExpiry()) {
                throw new IllegalStateException("store on " + path + " was formatted by an earlier rawblock"
                        + " (format version " + superblock.version() + ") and keeps no expiry times; reformat it to use them");
            }
        }
    }
}
