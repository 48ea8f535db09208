package dev.rawblock.server.resp;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * One RESP2 or RESP3 reply as the wire typed it, for tests that check reply shapes: a RESP3 map
 * must arrive as {@code %}, a RESP2 one as a flat array, INFO as a verbatim string in RESP3.
 */
sealed interface Reply {
    record Simple(String text) implements Reply {
    }

    record Error(String text) implements Reply {
    }

    record Int(long value) implements Reply {
    }

    record Bulk(String text) implements Reply {
    }

    record Verbatim(String format, String text) implements Reply {
    }

    record Array(List<Reply> items) implements Reply {
    }

    record Set(List<Reply> items) implements Reply {
    }

    record Map(java.util.Map<Reply, Reply> entries) implements Reply {
        /** The value under the bulk or simple string {@code key}, or null. */
        Reply get(String key) {
            for (var e : entries.entrySet()) if (text(e.getKey()).equals(key)) return e.getValue();
            return null;
        }
    }

    record Null() implements Reply {
    }

    /** The text of a simple, bulk or verbatim string. */
    static String text(Reply r) {
        return switch (r) {
            case Simple s -> s.text();
            case Bulk b -> b.text();
            case Verbatim v -> v.text();
            default -> throw new AssertionError("not a string: " + r);
        };
    }

    /** The elements of an array or a set. */
    static List<Reply> items(Reply r) {
        return switch (r) {
            case Array a -> a.items();
            case Set s -> s.items();
            default -> throw new AssertionError("not an array or set: " + r);
        };
    }

    /**
     * Pairs of a RESP3 map, or of a RESP2 flat array of pairs, by key text. The caller has checked
     * which of the two it expects.
     */
    static java.util.Map<String, Reply> pairs(Reply r) {
        java.util.Map<String, Reply> out = new LinkedHashMap<>();
        if (r instanceof Map m) {
            m.entries().forEach((k, v) -> out.put(text(k), v));
        } else {
            List<Reply> flat = items(r);
            for (int i = 0; i + 1 < flat.size(); i += 2) out.put(text(flat.get(i)), flat.get(i + 1));
        }
        return out;
    }

    static Reply read(InputStream in) throws IOException {
        String line = line(in);
        String rest = line.substring(1);
        return switch (line.charAt(0)) {
            case '+' -> new Simple(rest);
            case '-' -> new Error(rest);
            case ':' -> new Int(Long.parseLong(rest));
            case '_' -> new Null();
            case '$' -> {
                int n = Integer.parseInt(rest);
                yield n < 0 ? new Null() : new Bulk(body(in, n));
            }
            case '=' -> {
                String body = body(in, Integer.parseInt(rest));
                yield new Verbatim(body.substring(0, 3), body.substring(4));
            }
            case '*' -> {
                int n = Integer.parseInt(rest);
                yield n < 0 ? new Null() : new Array(list(in, n));
            }
            case '~' -> new Set(list(in, Integer.parseInt(rest)));
            case '%' -> {
                int n = Integer.parseInt(rest);
                java.util.Map<Reply, Reply> m = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) m.put(read(in), read(in));
                yield new Map(m);
            }
            default -> throw new IOException("not a RESP reply: " + line);
        };
    }

    private static List<Reply> list(InputStream in, int n) throws IOException {
        List<Reply> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) items.add(read(in));
        return items;
    }

    private static String body(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n + 2);
        if (b.length != n + 2) throw new EOFException();
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int prev = -1, c;
        while ((c = in.read()) != -1) {
            if (prev == '\r' && c == '\n') {
                byte[] b = out.toByteArray();
                return new String(b, 0, b.length - 1, StandardCharsets.UTF_8);
            }
            out.write(c);
            prev = c;
        }
        throw new EOFException("connection closed");
    }
}
