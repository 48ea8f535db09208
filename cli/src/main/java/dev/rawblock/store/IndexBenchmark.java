package dev.rawblock.store;

import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * Measures the in-memory index alone (no device, no store lock): memory per entry, and the cost of
 * an insert, a successful lookup and a miss, each including the key's {@link Fingerprint} as the
 * store computes it on every operation. The public entry point to the package-private
 * {@link KeyIndex} for {@code rawblock bench index}.
 */
public final class IndexBenchmark {
    /** Reports progress about every this many operations. */
    private static final long PROGRESS_EVERY = 1 << 20;
    /** Keys are {@code bench/index/} or {@code bench/miss/} followed by 16 hex digits (25 or 26 bytes). */
    private static final byte[] HIT_PREFIX = "bench/index/".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] MISS_PREFIX = "bench/miss/".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private IndexBenchmark() {}

    /**
     * What one benchmark measured.
     *
     * @param entries          entries inserted (into an index that grows as they come, as a store's does)
     * @param memoryBytes      bytes of memory the index holds
     * @param bytesPerEntry    {@code memoryBytes / entries}
     * @param insertNanosPerOp fingerprint + lookup of an absent key + insert, nanoseconds per key
     * @param lookupNanosPerOp fingerprint + successful lookup of a uniformly random stored key
     * @param missNanosPerOp   fingerprint + lookup of a key that is not stored
     */
    public record Result(long entries, long memoryBytes, double bytesPerEntry, double insertNanosPerOp,
                         double lookupNanosPerOp, double missNanosPerOp) {}

    /**
     * Fills a new index with {@code entries} entries (it grows as it fills), then times {@code entries} random
     * lookups of stored keys and {@code entries} lookups of absent keys.
     *
     * @param progress told the operations done so far (of {@code 3 * entries}) every million or so
     * @throws IllegalStateException if the index ever answers wrongly (a bug, not a measurement)
     */
    public static Result run(long entries, LongConsumer progress) {
        if (entries < 1 || entries > FormatOptions.MAX_ENTRIES) {
            throw new IllegalArgumentException("entries must be in 1.." + FormatOptions.MAX_ENTRIES + ", got " + entries);
        }
        try (KeyIndex index = new KeyIndex(FormatOptions.MAX_ENTRIES)) { // grows as a store's does
            byte[] key = keyBuffer(HIT_PREFIX);
            long t0 = System.nanoTime();
            for (long i = 0; i < entries; i++) {
                Fingerprint fp = Fingerprint.of(fill(key, HIT_PREFIX.length, i));
                if (index.find(fp) >= 0) throw new IllegalStateException("key " + i + " found before it was inserted");
                index.insert(fp, slotIdOf(i), 4L << 20, (int) i, KeyIndex.MoveListener.NONE);
                if ((i + 1) % PROGRESS_EVERY == 0) progress.accept(i + 1);
            }
            long insertNanos = System.nanoTime() - t0;

            SplittableRandom random = new SplittableRandom(0x5EED);
            long t1 = System.nanoTime();
            for (long n = 0; n < entries; n++) {
                long i = random.nextLong(entries);
                long pos = index.find(Fingerprint.of(fill(key, HIT_PREFIX.length, i)));
                if (pos < 0 || index.slotId(pos) != slotIdOf(i)) {
                    throw new IllegalStateException("stored key " + i + " was not found at its entry");
                }
                if ((n + 1) % PROGRESS_EVERY == 0) progress.accept(entries + n + 1);
            }
            long lookupNanos = System.nanoTime() - t1;

            byte[] missKey = keyBuffer(MISS_PREFIX);
            long t2 = System.nanoTime();
            for (long n = 0; n < entries; n++) {
                long i = random.nextLong();
                if (index.find(Fingerprint.of(fill(missKey, MISS_PREFIX.length, i))) >= 0) {
                    throw new IllegalStateException("absent key " + Long.toHexString(i) + " was found");
                }
                if ((n + 1) % PROGRESS_EVERY == 0) progress.accept(2 * entries + n + 1);
            }
            long missNanos = System.nanoTime() - t2;
            progress.accept(3 * entries);

            long memory = index.memoryBytes();
            return new Result(entries, memory, memory / (double) entries, insertNanos / (double) entries,
                    lookupNanos / (double) entries, missNanos / (double) entries);
        }
    }

    private static int slotIdOf(long i) {
        return (int) (i & 0x7fffffffL);
    }

    private static byte[] keyBuffer(byte[] prefix) {
        byte[] key = new byte[prefix.length + 16];
        System.arraycopy(prefix, 0, key, 0, prefix.length);
        return key;
    }

    /** Writes {@code i} as 16 hex digits after the prefix: no allocation in the timed loops. */
    private static byte[] fill(byte[] key, int at, long i) {
        for (int d = 15; d >= 0; d--, i >>>= 4) key[at + d] = HEX[(int) (i & 0xf)];
        return key;
    }
}
