package dev.rawblock.server;

import dev.rawblock.server.MemoryBudget.ValueBuffer;
import dev.rawblock.store.PutMode;
import dev.rawblock.store.PutStream;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * Receives a large value from a socket in pieces and writes each to the device while the next
 * one arrives ({@link PutStream}), the mirror of {@link PieceSender}: receiving the whole value
 * first would leave the device idle while the client sends, and the socket idle while the device
 * writes. Memory is a few pieces, whatever the value's size.
 */
public final class PieceReceiver {
    /** Bytes per device write. */
    static final int PIECE = PieceSender.PIECE;
    /**
     * Pieces written while the next ones are received: more than a GET's read-ahead, since a
     * written piece waits for nothing downstream (4 MiB SETs of 8 connections: 2 was 7-10% slower).
     */
    static final int AHEAD = 4;

    private final Values values;

    public PieceReceiver(Values values) {
        this.values = values;
    }

    /**
     * Reads {@code length} bytes from {@code wire} into a new put of {@code key}, writing them as
     * they come. The put is left open for the caller to commit once the request is complete.
     *
     * The put replaces the key's value if it has one (Redis SET); it starts once any other put of
     * the key in flight has ended.
     *
     * @return the open put with every byte written, or null when the put cannot start (too large,
     *         no space): nothing was read, so the caller receives the value the ordinary way
     * @throws IOException when the connection fails mid-value; the put is then abandoned
     */
    public PutStream receive(byte[] key, long length, Wire wire) throws IOException, InterruptedException {
        PutStream put = values.store().beginPut(key, length, PutMode.REPLACE, 0);
        if (put.refusal() != null) return null;
        int window = (int) Math.min(AHEAD, (length + PIECE - 1) / PIECE);
        ValueBuffer[] buffers = new ValueBuffer[window];
        @SuppressWarnings("unchecked")
        CompletableFuture<Void>[] writes = new CompletableFuture[window];
        boolean received = false;
        try {
            for (long from = 0, k = 0; from < length; from += PIECE, k++) {
                int slot = (int) (k % window);
                if (writes[slot] != null) writes[slot].handle((v, e) -> null).join(); // its buffer is free again
                if (buffers[slot] == null) buffers[slot] = values.buffer(PIECE);
                int n = (int) Math.min(PIECE, length - from);
                MemorySegment memory = buffers[slot].segment();
                wire.readFully(memory.asSlice(0, n));
                int padded = (n + put.block() - 1) / put.block() * put.block();
                memory.asSlice(n, padded - n).fill((byte) 0);
                // A failed write is reported by commit; the bytes are still read to keep the stream in step.
                writes[slot] = put.write(from, memory.asSlice(0, padded));
            }
            received = true;
            return put;
        } finally {
            for (int i = 0; i < window; i++) {
                if (writes[i] != null) writes[i].handle((v, e) -> null).join();
                if (buffers[i] != null) buffers[i].close();
            }
            if (!received) put.close();
        }
    }
}
