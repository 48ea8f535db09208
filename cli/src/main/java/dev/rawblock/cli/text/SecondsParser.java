package dev.rawblock.cli.text;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * Durations as the flags take them: decimal seconds, {@code 300} or {@code 0.25}. Ranges are the
 * caller's to check (and name); this only refuses what is not a number of seconds at all.
 */
public final class SecondsParser {
    private SecondsParser() {}

    /**
     * Parses seconds. A fraction finer than a nanosecond rounds up, so a value above zero never
     * becomes zero (which some options read as "never").
     *
     * @throws IllegalArgumentException with a message that quotes the input and says what is accepted
     */
    static Duration parse(String text) {
        String s = text == null ? "" : text.strip();
        // No signs, exponents, NaN or Infinity: what people type for seconds, nothing a double would also take.
        if (!s.matches("[0-9]+(\\.[0-9]+)?")) throw bad(text, "it is not a number of seconds");
        BigDecimal nanos = new BigDecimal(s).movePointRight(9).setScale(0, RoundingMode.UP);
        BigDecimal[] split = nanos.divideAndRemainder(BigDecimal.valueOf(1_000_000_000));
        if (split[0].compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) throw bad(text, "it is too large");
        return Duration.ofSeconds(split[0].longValueExact(), split[1].longValueExact());
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("invalid seconds '" + (text == null ? "" : text) + "': " + why
                + " (examples: 0, 0.5, 300)");
    }

    /** Lets picocli options take seconds; a bad value becomes a usage error. */
    public static final class Converter extends ParsingConverter<Duration> {
        Converter() {
            super(SecondsParser::parse);
        }
    }
}
