package dev.rawblock.api.keys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ObjectKeyCodecTest {
    private static final byte[] DEADBEEF = {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef};

    private static void assertEncodes(String expected, ObjectKey key) {
        assertEquals(expected, key.encode());
        assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), key.bytes());
        assertEquals(key, ObjectKey.decode(expected));
    }

    /** Expected strings worked out by hand from Python's quote / "#010x" / bytes.hex(). */
    @Test
    void goldenEncodings() {
        assertEncodes("org%2Fmodel@0x00000002@deadbeef@tenant", new ObjectKey("org/model", 2, DEADBEEF, "tenant"));
        assertEncodes("org%2Fmodel@0x00000002@deadbeef", new ObjectKey("org/model", 2, DEADBEEF, ""));
        // è is U+00E8 = UTF-8 C3 A8
        assertEncodes("mod%C3%A8le@0x00000000@01", new ObjectKey("modèle", 0, new byte[] {1}, ""));
        // U+1F600 (a surrogate pair in Java) = UTF-8 F0 9F 98 80
        assertEncodes("%F0%9F%98%80@0x00000001@00ff", new ObjectKey("\uD83D\uDE00", 1, new byte[] {0, -1}, ""));
        assertEncodes("a%20b%40c%25d%2Be%2A@0x7fffffff@", new ObjectKey("a b@c%d+e*", Integer.MAX_VALUE, new byte[0], ""));
        // Unreserved characters, including '~' (unreserved since Python 3.7), pass through.
        assertEncodes("AZaz09_.-~@0x0000000a@ab", new ObjectKey("AZaz09_.-~", 10, new byte[] {(byte) 0xab}, ""));
        assertEncodes("@0x00000000@@salt-ü", new ObjectKey("", 0, new byte[0], "salt-ü"));
    }

    /** Checklist item 68. */
    @Test
    void slashAndSepSurviveRoundTrip() {
        ObjectKey key = new ObjectKey("org/model-SEP-v2/x", 3, DEADBEEF, "");
        String enc = key.encode();
        assertEquals("org%2Fmodel-SEP-v2%2Fx@0x00000003@deadbeef", enc);
        assertFalse(enc.contains("/"));
        ObjectKey back = ObjectKey.decode(enc);
        assertEquals("org/model-SEP-v2/x", back.modelName());
        assertEquals(key, back);
    }

    @Test
    void randomRoundTrips() {
        String[] atoms = {"a", "Z", "7", "_", ".", "-", "~", "/", "@", " ", "%", "+", "*", ":", "#", "?", "&",
                "é", "ß", "模型", "\uD83D\uDE00", "-SEP-", "%2F", "@@", "\t", "\u0000"};
        String[] saltAtoms = {"t", "0", "-", "_", "/", "%", " ", "ü", "模", "-SEP-", ":"};
        int[] ranks = {0, 1, Integer.MAX_VALUE};
        for (long seed : new long[] {1, 42, 20240607}) {
            Random rnd = new Random(seed);
            for (int n = 0; n < 2000; n++) {
                String model = randomString(rnd, atoms, 12);
                String salt = rnd.nextBoolean() ? "" : randomString(rnd, saltAtoms, 6);
                int rank = n < ranks.length ? ranks[n] : rnd.nextInt(4) < 3 ? ranks[rnd.nextInt(3)] : rnd.nextInt(Integer.MAX_VALUE);
                byte[] hash = new byte[rnd.nextInt(33)];   // 0..32 bytes
                rnd.nextBytes(hash);
                ObjectKey key = new ObjectKey(model, rank, hash, salt);

                String enc = key.encode();
                String ctx = "seed " + seed + " #" + n + ": " + key + " -> " + enc;
                assertEquals(pythonQuoteOracle(model), KeyCodecs.urlQuote(model), ctx);
                assertEquals(salt.isEmpty() ? 3 : 4, enc.split("@", -1).length, ctx);
                assertTrue(enc.split("@", -1)[0].matches("([A-Za-z0-9_.~-]|%[0-9A-F]{2})*"), ctx);
                ObjectKey back = ObjectKey.decode(enc);
                assertEquals(key, back, ctx);
                assertEquals(key.hashCode(), back.hashCode(), ctx);
                assertArrayEquals(key.bytes(), back.bytes(), ctx);
            }
        }
    }

    /**
     * An independent route to Python's {@code quote(s, safe="")}: URLEncoder is form encoding, and differs only in
     * ' ' -> '+', '*' kept and '~' escaped (the usual RFC 3986 fix-up).
     */
    private static String pythonQuoteOracle(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    }

    private static String randomString(Random rnd, String[] atoms, int maxAtoms) {
        StringBuilder sb = new StringBuilder();
        for (int i = rnd.nextInt(maxAtoms + 1); i > 0; i--) sb.append(atoms[rnd.nextInt(atoms.length)]);
        return sb.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",                                           // 1 part
            "m@0x00000001",                               // 2 parts
            "m@0x00000001@ab@salt@extra",                 // 5 parts
            "m@0x00000001@ab@",                           // empty salt field is never written
            "m@0x12@ab",                                  // rank too short
            "m@0X00000001@ab",                            // prefix must be "0x"
            "m@0x0000000g@ab",                            // non-hex rank digit
            "m@0x0000000A@ab",                            // uppercase rank digit (format writes lowercase)
            "m@0x80000000@ab",                            // beyond int range
            "m@-0x0000001@ab",                            // negative rank
            "m@0x00000001@zz",                            // bad hex
            "m@0x00000001@abc",                           // odd-length hex
            "m@0x00000001@DEADBEEF",                      // uppercase hex (bytes.hex() is lowercase)
            "%G1@0x00000001@ab",                          // bad percent escape
            "m%2@0x00000001@ab",                          // truncated escape
            "m%@0x00000001@ab",                           // truncated escape
            "%FF@0x00000001@ab",                          // escape that is not UTF-8
            "org/model@0x00000001@ab",                    // raw '/' (quote writes %2F)
            "org%2fmodel@0x00000001@ab",                  // lowercase escape (quote writes %2F)
            "%41@0x00000001@ab",                          // escaped unreserved char (quote writes A)
    })
    void malformedInputsAreRejectedNamingTheInput(String input) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ObjectKey.decode(input));
        assertTrue(e.getMessage().contains("\"" + input + "\""), e.getMessage());
    }

    @Test
    void malformedPercentMessageIsSpecific() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ObjectKey.decode("%G1@0x00000001@ab"));
        assertTrue(e.getMessage().contains("malformed percent escape \"%G1\""), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ObjectKey.decode("m@0x00000001"));
        assertTrue(e.getMessage().contains("expected 3 or 4"), e.getMessage());
    }

    @Test
    void constructorRejectsKeysWithoutAnEncoding() {
        assertThrows(IllegalArgumentException.class, () -> new ObjectKey("m", -1, DEADBEEF, ""));
        assertThrows(IllegalArgumentException.class, () -> new ObjectKey("m", 0, DEADBEEF, "a@b"));
        assertThrows(IllegalArgumentException.class, () -> new ObjectKey("bad\uD800", 0, DEADBEEF, ""));
        assertThrows(NullPointerException.class, () -> new ObjectKey(null, 0, DEADBEEF, ""));
        assertThrows(NullPointerException.class, () -> new ObjectKey("m", 0, null, ""));
        assertThrows(NullPointerException.class, () -> new ObjectKey("m", 0, DEADBEEF, null));
    }

    @Test
    void equalityIsByContentAndKeyIsImmutable() {
        byte[] hash = DEADBEEF.clone();
        ObjectKey a = new ObjectKey("m", 1, hash, "s");
        ObjectKey b = new ObjectKey("m", 1, DEADBEEF.clone(), "s");
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, new ObjectKey("m", 1, new byte[] {(byte) 0xde, (byte) 0xad}, "s"));
        assertNotEquals(a, new ObjectKey("m", 2, DEADBEEF, "s"));
        assertNotEquals(a, new ObjectKey("m", 1, DEADBEEF, ""));
        assertTrue(a.toString().contains("deadbeef"), a.toString());

        hash[0] = 0;                 // mutate the caller's array
        a.chunkHash()[1] = 0;        // and the returned copy
        assertEquals("m@0x00000001@deadbeef@s", a.encode());
    }
}
