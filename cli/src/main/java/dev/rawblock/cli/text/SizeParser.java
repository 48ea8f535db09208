package dev.rawblock.cli.text;


import java.math.BigDecimal;
import java.util.Locale;

/**
 * Byte sizes as people type them: {@code 4096}, {@code 256k}, {@code 2g}, {@code 1.5t}. Suffixes
 * k, m, g, t (optionally followed by {@code b}, {@code ib} or {@code iB}) are powers of 1024, as
 * in fio, because block and device sizes are.
 */
public final class SizeParser {
    private static final String UNITS = "kmgt";

    private SizeParser() {}

    /**
     * Parses a size.
     *
     * @throws IllegalArgumentException with a message that quotes the input and says what is accepted
     */
    static long parse(String text) {
        if (text == null || text.isBlank()) throw bad(text, "it is empty");
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("ib")) s = s.substring(0, s.length() - 2);
        else if (s.endsWith("b") && s.length() > 1 && UNITS.indexOf(s.charAt(s.length() - 2)) >= 0) {
            s = s.substring(0, s.length() - 1);
        }
        int shift = 0;
        if (!s.isEmpty()) {
            int unit = UNITS.indexOf(s.charAt(s.length() - 1));
            if (unit >= 0) {
                shift = 10 * (unit + 1);
                s = s.substring(0, s.length() - 1);
            }
        }
        if (s.isEmpty() || !s.matches("[0-9]+(\\.[0-9]+)?")) throw bad(text, "it is not a number with an optional unit");
        // BigDecimal keeps fractions such as 1.5g exact and lets us detect overflow.
        BigDecimal bytes = new BigDecimal(s).multiply(BigDecimal.valueOf(2).pow(shift));
        if (bytes.signum() == 0) throw bad(text, "it must be greater than 0");
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) throw bad(text, "it is too large");
        try {
            return bytes.longValueExact();
        } catch (ArithmeticException e) {
            throw bad(text, "it is not a whole number of bytes");
        }
    }

    /** A size for people: the largest binary unit that shows it exactly, e.g. {@code 256 KiB}, {@code 2 GiB}. */
    public static String format(long bytes) {
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        String best = bytes + " B";
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << (10 * (i + 1));
            if (bytes >= unit && bytes % unit == 0) best = (bytes / unit) + " " + units[i];
        }
        return best;
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("invalid size '" + (text == null ? "" : text) + "': " + why
                + " (examples: 4096, 256k, 64m, 2g, 1t; units are powers of 1024)");
    }

    /** A size, or 0 for options where 0 means "none" (a cache turned off, say). */
    static long parseOrZero(String text) {
        return text != null && text.strip().equals("0") ? 0 : parse(text);
    }

    /** As {@link Converter}, also taking 0. */
    public static final class OrZeroConverter extends ParsingConverter<Long> {
        OrZeroConverter() {
            super(SizeParser::parseOrZero);
        }
    }

    /** Lets picocli options take sizes; a bad value becomes a usage error. */
    public static final class Converter extends ParsingConverter<Long> {
        Converter() {
            super(SizeParser::parse);
        }
    }
}
