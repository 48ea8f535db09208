package dev.rawblock.store;

/**
 * The 128-bit identity of a key in the index: MurmurHash3 x64-128 (Austin Appleby's public-domain
 * algorithm, written here from its description) of the key bytes with a fixed seed. 128 bits make a
 * collision between two live keys practically impossible (~2^-64 at 10^10 keys); loads still compare
 * the full key stored in the slot header, so even a collision could never serve another key's bytes.
 *
 * @param hi the first 64 bits
 * @param lo the second 64 bits; never both zero (zero marks an empty index cell)
 */
public record Fingerprint(long hi, long lo) {
    private static final long C1 = 0x87c37b91114253d5L;
    private static final long C2 = 0x4cf5ad432745937fL;
    private static final long SEED = 0x5241574249L; // "RAWBI"

    /** The fingerprint of {@code key}. */
    public static Fingerprint of(byte[] key) {
        return of(key, SEED);
    }

    /** MurmurHash3 x64-128 of {@code key} with {@code seed} (the unsigned 32-bit seed of the reference). */
    static Fingerprint of(byte[] key, long seed) {
        long h1 = seed, h2 = seed;
        int n = key.length;
        int blocks = n / 16;
        for (int i = 0; i < blocks; i++) {
            long k1 = getLong(key, i * 16);
            long k2 = getLong(key, i * 16 + 8);
            h1 ^= mixK1(k1);
            h1 = Long.rotateLeft(h1, 27) + h2;
            h1 = h1 * 5 + 0x52dce729;
            h2 ^= mixK2(k2);
            h2 = Long.rotateLeft(h2, 31) + h1;
            h2 = h2 * 5 + 0x38495ab5;
        }
        int tail = blocks * 16;
        long k1 = 0, k2 = 0;
        for (int i = n - 1; i >= tail + 8; i--) k2 = (k2 << 8) | (key[i] & 0xff);
        for (int i = Math.min(n, tail + 8) - 1; i >= tail; i--) k1 = (k1 << 8) | (key[i] & 0xff);
        if (n - tail > 8) h2 ^= mixK2(k2);
        if (n - tail > 0) h1 ^= mixK1(k1);
        h1 ^= n;
        h2 ^= n;
        h1 += h2;
        h2 += h1;
        h1 = fmix(h1);
        h2 = fmix(h2);
        h1 += h2;
        h2 += h1;
        if (h1 == 0 && h2 == 0) h2 = 1;
        return new Fingerprint(h1, h2);
    }

    private static long mixK1(long k) {
        k *= C1;
        k = Long.rotateLeft(k, 31);
        return k * C2;
    }

    private static long mixK2(long k) {
        k *= C2;
        k = Long.rotateLeft(k, 33);
        return k * C1;
    }

    private static long fmix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    private static long getLong(byte[] b, int i) {
        return (b[i] & 0xffL) | (b[i + 1] & 0xffL) << 8 | (b[i + 2] & 0xffL) << 16 | (b[i + 3] & 0xffL) << 24
                | (b[i + 4] & 0xffL) << 32 | (b[i + 5] & 0xffL) << 40 | (b[i + 6] & 0xffL) << 48
                | (b[i + 7] & 0xffL) << 56;
    }

    @Override
    public String toString() {
        return String.format("%016x%016x", hi, lo);
    }
}
