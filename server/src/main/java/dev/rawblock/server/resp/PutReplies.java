package dev.rawblock.server.resp;

import dev.rawblock.server.ServerContext;
import dev.rawblock.store.PutResult;

import java.io.IOException;

/** The RESP replies for puts that did not store the new value (the connection stays usable). */
final class PutReplies {
    private PutReplies() {
    }

    /** Sends the error for {@code result}, and counts the failed put. */
    static void error(RespWriter writer, ServerContext context, PutResult result) throws IOException {
        context.stats().failedPut();
        writer.error(switch (result) {
            case NO_SPACE -> "OOM " + noSpace(context);
            case BUSY -> "BUSY another request is writing this key; try again";
            default -> "ERR " + explain(context, result);
        });
    }

    /** Why there was no room: the entry limit of a store formatted with one, or the space itself. */
    private static String noSpace(ServerContext context) {
        var stats = context.values().store().stats();
        if (stats.entries() >= stats.maxEntries()) {
            return "the store is at its entry limit (" + stats.maxEntries() + ", fixed when it was formatted;"
                    + " a store formatted now holds one per block)";
        }
        return "no space left in the store (every entry is pinned or being written, or --eviction is none)";
    }

    /** Why a put did not take effect, in words. */
    static String explain(ServerContext context, PutResult result) {
        return switch (result) {
            case TOO_LARGE -> "value too large (the largest is " + context.values().store().maxValueBytes() + " bytes)";
            case NO_SPACE -> noSpace(context);
            case BUSY -> "another request is writing the key";
            case WRITE_FAILED -> "the device write failed";
            case CANCELED -> "the key was deleted while being written";
            case STORED, ALREADY_STORED -> "stored";
        };
    }
}
