package dev.rawblock.cli.bench;

import dev.rawblock.cli.text.Json;
import dev.rawblock.cli.text.ParsingConverter;

import java.util.Locale;

/**
 * A system {@code bench store --against} (and {@code bench device --against}) runs beside rawblock,
 * alternating with it run by run, so that both see the same machine at nearly the same time.
 */
enum Peer {
    /** The device limit: the same bytes, block size and depth straight to the file, no store at all. */
    FIO("fio", "write", "read"),
    /** The embedded key-value store a Java user would pick instead of rawblock, tuned for large values. */
    ROCKSDB("rocksdb", "put", "get"),
    /**
     * rawblock itself with the io_uring engine on the NVMe namespace's block device
     * ({@code /dev/nvmeXnY}), beside the uring_cmd engine on its generic device ({@code /dev/ngXnY}):
     * the same namespace and the same bytes, through the block layer or past it ({@link EnginePeer}).
     */
    IO_URING("io_uring", "put", "get");

    private final String label;
    private final String putName;
    private final String getName;

    Peer(String label, String putName, String getName) {
        this.label = label;
        this.putName = putName;
        this.getName = getName;
    }

    String label() {
        return label;
    }

    /** The table row of the peer's pass that matches rawblock's put (fio calls it a write). */
    String putRow() {
        return label + " " + putName;
    }

    String getRow() {
        return label + " " + getName;
    }

    static Peer parse(String text) {
        for (Peer p : values()) if (p.label.equals(text.strip().toLowerCase(Locale.ROOT))) return p;
        throw new IllegalArgumentException("unknown peer '" + text.strip() + "' in --against (expected fio, rocksdb, "
                + "io_uring, or a list such as fio,rocksdb)");
    }

    /** Lets picocli take the items of a peer list; a bad one becomes a usage error naming the peers. */
    static final class Converter extends ParsingConverter<Peer> {
        Converter() {
            super(Peer::parse);
        }
    }

    /** How a peer was set up, for the report: one line for people, fields for the JSON line. */
    interface Setup {
        String describe();

        /** Adds the setup's fields to the JSON line, each name starting with {@code prefix}. */
        void json(Json j, String prefix);
    }
}
