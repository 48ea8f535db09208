package dev.rawblock.cli.bench;

import dev.rawblock.cli.text.ParsingConverter;
import dev.rawblock.device.IoOp;

/** What a device benchmark does; the labels are fio's {@code --rw} values, so both runs match. */
enum AccessPattern {
    WRITE("write", IoOp.Kind.WRITE, false),
    RANDREAD("randread", IoOp.Kind.READ, true),
    READ("read", IoOp.Kind.READ, false);

    private final String label;
    private final IoOp.Kind kind;
    private final boolean random;

    AccessPattern(String label, IoOp.Kind kind, boolean random) {
        this.label = label;
        this.kind = kind;
        this.random = random;
    }

    /** The command-line name, which is also fio's {@code --rw} value. */
    String label() {
        return label;
    }

    IoOp.Kind kind() {
        return kind;
    }

    /** Uniformly random block-aligned offsets rather than sequential ones. */
    boolean random() {
        return random;
    }

    static AccessPattern parse(String text) {
        for (AccessPattern p : values()) {
            if (p.label.equalsIgnoreCase(text)) return p;
        }
        throw new IllegalArgumentException("unknown pattern '" + text + "' (expected write, randread or read)");
    }

    /** Lets picocli options take patterns; a bad value becomes a usage error. */
    static final class Converter extends ParsingConverter<AccessPattern> {
        Converter() {
            super(AccessPattern::parse);
        }
    }
}
