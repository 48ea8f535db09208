package dev.rawblock.cli.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The keys and value lengths of one run's chunks in {@code bench store}: {@code bench/<run>/<i>}, or
 * with kvcache-mix {@code bench/<run>/<i>kv_bytes} and {@code bench/<run>/<i>metadata}, like
 * LMCache's Redis connector. rawblock and its peers are handed the same keys, so they move the same
 * bytes.
 */
final class BenchKeys {
    static final int METADATA_BYTES = 28;
    static final int PARTIAL_EVERY = 8;

    final byte[][] chunk;
    /** The metadata key beside each chunk, or null when the shape has none. */
    final byte[][] metadata;
    final long[] length;
    /** Bytes of value payload in the run: chunks plus metadata values. */
    final long payloadBytes;

    BenchKeys(StoreWorkload.Shape shape, long valueSize, String run, int chunks) {
        chunk = new byte[chunks][];
        metadata = shape == StoreWorkload.Shape.KVCACHE_MIX ? new byte[chunks][] : null;
        length = new long[chunks];
        // The same seed for every run: runs put the same sizes and stay comparable.
        SplittableRandom random = new SplittableRandom(0x5EED);
        long payload = 0;
        for (int i = 0; i < chunks; i++) {
            String base = "bench/" + run + "/" + i;
            if (metadata != null) {
                chunk[i] = ascii(base + "kv_bytes");
                metadata[i] = ascii(base + "metadata");
                length[i] = i % PARTIAL_EVERY == PARTIAL_EVERY - 1 ? 1 + random.nextLong(valueSize - 1) : valueSize;
                payload += length[i] + METADATA_BYTES;
            } else {
                chunk[i] = ascii(base);
                length[i] = valueSize;
                payload += valueSize;
            }
        }
        payloadBytes = payload;
    }

    int count() {
        return chunk.length;
    }

    /** The keys a chunk's call puts or loads: the chunk's, then its metadata's if any. */
    List<byte[]> of(int i) {
        return metadata == null ? List.of(chunk[i]) : List.of(chunk[i], metadata[i]);
    }

    /** The length of the j-th value of chunk i's call (see {@link #of}). */
    long lengthOf(int i, int j) {
        return j == 0 ? length[i] : METADATA_BYTES;
    }

    long payloadOf(int i) {
        return metadata == null ? length[i] : length[i] + METADATA_BYTES;
    }

    static String text(byte[] key) {
        return new String(key, StandardCharsets.US_ASCII);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
