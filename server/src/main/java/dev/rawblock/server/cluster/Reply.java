package dev.rawblock.server.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A reply as a value, which the RESP layer encodes in the protocol the connection speaks: the
 * cluster commands say what to answer, not how RESP2 and RESP3 each spell it. The RESP3 types
 * fall back as Redis's own do in RESP2: a map becomes a flat array of keys and values, a set an
 * array, a verbatim string a bulk string.
 */
public sealed interface Reply {
    /** {@code +text}. */
    record Simple(String text) implements Reply {
    }

    /** {@code -message}; the message starts with its code (ERR, MOVED, CROSSSLOT...). */
    record Error(String message) implements Reply {
    }

    /** {@code :n}. */
    record Int(long value) implements Reply {
    }

    /** {@code $n} and the bytes. */
    record Bulk(byte[] bytes) implements Reply {
    }

    /** Text for people (CLUSTER INFO, CLUSTER NODES): RESP3 {@code =n txt:...}, RESP2 a bulk string. */
    record Verbatim(String text) implements Reply {
    }

    record Array(List<Reply> items) implements Reply {
        public Array {
            items = List.copyOf(items);
        }
    }

    /** Keys and values alternating: RESP3 {@code %n}, RESP2 a flat array of 2n. */
    record Map(List<Reply> keysAndValues) implements Reply {
        public Map {
            if (keysAndValues.size() % 2 != 0) throw new IllegalArgumentException("a map needs a value for every key");
            keysAndValues = List.copyOf(keysAndValues);
        }
    }

    /** RESP3 {@code ~n}, RESP2 an array. */
    record Set(List<Reply> items) implements Reply {
        public Set {
            items = List.copyOf(items);
        }
    }

    Reply OK = new Simple("OK");

    static Reply bulk(String text) {
        return new Bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    static Reply error(String message) {
        return new Error(message);
    }

    static Reply integer(long n) {
        return new Int(n);
    }

    static Reply array(List<? extends Reply> items) {
        return new Array(new ArrayList<>(items));
    }

    /** A map from alternating names (bulk strings) and values: {@code map("id", bulk(x), "port", integer(p))}. */
    static Reply map(Object... namesAndValues) {
        List<Reply> pairs = new ArrayList<>(namesAndValues.length);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            pairs.add(bulk((String) namesAndValues[i]));
            pairs.add((Reply) namesAndValues[i + 1]);
        }
        return new Map(pairs);
    }
}
