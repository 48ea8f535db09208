package dev.rawblock.cli;

import java.util.Locale;

/** A switch given as {@code yes} or {@code no}, as in redis.conf, for options whose default is on. */
final class YesNo {
    private YesNo() {}

    static boolean parse(String text) {
        return switch (text == null ? "" : text.strip().toLowerCase(Locale.ROOT)) {
            case "yes" -> true;
            case "no" -> false;
            default -> throw new IllegalArgumentException("expected yes or no, got '" + text + "'");
        };
    }

    /** Lets picocli options take yes or no; anything else becomes a usage error. */
    static final class Converter extends ParsingConverter<Boolean> {
        Converter() {
            super(YesNo::parse);
        }
    }
}
