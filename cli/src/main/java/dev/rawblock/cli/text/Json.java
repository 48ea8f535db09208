package dev.rawblock.cli.text;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;

/**
 * Writes one JSON object, fields in insertion order (flat, except for arrays of numbers, strings
 * or objects). Hand-written so the CLI needs no JSON
 * library for the few machine-readable lines it prints.
 */
public final class Json {
    private final StringBuilder out = new StringBuilder("{");

    public Json put(String key, String value) {
        field(key).append(value == null ? "null" : quote(value));
        return this;
    }

    public Json put(String key, long value) {
        field(key).append(value);
        return this;
    }

    public Json put(String key, boolean value) {
        field(key).append(value);
        return this;
    }

    public Json put(String key, double value) {
        field(key).append(number(value));
        return this;
    }

    public Json put(String key, List<Double> values) {
        StringBuilder b = field(key).append('[');
        for (int i = 0; i < values.size(); i++) b.append(i == 0 ? "" : ",").append(number(values.get(i)));
        b.append(']');
        return this;
    }

    /** An array of strings. */
    public Json putStrings(String key, List<String> values) {
        StringBuilder b = field(key).append('[');
        for (int i = 0; i < values.size(); i++) b.append(i == 0 ? "" : ",").append(quote(values.get(i)));
        b.append(']');
        return this;
    }

    /** An array of objects, e.g. the rows of a table. */
    public Json putObjects(String key, List<Json> objects) {
        StringBuilder b = field(key).append('[');
        for (int i = 0; i < objects.size(); i++) b.append(i == 0 ? "" : ",").append(objects.get(i));
        b.append(']');
        return this;
    }

    /** A nested object. */
    public Json putObject(String key, Json object) {
        field(key).append(object);
        return this;
    }

    /** An array of whole numbers. */
    public Json putLongs(String key, List<? extends Number> values) {
        StringBuilder b = field(key).append('[');
        for (int i = 0; i < values.size(); i++) b.append(i == 0 ? "" : ",").append(values.get(i).longValue());
        b.append(']');
        return this;
    }

    /** The object, closed. */
    @Override
    public String toString() {
        return out + "}";
    }

    private StringBuilder field(String key) {
        if (out.length() > 1) out.append(',');
        return out.append(quote(key)).append(':');
    }

    /** Six significant digits: more than any measurement here is worth, and no exponent noise. */
    static String number(double v) {
        if (!Double.isFinite(v)) return "null"; // JSON has no NaN or Infinity
        if (v == 0) return "0";
        return new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
