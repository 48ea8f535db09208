package dev.rawblock.store;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;

/**
 * A value written in pieces while it arrives ({@link Store#beginPut}): the server writes piece k
 * to the device while piece k+1 is still coming off the socket, instead of receiving the whole
 * value first.
 *
 * <p>The slot is reserved and indexed as being written when the stream opens, so a concurrent
 * put of the key is BUSY (or waits, in the modes that wait) and a delete cancels it, exactly as
 * for {@link Store#putMany}; a stream of {@link PutMode#REPLACE} leaves the old value loadable until
 * its commit. Pieces
 * go to the device as {@link #write} is called, in order; the header, with the checksum of all
 * the bytes, is written last by {@link #commit}, which then journals the put and returns once it
 * is durable. Until then nothing is visible: a crash, or {@link #close} without commit, leaves the
 * slot free and the key absent.
 *
 * <p>Pieces start at block multiples and are whole blocks long, the last one padded; their memory
 * must stay untouched until the returned future completes. One writer at a time.
 */
public final class PutStream implements AutoCloseable {
    private final PutBatch puts;
    private final SlotIo slots;
    private final PutResult refusal;
    private final byte[] key;
    /** The slot reserved for the value, and the put's sequence number and placement. */
    private final PutBatch.Planned slot;
    /** The DELETE that must be durable before the slot may be written (see {@link Store#putMany}). */
    private final long deleteMarker;
    private final int headerBytes;
    private final long length;
    private final int block;
    private final CRC32C crc = new CRC32C();
    private final List<CompletableFuture<Void>> writes = new ArrayList<>();
    private long next;
    private boolean cleared;
    private boolean done;

    PutStream(PutBatch puts, SlotIo slots, byte[] key, PutBatch.Planned slot, long deleteMarker, long length) {
        this.puts = puts;
        this.slots = slots;
        this.refusal = null;
        this.key = key;
        this.slot = slot;
        this.deleteMarker = deleteMarker;
        this.length = length;
        this.block = slots.block();
        this.headerBytes = SlotHeader.headerBytes(key.length, length, block);
    }

    private PutStream(PutResult refusal) {
        this.puts = null;
        this.slots = null;
        this.refusal = refusal;
        this.key = null;
        this.slot = null;
        this.deleteMarker = 0;
        this.headerBytes = 0;
        this.length = 0;
        this.block = 0;
        this.done = true;
    }

    /** A put that could not start: the key is stored or being written, too large, or there is no space. */
    static PutStream refused(PutResult why) {
        return new PutStream(why);
    }

    /** Why the put could not start (ALREADY_STORED, BUSY, TOO_LARGE, NO_SPACE), or null when it is open. */
    public PutResult refusal() {
        return refusal;
    }

    public long length() {
        return length;
    }

    /** The block size: pieces start at its multiples and are a whole number of them long. */
    public int block() {
        return block;
    }

    /**
     * Writes the next piece: {@code piece} holds the value's bytes from {@code from} on (the
     * previous piece's end), padded to whole blocks.
     */
    public CompletableFuture<Void> write(long from, MemorySegment piece) {
        if (done) throw new IllegalStateException("the put is finished");
        long bytes = Math.min(piece.byteSize(), length - from);
        if (from != next || from % block != 0 || piece.byteSize() % block != 0 || bytes <= 0) {
            throw new IllegalArgumentException("piece [" + from + ", +" + piece.byteSize() + ") is not the next whole "
                    + "blocks of the value (next byte " + next + " of " + length + ")");
        }
        crc.update(piece.asSlice(0, bytes).asByteBuffer());
        next = from + bytes;
        // A slot freed by a delete is rewritten only after that delete is durable (see putMany).
        if (!cleared && !(cleared = slots.health().awaitDurable(deleteMarker))) {
            return CompletableFuture.failedFuture(new IllegalStateException("the journal failed"));
        }
        // Image bytes: after the header blocks.
        CompletableFuture<Void> w = slots.write(slot.place(), headerBytes + from, piece, slot.placement());
        writes.add(w);
        return w;
    }

    /**
     * Waits for the pieces, writes the header, journals the put and waits until it is durable.
     *
     * @return STORED; WRITE_FAILED if a write failed or bytes are missing; CANCELED if the key was
     *         deleted meanwhile. Anything but STORED leaves the key absent and the slot free.
     */
    public PutResult commit() {
        if (done) throw new IllegalStateException("the put is finished");
        done = true;
        boolean ok = next == length && awaitWrites() && slots.writeStreamedHeader(slot, key, headerBytes, (int) crc.getValue());
        return puts.finish(slot, ok);
    }

    private boolean awaitWrites() {
        boolean ok = true;
        for (CompletableFuture<Void> w : writes) {
            try {
                w.join();
            } catch (RuntimeException e) {
                ok = false;
            }
        }
        return ok;
    }

    /** Abandons a put that was not committed: the slot is freed and the key stays absent. */
    @Override
    public void close() {
        if (done) return;
        done = true;
        awaitWrites(); // the device may still be reading the caller's memory
        puts.finish(slot, false);
    }
}
