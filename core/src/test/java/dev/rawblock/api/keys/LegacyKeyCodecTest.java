package dev.rawblock.api.keys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class LegacyKeyCodecTest {
    private static final String KEY = "vllm@Qwen/Qwen3-8B@2@1@7f3a9c";

    @ParameterizedTest
    @ValueSource(strings = {
            KEY,
            "vllm@org/model@1@0@-4611686018427387904",            // old decimal hash, negative
            "vllm@m@4@3@deadbeef@bfloat16",                       // dtype suffix
            "vllm@m@4@3@deadbeef@fp8_e4m3@k%v@tag%x",             // dtype plus k%v tags
            "raw_block_ci@1@0@123@uint8",                         // newest tests: fmt possibly dropped
            "  vllm@m@1@0@ab  ",                                  // surrounding spaces are part of the key
            "@@@@",                                               // 5 empty fields: opaque, so allowed
            "vllm@modèle 模型@1@0@ab@half",                        // non-ASCII
            "vllm@m@1@0@ab@layer",                                // 'layer' without '=' is not the reserved tag
    })
    void opaqueStringRoundTripsExactly(String s) {
        LegacyKey k = LegacyKey.of(s);
        assertSame(s, k.keyString());
        assertNull(k.layer());
        assertEquals(s, k.encode());
        assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), k.bytes());
        assertEquals(k, LegacyKey.decode(k.encode()));
    }

    @Test
    void fieldsParsePositionallyForDiagnostics() {
        LegacyKey k = LegacyKey.of(KEY + "@fp8_e4m3@k%v");
        assertEquals("vllm", k.fmt());
        assertEquals("Qwen/Qwen3-8B", k.model());
        assertEquals("2", k.worldSize());
        assertEquals("1", k.workerId());
        assertEquals("7f3a9c", k.chunkHash());
        assertEquals(List.of("fp8_e4m3", "k%v"), k.extraFields());
        assertEquals(List.of(), LegacyKey.of(KEY).extraFields());
        // The layer suffix is ours, not a field of the caller's key.
        assertEquals(List.of(), LegacyKey.of(KEY).forLayer(3).extraFields());
    }

    @Test
    void dtypeSuffixesAreKept() {
        for (String dtype : List.of("half", "bfloat16", "float", "double", "fp8", "fp8_e4m3", "fp8_e5m2")) {
            String s = KEY + "@" + dtype;
            LegacyKey k = LegacyKey.of(s);
            assertEquals(s, k.encode());
            assertEquals(List.of(dtype), k.extraFields());
            assertEquals(s + "@layer=5", k.forLayer(5).encode());
            assertEquals(k.forLayer(5), LegacyKey.decode(s + "@layer=5"));
        }
    }

    /** The reference gave every layer of a chunk the same identity; we give each its own. */
    @Test
    void eachLayerOfAChunkHasItsOwnIdentity() {
        LegacyKey chunk = LegacyKey.of(KEY);
        Set<ByteBuffer> identities = new HashSet<>();
        identities.add(ByteBuffer.wrap(chunk.bytes()));
        for (int layer = 0; layer < 4; layer++) {
            LegacyKey k = chunk.forLayer(layer);
            assertEquals(layer, k.layer());
            assertEquals(KEY, k.keyString());
            assertEquals(KEY + "@layer=" + layer, k.encode());
            assertEquals(k, LegacyKey.decode(k.encode()));
            assertTrue(identities.add(ByteBuffer.wrap(k.bytes())), "layer " + layer + " collides");
        }
        assertEquals(5, identities.size());   // 4 layers + the whole-chunk key
        assertEquals(chunk.forLayer(2), chunk.forLayer(1).forLayer(2));   // forLayer replaces, never stacks
        assertNotEquals(chunk.forLayer(0), chunk);
    }

    @Test
    void randomOpaqueKeysRoundTrip() {
        String alphabet = "ab09@@%/ -_.:~é模";
        Random rnd = new Random(7);
        for (int n = 0; n < 2000; n++) {
            StringBuilder sb = new StringBuilder("vllm@m@1@0@");
            for (int i = rnd.nextInt(20); i > 0; i--) sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            String s = sb.toString();
            LegacyKey k = LegacyKey.of(s);
            assertEquals(s, k.encode(), s);
            assertEquals(k, LegacyKey.decode(s), s);
            int layer = rnd.nextInt(100);
            assertEquals(k.forLayer(layer), LegacyKey.decode(k.forLayer(layer).encode()), s);
            assertFalse(new String(k.forLayer(layer).bytes(), StandardCharsets.UTF_8).equals(s), s);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "a@b@c@d",                     // 4 fields
            "vllm",                        // 1 field
            KEY + "@layer=3",              // reserved suffix in a caller's key (of)
            KEY + "@layer=",               // reserved, no digits
    })
    void malformedKeysAreRejectedNamingTheInput(String s) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LegacyKey.of(s));
        assertTrue(e.getMessage().contains("\"" + s + "\""), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {KEY + "@layer=x", KEY + "@layer=01", KEY + "@layer=-1", KEY + "@layer=+1",
            KEY + "@layer=99999999999", "a@b@c@d@layer=1"})
    void malformedLayerSuffixesAreRejectedByDecode(String s) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LegacyKey.decode(s));
        assertTrue(e.getMessage().contains("\""), e.getMessage());
    }

    @Test
    void emptyNullAndNegativeLayerAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LegacyKey.of(""));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        assertThrows(NullPointerException.class, () -> LegacyKey.of(null));
        assertThrows(IllegalArgumentException.class, () -> LegacyKey.of(KEY).forLayer(-1));
        assertThrows(IllegalArgumentException.class, () -> LegacyKey.of("vllm@m@1@0@\uDC00"));
    }
}
