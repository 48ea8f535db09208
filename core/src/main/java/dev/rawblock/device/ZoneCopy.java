package dev.rawblock.device;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Copies a range from one member of a {@link MirrorDevice} to the other, a chunk at a time (one
 * read, then one write, with one buffer): what a resync does to a marked zone and a rebuild to
 * every zone. Asynchronous: no thread waits between the steps.
 */
final class ZoneCopy {
    /** Bytes moved per step: large enough to stream, small enough for any member's arena. */
    static final long CHUNK = 1 << 20;

    private ZoneCopy() {}

    /** A copy stopped by a member's error; {@code reading} says whose (the source's or the target's). */
    static final class Failure extends IOException {
        final boolean reading;

        Failure(boolean reading, Throwable cause) {
            super((reading ? "reading the source failed: " : "writing the target failed: ") + cause.getMessage(), cause);
            this.reading = reading;
        }
    }

    /** Copies {@code length} bytes at member offset {@code offset} from {@code from} to {@code to}. */
    static CompletableFuture<Void> copy(BlockDevice from, BlockDevice to, long offset, long length) {
        IoBuffer buf = from.buffers().allocate(Math.min(CHUNK, length));
        CompletableFuture<Void> done = new CompletableFuture<>();
        step(from, to, offset, offset + length, buf.segment(), done);
        return done.whenComplete((v, e) -> buf.close());
    }

    private static void step(BlockDevice from, BlockDevice to, long at, long end, MemorySegment buf,
                             CompletableFuture<Void> done) {
        if (at >= end) {
            done.complete(null);
            return;
        }
        MemorySegment piece = buf.asSlice(0, Math.min(buf.byteSize(), end - at));
        from.submit(List.of(IoOp.read(at, piece))).getFirst().whenComplete((r, readError) -> {
            if (readError != null) {
                done.completeExceptionally(new Failure(true, MirrorHealth.cause(readError)));
                return;
            }
            to.submit(List.of(IoOp.write(at, piece))).getFirst().whenComplete((w, writeError) -> {
                if (writeError != null) done.completeExceptionally(new Failure(false, MirrorHealth.cause(writeError)));
                else step(from, to, at + piece.byteSize(), end, buf, done);
            });
        });
    }
}
