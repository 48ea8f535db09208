package dev.rawblock.cli;

import dev.rawblock.cli.text.ParsingConverter;
import dev.rawblock.store.Eviction;

/**
 * Lets picocli take eviction policies ({@code serve --eviction}, {@code bench store --eviction});
 * a bad value becomes a usage error naming the choices.
 */
public final class EvictionConverter extends ParsingConverter<Eviction> {
    EvictionConverter() {
        super(Eviction::parse);
    }
}
