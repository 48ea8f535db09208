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
            case NO_SPACE -> "OOM no space left in the store (eviction is off, or every entry is in use)";
            case BUSY -> "BUSY another request is writing this key; try again";
            default -> "ERR " + explain(context, result);
        });
    }

    /** Why a put did not take effect, in words. */
    static String explain(ServerContext context, PutResult result) {
        return switch (result) {
            case TOO_LARGE -> "value too large (the largest is " + context.values().store().maxValueBytes() + " bytes)";
            case NO_SPACE -> "no space left in the store";
            case BUSY -> "another request is writing the key";
            case WRITE_FAILED -> "the device write failed";
            case CANCELED -> "the key was deleted while being written";
            case STORED, ALREADY_STORED -> "stored";
        };
    }
}
