package dev.rawblock.server.resp;

/**
 * Redis's glob patterns, as CONFIG GET, COMMAND LIST FILTERBY PATTERN (and KEYS/SCAN MATCH) take
 * them: {@code *} any run of bytes, {@code ?} one byte, {@code [abc]}, {@code [^abc]} and
 * {@code [a-z]} a byte of a class, and {@code \x} the byte x itself. Bytes, not characters, so
 * binary keys match as Redis matches them.
 *
 * <p>Matching backtracks only to the last {@code *}, which keeps it linear in the text for each
 * star: a pattern of many stars cannot make it exponential.
 */
final class Glob {
    private Glob() {
    }

    static boolean matches(String pattern, String text, boolean ignoreCase) {
        return matches(pattern.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                text.getBytes(java.nio.charset.StandardCharsets.UTF_8), ignoreCase);
    }

    static boolean matches(byte[] pattern, byte[] text, boolean ignoreCase) {
        int p = 0, t = 0;
        int starP = -1, starT = -1; // where to resume after the last '*': pattern after it, text it has taken
        while (t < text.length) {
            if (p < pattern.length && pattern[p] == '*') {
                while (p < pattern.length && pattern[p] == '*') p++;
                if (p == pattern.length) return true;
                starP = p;
                starT = t;
                continue;
            }
            int next = p < pattern.length ? single(pattern, p, text[t], ignoreCase) : -1;
            if (next >= 0) {
                p = next;
                t++;
            } else if (starP >= 0) {
                p = starP;
                t = ++starT; // the star takes one more byte
            } else {
                return false;
            }
        }
        while (p < pattern.length && pattern[p] == '*') p++;
        return p == pattern.length;
    }

    /**
     * Matches the pattern element at {@code p} (not a star) against byte {@code b}.
     *
     * @return the index after that element when it matches, else -1
     */
    private static int single(byte[] pattern, int p, byte b, boolean ignoreCase) {
        byte c = pattern[p];
        if (c == '?') return p + 1;
        if (c == '\\' && p + 1 < pattern.length) return same(pattern[p + 1], b, ignoreCase) ? p + 2 : -1;
        if (c != '[') return same(c, b, ignoreCase) ? p + 1 : -1;
        int i = p + 1;
        boolean negate = i < pattern.length && pattern[i] == '^';
        if (negate) i++;
        boolean hit = false;
        while (i < pattern.length && pattern[i] != ']') {
            if (pattern[i] == '\\' && i + 1 < pattern.length) {
                hit |= same(pattern[i + 1], b, ignoreCase);
                i += 2;
            } else if (i + 2 < pattern.length && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
                int lo = pattern[i] & 0xff, hi = pattern[i + 2] & 0xff;
                if (lo > hi) {
                    int swap = lo;
                    lo = hi;
                    hi = swap;
                }
                int v = b & 0xff;
                hit |= v >= lo && v <= hi
                        || ignoreCase && inRange(lower(v), lo, hi) | inRange(upper(v), lo, hi);
                i += 3;
            } else {
                hit |= same(pattern[i], b, ignoreCase);
                i++;
            }
        }
        // An unclosed class runs to the end of the pattern, as in Redis.
        int after = i < pattern.length ? i + 1 : i;
        return hit != negate ? after : -1;
    }

    private static boolean inRange(int v, int lo, int hi) {
        return v >= lo && v <= hi;
    }

    private static boolean same(byte a, byte b, boolean ignoreCase) {
        return a == b || ignoreCase && lower(a & 0xff) == lower(b & 0xff);
    }

    private static int lower(int v) {
        return v >= 'A' && v <= 'Z' ? v + 32 : v;
    }

    private static int upper(int v) {
        return v >= 'a' && v <= 'z' ? v - 32 : v;
    }
}
