package dev.rawblock.server.resp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Redis's glob patterns, as CONFIG GET and COMMAND LIST match them. */
class GlobTest {

    private static boolean m(String pattern, String text) {
        return Glob.matches(pattern, text, false);
    }

    @Test
    void wildcardsClassesAndEscapes() {
        assertTrue(m("*", ""));
        assertTrue(m("max*", "maxmemory-policy"));
        assertFalse(m("max*", "xmax"));
        assertTrue(m("*memory*", "maxmemory-policy"));
        assertTrue(m("s?ve", "save"));
        assertFalse(m("s?ve", "sve"));
        assertTrue(m("h[ae]llo", "hello"));
        assertFalse(m("h[ae]llo", "hillo"));
        assertTrue(m("h[^e]llo", "hallo"));
        assertFalse(m("h[^e]llo", "hello"));
        assertTrue(m("h[a-c]llo", "hbllo"));
        assertTrue(m("h[c-a]llo", "hbllo"), "a reversed range is the same range, as in Redis");
        assertTrue(m("a\\*b", "a*b"));
        assertFalse(m("a\\*b", "axb"));
        assertTrue(m("*a*b*c*", "xxaxxbxxcxx"));
        assertFalse(m("*a*b*c*", "xxaxxcxxbxx"));
        assertTrue(m("user:*:chunk?", "user:42:chunk7"));
    }

    @Test
    void caseIsIgnoredWhenAsked() {
        assertTrue(Glob.matches("MAX*", "maxmemory", true));
        assertFalse(Glob.matches("MAX*", "maxmemory", false));
        assertTrue(Glob.matches("[A-C]x", "bx", true));
    }

    @Test
    void manyStarsStayLinear() {
        String text = "a".repeat(5000);
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(2),
                () -> assertFalse(m("*a*a*a*a*a*a*a*a*a*a*b", text)));
    }

    @Test
    void bytesNotCharacters() {
        assertTrue(Glob.matches(new byte[] {'k', '?'}, new byte[] {'k', (byte) 0xff}, false));
        assertTrue(Glob.matches(new byte[] {'*', 0}, new byte[] {1, 2, 0}, false));
    }
}
