package dev.rawblock.store;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class FingerprintTest {
    private static Fingerprint murmur(String s, long seed) {
        return Fingerprint.of(s.getBytes(StandardCharsets.UTF_8), seed);
    }

    /** Published MurmurHash3 x64-128 vectors (h1, h2), covering every tail length branch. */
    @Test
    void matchesPublishedVectors() {
        assertEquals(new Fingerprint(0xe34bbc7bbc071b6cL, 0x7a433ca9c49a9347L),
                murmur("The quick brown fox jumps over the lazy dog", 0));
        assertEquals(new Fingerprint(0x658ca970ff85269aL, 0x43fee3eaa68e5c3eL),
                murmur("The quick brown fox jumps over the lazy cog", 0));
        assertEquals(new Fingerprint(0x629942693e10f867L, 0x92db0b82baeb5347L), murmur("hell", 0));
        assertEquals(new Fingerprint(0xa78ddff5adae8d10L, 0x128900ef20900135L), murmur("hello", 1));
        assertEquals(new Fingerprint(0x8a486b23f422e826L, 0xf962a2c58947765fL), murmur("hello ", 2));
        assertEquals(new Fingerprint(0x2ea59f466f6bed8cL, 0xc610990acc428a17L), murmur("hello w", 3));
        assertEquals(new Fingerprint(0x79f6305a386c572cL, 0x46305aed3483b94eL), murmur("hello wo", 4));
        assertEquals(new Fingerprint(0xc2219d213ec1f1b5L, 0xa1d8e2e0a52785bdL), murmur("hello wor", 5));
    }

    @Test
    void distinctKeysGetDistinctFingerprints() {
        Set<Fingerprint> seen = new HashSet<>();
        for (int i = 0; i < 200_000; i++) assertTrue(seen.add(Fingerprint.of(("key-" + i).getBytes())));
        assertNotEquals(new Fingerprint(0, 0), Fingerprint.of(new byte[0]));
    }
}
