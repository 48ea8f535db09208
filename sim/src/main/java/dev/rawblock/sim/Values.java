package dev.rawblock.sim;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * The values a simulation writes: version {@code v} of a run is a byte string whose length and
 * bytes follow from {@code (seed, v)} alone, and whose first 8 bytes are {@code v}, so that any
 * value read back names the version it claims to be and can be checked byte for byte.
 */
final class Values {
    static final int MIN_LENGTH = 8;

    private final long seed;
    private final int maxLength;

    Values(long seed, int maxLength) {
        this.seed = seed;
        this.maxLength = maxLength;
    }

    int length(long version) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + version);
        // Mostly small, sometimes up to the largest: lengths at every block boundary get their turn.
        int bound = r.nextInt(4) == 0 ? maxLength : Math.min(maxLength, 9000);
        // Runs with values of megabytes also meet the sizes at the large-slot boundary (SlotLayout):
        // 1 and 2 MiB exactly (a slot of the same size), and a block less than 1 MiB, or one byte more.
        if (maxLength >= 2 << 20 && bound == maxLength && r.nextInt(3) == 0) {
            return switch (r.nextInt(4)) {
                case 0 -> 1 << 20;
                case 1 -> 2 << 20;
                case 2 -> (1 << 20) - 4096;
                default -> (1 << 20) + 1;
            };
        }
        return MIN_LENGTH + r.nextInt(bound - MIN_LENGTH + 1);
    }

    int maxLength() {
        return maxLength;
    }

    byte[] bytes(long version) {
        int n = length(version);
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed * 31 + version * 0x632BE59BD9B4E019L);
        for (int i = 8; i < n; i++) b[i] = (byte) r.nextInt(256);
        for (int i = 0; i < 8; i++) b[i] = (byte) (version >>> (8 * i));
        return b;
    }

    /** The version a value read back claims to be, or -1 when its bytes are not exactly that version's. */
    long versionOf(MemorySegment value) {
        if (value.byteSize() < MIN_LENGTH) return -1;
        long v = value.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
        if (v <= 0 || length(v) != value.byteSize()) return -1;
        return MemorySegment.ofArray(bytes(v)).mismatch(value) == -1 ? v : -1;
    }
}
