package dev.rawblock.server;

import dev.rawblock.server.MemoryBudget.ValueBuffer;
import dev.rawblock.store.ValueReader;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Sends a stored value to a socket in pieces, reading the next pieces from the device while the
 * current one goes out. A whole-value load followed by a send leaves the device idle while the
 * client receives and the socket idle while the device reads; here both stay busy.
 *
 * <p><b>Never a completed wrong reply.</b> The slot header is checked before the first byte is
 * sent, so a key evicted or deleted meanwhile is an ordinary miss. The payload checksum is known
 * only at the end, so the last piece is held back until it matches; if it does not (corruption,
 * or the slot reused while being read), the reply is abandoned half-sent and the connection
 * closed ({@link AbandonedReply}): the client sees an error, never a value that is wrong.
 */
public final class PieceSender {
    /** Bytes per device read: large enough for the device, small enough to overlap a few. */
    static final int PIECE = 1 << 20;
    /**
     * Pieces in flight: one being read while one is sent (double buffering). More reads the
     * whole value at once, so its first piece lands no sooner than its last and the send waits
     * for all of them; 4 MiB GETs of 8 connections were 15-25% slower with 4 than with 2, and a
     * lone connection no faster (one piece, with no overlap at all, was 20% slower alone).
     */
    static final int AHEAD = 2;

    private final Values values;

    public PieceSender(Values values) {
        this.values = values;
    }

    /** The reply cannot be finished correctly: the connection must be closed. */
    public static final class AbandonedReply extends IOException {
        AbandonedReply(String why) {
            super(why);
        }
    }

    /**
     * How a protocol frames a value: the stored value may begin with {@link #skip} bytes of the
     * protocol's own (lm:// keeps its metadata there), which are not sent but decide the header.
     */
    public interface Framing {
        /** Bytes at the start of the stored value that are metadata, not body. */
        int skip();

        /**
         * The bytes to send before the body, or null when the value is not one this protocol
         * stored (then nothing is sent: a miss).
         *
         * @param prefix the value's first {@link #skip} bytes
         * @param bodyLength the bytes that will follow
         */
        byte[] header(MemorySegment prefix, long bodyLength);

        /** The bytes to send after the body. */
        byte[] trailer();
    }

    /**
     * Sends the framing's header, the value's body, then its trailer.
     *
     * @return false, with nothing sent, when the slot no longer holds the key or the framing
     *         refuses the value (a miss)
     * @throws AbandonedReply when the value failed verification or a read failed after sending began
     */
    public boolean send(ValueReader reader, Wire wire, Framing framing) throws IOException, InterruptedException {
        if (!reader.headerMatches()) return false;
        long length = reader.length();
        int skip = framing.skip();
        if (length < skip || skip > PIECE) return false;
        int pieces = (int) ((length + PIECE - 1) / PIECE);
        int window = Math.min(AHEAD, pieces);
        ValueBuffer[] buffers = new ValueBuffer[window];
        @SuppressWarnings("unchecked")
        CompletableFuture<Void>[] reads = new CompletableFuture[window];
        try {
            for (int i = 0; i < window; i++) {
                buffers[i] = values.buffer(PIECE);
                reads[i] = reader.read((long) i * PIECE, padded(buffers[i], i, length, reader.block()));
            }
            for (int k = 0; k < pieces; k++) {
                int slot = k % window;
                await(reads[slot]);
                MemorySegment bytes = buffers[slot].segment().asSlice(0, Math.min(PIECE, length - (long) k * PIECE));
                reader.check(bytes);
                if (k == pieces - 1 && !reader.finish()) {
                    if (k == 0) return false; // nothing sent yet: an ordinary miss
                    throw new AbandonedReply("value failed verification while being sent");
                }
                if (k == 0) {
                    byte[] header = framing.header(bytes.asSlice(0, skip), length - skip);
                    if (header == null) return false;
                    wire.write(header);
                    bytes = bytes.asSlice(skip);
                }
                wire.writeValue(bytes);
                int next = k + window;
                if (next < pieces) reads[slot] = reader.read((long) next * PIECE, padded(buffers[slot], next, length, reader.block()));
            }
            wire.write(framing.trailer());
            return true;
        } finally {
            for (int i = 0; i < window; i++) {
                // The kernel may still be writing into a buffer whose read we stopped waiting for.
                if (reads[i] != null) reads[i].handle((v, e) -> null).join();
                if (buffers[i] != null) buffers[i].close();
            }
        }
    }

    /** The part of a buffer piece {@code k} reads into: whole blocks, covering the value's bytes. */
    private static MemorySegment padded(ValueBuffer buffer, int k, long length, int block) {
        long n = Math.min(PIECE, length - (long) k * PIECE);
        return buffer.segment().asSlice(0, (n + block - 1) / block * block);
    }

    private static void await(CompletableFuture<Void> read) throws AbandonedReply {
        try {
            read.join();
        } catch (CompletionException e) {
            throw new AbandonedReply("device read failed while sending a value: " + e.getCause());
        }
    }
}
