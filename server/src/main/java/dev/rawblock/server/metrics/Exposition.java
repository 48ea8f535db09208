package dev.rawblock.server.metrics;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * Writes Prometheus' text exposition format, version 0.0.4: each family's {@code # HELP} and
 * {@code # TYPE} lines, then its samples as {@code name{label="value",...} number}. Callers write
 * every sample of a family right after starting it, as the format requires.
 */
final class Exposition {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    enum Type {
        COUNTER, GAUGE, HISTOGRAM;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final StringBuilder out = new StringBuilder(32 << 10);

    /** Starts the family {@code name}; a histogram's samples add _bucket, _sum and _count to it. */
    Exposition family(String name, Type type, String help) {
        out.append("# HELP ").append(name).append(' ')
                .append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** One sample; {@code labels} alternate names and values. */
    Exposition sample(String name, double value, String... labels) {
        out.append(name);
        if (labels.length > 0) {
            out.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (i > 0) out.append(',');
                out.append(labels[i]).append("=\"").append(escape(labels[i + 1])).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(number(value)).append('\n');
        return this;
    }

    /** A family of one sample without labels. */
    Exposition single(String name, Type type, String help, double value) {
        return family(name, type, help).sample(name, value);
    }

    String text() {
        return out.toString();
    }

    private static String escape(String labelValue) {
        return labelValue.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /**
     * A number as Prometheus parses it, written plainly: integers without a fraction (counters of
     * bytes stay exact up to 2^53), others without exponent, so bucket bounds read "0.000005".
     */
    static String number(double v) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "+Inf" : "-Inf";
        if (v == Math.rint(v) && Math.abs(v) < 0x1p53) return Long.toString((long) v);
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
