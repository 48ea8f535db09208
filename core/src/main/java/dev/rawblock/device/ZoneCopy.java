package dev.rawblock.device;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Copies a range from one member of a {@link MirrorDevice} to the other, a chunk at a time (one
 * read, then one write, with one buffer): what a resync does to a marked zone and a rebuild to
 * every zone. Asynchronous: no thread waits between the steps. The future is built on the
 * members' own futures, so it is of their type (a simulated member's futures drive the
 * simulation when joined).
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
        return step(from, to, offset, offset + length, buf.segment()).whenComplete((v, e) -> buf.close());
    }

    private static CompletableFuture<Void> step(BlockDevice from, BlockDevice to, long at, long end, MemorySegment buf) {
        MemorySegment piece = buf.asSlice(0, Math.min(buf.byteSize(), end - at));
        long next = at + piece.byteSize();
        return blame(from.submit(List.of(IoOp.read(at, piece))).getFirst(), true)
                .thenCompose(r -> blame(to.submit(List.of(IoOp.write(at, piece))).getFirst(), false))
                .thenCompose(w -> next < end ? step(from, to, next, end, buf) : CompletableFuture.completedFuture(null));
    }

    /** {@code f}, failing with a {@link Failure} that says which side failed. */
    private static CompletableFuture<Void> blame(CompletableFuture<Void> f, boolean reading) {
        return f.handle((v, e) -> {
            if (e != null) throw new CompletionException(new Failure(reading, MirrorHealth.cause(e)));
            return null;
        });
    }
}
