package dev.rawblock.server.cluster;

/**
 * The hash slot of a key, exactly as Redis Cluster computes it, so that every cluster-aware client
 * sends a key to the node that holds it: CRC16 (XMODEM) of the key modulo 16384, where a key that
 * contains a hash tag is hashed by its tag alone.
 *
 * <p>The hash tag is what lies between the first '{' and the first '}' after it, if that is not
 * empty: "{user1}.a" and "{user1}.b" both hash "user1" and share a slot; "{}x" (an empty tag) and
 * "x{y" (no closing brace) hash the whole key; in "a{b}{c}" only "b" counts, and in "{{b}}" the tag
 * is "{b". Keys are bytes: no character set is involved.
 */
public final class KeySlot {
    /** Slots of a Redis Cluster: every key maps to one of 0..16383. */
    public static final int SLOTS = 16384;

    private KeySlot() {
    }

    /** The slot of {@code key}, 0..16383. */
    public static int of(byte[] key) {
        int open = indexOf(key, (byte) '{', 0);
        if (open >= 0) {
            int close = indexOf(key, (byte) '}', open + 1);
            if (close > open + 1) return Crc16.of(key, open + 1, close) & (SLOTS - 1);
        }
        return Crc16.of(key) & (SLOTS - 1);
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) if (bytes[i] == b) return i;
        return -1;
    }
}
