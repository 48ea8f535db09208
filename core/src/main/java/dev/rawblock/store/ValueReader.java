package dev.rawblock.store;

import dev.rawblock.device.IoBuffer;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;

/**
 * One stored value, read in pieces for a caller that passes the bytes on while the rest is
 * still being read (the server sends piece k while piece k+1 comes off the device).
 *
 * <p><b>Checked at both ends.</b> {@link #headerMatches} reads the slot header before any byte
 * is passed on: a slot that no longer holds this key (an eviction or delete raced the lookup) is
 * a miss like any other. The payload checksum is the reader's own: it adds each piece it read, in
 * the order read, once the piece has arrived and before its memory can be read into again (at the
 * caller's next {@link #read}, {@link #check} or {@link #finish}), so the verdict does not depend
 * on what the caller hands to {@code check}.
 *
 * <p><b>The last piece is held back.</b> The bytes before it must go out before the checksum can
 * be known; the last piece is what a consumer needs to complete, so the reader reads it into a
 * buffer of its own and copies it into the caller's memory only when {@link #finish} has found the
 * checksum right. A caller that forwards the last piece after {@code finish} returns true (and
 * aborts otherwise) never lets a consumer complete on a wrong byte, and one that forgets to ask
 * has nothing wrong to forward.
 *
 * <p>Pieces are read in order, each from where the previous one ended; they start at multiples of
 * the block size and their destinations are aligned and a whole number of blocks ({@link #block});
 * the last may run past the value's end, up to the next block.
 * Not thread-safe: one caller at a time. {@link #close} gives back the header buffer.
 */
public final class ValueReader implements AutoCloseable {
    private final SlotIo slots;
    private final Catalog catalog;
    private final StoreCounters.Loads counted;
    private final byte[] key;
    private final Fingerprint fp;
    private final int slotId;
    private final long payloadOffset;
    private final long length;
    private final int block;
    private final IoBuffer header;
    private final CompletableFuture<Void> headerRead;
    private final CRC32C crc = new CRC32C();
    /** Pieces read and not yet added to the checksum, in order. */
    private final ArrayDeque<Piece> arriving = new ArrayDeque<>();
    /** The value byte the next piece must start at. */
    private long nextRead;
    /** Value bytes added to the checksum. */
    private long checked;
    /** Value bytes the caller handed to {@link #check}. */
    private long offered;
    /** Whether a piece's read failed: the value cannot be verified. */
    private boolean readFailed;
    /** The last piece, read into the reader's own buffer until {@link #finish} vouches for it; and where it goes then. */
    private IoBuffer held;
    private MemorySegment heldFor;
    private CompletableFuture<Void> heldRead;
    private boolean failed;
    private boolean closed;

    /** A piece being read: the value bytes of its destination (padding excluded), and its read. */
    private record Piece(MemorySegment bytes, CompletableFuture<Void> read) {}

    /** A reader of the value in {@code slotId}, which the caller has leased for it (given back at {@link #close}). */
    ValueReader(SlotIo slots, Catalog catalog, StoreCounters.Loads counted, byte[] key, Fingerprint fp, int slotId,
                SlotLayout.Place place, long length) {
        this.slots = slots;
        this.catalog = catalog;
        this.counted = counted;
        this.key = key;
        this.fp = fp;
        this.slotId = slotId;
        this.length = length;
        this.block = slots.block();
        int headerBytes = SlotHeader.headerBytes(key.length, length, block);
        this.payloadOffset = place.payload(headerBytes);
        this.header = slots.buffers().allocate(headerBytes);
        this.headerRead = slots.readImage(place, header.segment());
    }

    /** Bytes of the value. */
    public long length() {
        return length;
    }

    /** The block size: pieces start at its multiples and are a whole number of them long. */
    public int block() {
        return block;
    }

    /**
     * Waits for the slot header and checks that it holds this key, with this length, written by
     * this store. False means a miss (counted; a corrupt header drops the entry).
     */
    public boolean headerMatches() {
        try {
            headerRead.join();
        } catch (RuntimeException e) {
            slots.health().readFailed();
            return fail(false);
        }
        String problem = SlotHeader.verifyHeaderOf(header.segment(), key, slots.storeId(), length, block);
        return problem == null || fail(true);
    }

    /**
     * Starts reading the payload bytes from {@code from}, where the previous piece ended, into
     * {@code dst}. Do not touch {@code dst} until the returned future completes. The last piece
     * (the one reaching the value's end) arrives in {@code dst} only when {@link #finish} returns
     * true; its future says that it has been read.
     */
    public CompletableFuture<Void> read(long from, MemorySegment dst) {
        if (from % block != 0 || dst.byteSize() % block != 0 || from + dst.byteSize() > SlotHeader.roundUp(length, block)) {
            throw new IllegalArgumentException("piece [" + from + ", +" + dst.byteSize() + ") is not whole blocks "
                    + "within the value's " + length + " bytes");
        }
        if (from != nextRead) {
            throw new IllegalArgumentException("piece at " + from + " is not the next one: pieces are read in order, the"
                    + " next from " + nextRead);
        }
        addArrived(); // dst may be the memory of a piece that arrived: it is checksummed before it is read into again
        nextRead = from + dst.byteSize();
        MemorySegment into = dst;
        if (nextRead >= length) { // the last piece: held back until finish
            held = slots.buffers().allocate(dst.byteSize());
            heldFor = dst;
            into = held.segment();
        }
        CompletableFuture<Void> read = slots.read(payloadOffset + from, into);
        if (into != dst) heldRead = read;
        arriving.add(new Piece(into.asSlice(0, Math.min(into.byteSize(), length - from)), read));
        return read;
    }

    /**
     * Tells the reader the caller has the next bytes of the value (the padding of the last piece
     * excluded). The checksum is the reader's own (see the class comment): this only checks that
     * the caller does not go past the value's end.
     */
    public void check(MemorySegment bytes) {
        if (offered + bytes.byteSize() > length) throw new IllegalArgumentException("more bytes than the value holds");
        offered += bytes.byteSize();
        addArrived();
    }

    /**
     * Waits for the pieces read, and says whether they cover the value and its checksum matches
     * the header's; if so, the last piece is now in the caller's memory. A mismatch drops the
     * entry (unless it changed meanwhile) and counts a checksum failure, as a load does.
     */
    public boolean finish() {
        for (Piece p : arriving) p.read.handle((v, e) -> null).join();
        addArrived();
        if (failed || readFailed || checked != length) return false;
        boolean ok = (int) crc.getValue() == SlotHeader.payloadCrc(header.segment());
        if (!ok) return fail(true);
        MemorySegment.copy(held.segment(), 0, heldFor, 0, heldFor.byteSize());
        counted.count(true);
        return true;
    }

    /** Adds the pieces that have arrived, in order, to the checksum; stops at the first still being read. */
    private void addArrived() {
        while (!arriving.isEmpty() && arriving.peek().read.isDone()) {
            Piece p = arriving.poll();
            if (p.read.isCompletedExceptionally()) {
                readFailed = true;
                continue;
            }
            ByteBuffer b = p.bytes.asByteBuffer();
            crc.update(b);
            checked += p.bytes.byteSize();
        }
    }

    /** Counts the miss once; a corrupt slot is also dropped. */
    private boolean fail(boolean corrupt) {
        if (!failed) {
            counted.count(false);
            if (corrupt) catalog.dropCorrupt(List.of(new LoadBatch.Found(-1, fp, slotId, null, 0, 0)));
        }
        failed = true;
        return false;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            headerRead.handle((v, e) -> null).join(); // the kernel may still write into the buffers
            if (heldRead != null) heldRead.handle((v, e) -> null).join();
        } finally {
            header.close();
            if (held != null) held.close();
            catalog.locked(() -> {
                catalog.unlease(slotId);
                return null;
            });
        }
    }
}
