package dev.rawblock.server.resp;

/**
 * Redis's glob patterns, as KEYS and SCAN MATCH take them, over bytes: {@code *} any run,
 * {@code ?} any one byte, {@code [abc]}, {@code [^abc]} and {@code [a-z]} sets, and {@code \x}
 * for a literal x. An unclosed {@code [} matches up to the pattern's end, as in Redis.
 */
final class Glob {
    private Glob() {}

    /** Whether {@code text} matches {@code pattern}. */
    static boolean matches(byte[] pattern, byte[] text) {
        return match(pattern, 0, text, 0);
    }

    private static boolean match(byte[] p, int pi, byte[] t, int ti) {
        while (pi < p.length) {
            switch (p[pi]) {
                case '*' -> {
                    while (pi + 1 < p.length && p[pi + 1] == '*') pi++;
                    if (pi + 1 == p.length) return true;
                    for (int from = ti; from <= t.length; from++) if (match(p, pi + 1, t, from)) return true;
                    return false;
                }
                case '?' -> {
                    if (ti == t.length) return false;
                    ti++;
                    pi++;
                }
                case '[' -> {
                    if (ti == t.length) return false;
                    int end = setEnd(p, pi + 1);
                    if (!inSet(p, pi + 1, end, t[ti])) return false;
                    ti++;
                    pi = Math.min(end + 1, p.length);
                }
                case '\\' -> {
                    if (pi + 1 < p.length) pi++;
                    if (ti == t.length || t[ti] != p[pi]) return false;
                    ti++;
                    pi++;
                }
                default -> {
                    if (ti == t.length || t[ti] != p[pi]) return false;
                    ti++;
                    pi++;
                }
            }
        }
        return ti == t.length;
    }

    /** The index of the {@code ]} closing a set whose body starts at {@code from} (the pattern's end if none). */
    private static int setEnd(byte[] p, int from) {
        int i = from;
        if (i < p.length && p[i] == '^') i++;
        for (; i < p.length; i++) {
            if (p[i] == '\\' && i + 1 < p.length) i++;
            else if (p[i] == ']') return i;
        }
        return p.length;
    }

    private static boolean inSet(byte[] p, int from, int end, byte c) {
        boolean not = from < end && p[from] == '^';
        int i = not ? from + 1 : from;
        boolean found = false;
        for (; i < end; i++) {
            if (p[i] == '\\' && i + 1 < end) {
                if (p[++i] == c) found = true;
            } else if (i + 2 < end && p[i + 1] == '-') {
                int lo = p[i] & 0xff, hi = p[i + 2] & 0xff, x = c & 0xff;
                if (lo > hi) {
                    int swap = lo;
                    lo = hi;
                    hi = swap;
                }
                if (x >= lo && x <= hi) found = true;
                i += 2;
            } else if (p[i] == c) {
                found = true;
            }
        }
        return found != not;
    }
}
