package dev.rawblock.cli.text;

import java.util.Locale;

/**
 * A switch given as {@code yes} or {@code no}, as in redis.conf, for options whose default is on
 * (a picocli {@code boolean} would be a flag that can only turn something on).
 */
public enum YesNo {
    YES, NO;

    public boolean on() {
        return this == YES;
    }

    static YesNo parse(String text) {
        return switch (text == null ? "" : text.strip().toLowerCase(Locale.ROOT)) {
            case "yes" -> YES;
            case "no" -> NO;
            default -> throw new IllegalArgumentException("expected yes or no, got '" + text + "'");
        };
    }

    /** Lets picocli options take yes or no; anything else becomes a usage error. */
    public static final class Converter extends ParsingConverter<YesNo> {
        Converter() {
            super(YesNo::parse);
        }
    }
}
