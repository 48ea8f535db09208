package dev.rawblock.server.resp;

import dev.rawblock.server.ServerContext;
import dev.rawblock.store.Store;

import java.io.IOException;
import java.util.List;

/**
 * What a client asks about one key without reading its value: {@code STRLEN} (the length the
 * index holds: LMCache's connector learns a chunk's size with it before a GET), {@code TYPE}
 * (every value is a string). Expiry is {@link KeyspaceCommands}'. The dispatcher has checked arity.
 */
final class KeyCommands {
    private final RespWriter writer;
    private final ServerContext context;

    KeyCommands(RespWriter writer, ServerContext context) {
        this.writer = writer;
        this.context = context;
    }

    void run(RespRequest r) throws IOException {
        long length = context.values().store().lengths(List.of(r.arg(1).bytes()))[0];
        boolean stored = length != Store.MISS;
        switch (r.name()) {
            case "STRLEN" -> writer.integer(stored ? length : 0);
            case "TYPE" -> writer.simple(stored ? "string" : "none");
            default -> throw new IllegalStateException("not a key command: " + r.name());
        }
    }
}
