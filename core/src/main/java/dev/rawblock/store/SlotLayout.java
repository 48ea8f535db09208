package dev.rawblock.store;

import dev.rawblock.device.IoOp;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the bytes of a slot live on the device: small slots hold their whole image, large slots
 * hold it without its first block, which lives in the store's header table.
 *
 * <p><b>The image.</b> What {@link SlotHeader} encodes and verifies is one contiguous run of
 * bytes: the header blocks (fixed part, key, an inline value), then the payload padded to the
 * block. In a store of format version 2 and before, and in any slot under
 * {@value #LARGE_SLOT_BYTES} bytes, the image starts at the slot's offset, so a value of 2^k
 * bytes needs 2^k + 4 KiB and a region of 2^n bytes holds one value fewer than it could.
 *
 * <p><b>Large slots</b> (format version 3, slots of {@value #LARGE_SLOT_BYTES} bytes and more)
 * keep the image's first block, which holds the whole header of any key up to 4032 bytes, in
 * the header table, a run of blocks after the metadata area with one block for every large slot
 * a region can have (a region of R bytes has at most R / 1 MiB of them; the table is 1/256 of the
 * data area); the rest of the image (the header's further blocks for a longer key, then the
 * payload) starts at the slot's offset. A value of 2^k bytes with a short key then fills a 2^k
 * slot exactly, and regions stay a power of two in size and alignment.
 *
 * <pre>
 * header table: [ r0 s0 | r0 s1 | ... | r0 s(R/1MiB - 1) | r1 s0 | ... ]   one block each
 * region r:     [ slot 0 payload ......... | slot 1 payload ......... | ... ]
 * </pre>
 *
 * Whether a slot is large follows from its region's slot size alone, which recovery, fsck and
 * key listing know (they do not know the key's length). A stale table block (of a slot of another
 * size that a region had before) never passes for a current one: every check compares the key or
 * its fingerprint, the length, the store id and the checksums, and recovery the write's sequence
 * number too.
 */
final class SlotLayout {
    /** Slots of this size and more keep their first image block in the header table. */
    static final long LARGE_SLOT_BYTES = 1 << 20;

    // A region of the smallest size has room for a large slot's header, so the header table's
    // blocks per region ({@link #headersPerRegion}) is never zero for a region that can hold one.
    static {
        if (LARGE_SLOT_BYTES > FormatOptions.MIN_REGION_BYTES) throw new AssertionError("a large slot must fit the smallest region");
    }

    private final int block;
    private final boolean tabled;
    private final long table;
    private final long headersPerRegion;
    private final long regionBase;
    private final long regionBytes;

    /** A layout of the given geometry ({@link #of} reads it from a superblock; tests build one directly). */
    SlotLayout(int block, boolean tabled, long table, long regionBase, long regionBytes) {
        this.block = block;
        this.tabled = tabled;
        this.table = table;
        this.headersPerRegion = headersPerRegion(regionBytes);
        this.regionBase = regionBase;
        this.regionBytes = regionBytes;
    }

    static SlotLayout of(Superblock sb) {
        return new SlotLayout(sb.blockBytes(), sb.hasHeaderTable(), sb.headerTable(), sb.regionBase(), sb.regionBytes());
    }

    /** Header table blocks one region needs: one per large slot it can be cut into. */
    static long headersPerRegion(long regionBytes) {
        return regionBytes / LARGE_SLOT_BYTES;
    }

    /** Whether slots of {@code slotBytes} keep their first image block in the header table. */
    boolean large(long slotBytes) {
        return tabled && slotBytes >= LARGE_SLOT_BYTES;
    }

    /**
     * Bytes of slot a value needs (what its size class is chosen by): its image, less the first
     * block when it needs a large slot anyway. A slot at least this large holds it in either layout.
     */
    long need(int keyLength, long length) {
        long image = SlotHeader.ioBytes(keyLength, length, block);
        return large(image - block) ? image - block : image;
    }

    /** The largest value a slot can hold with a short key: a whole region, or a region less a header block. */
    long maxValueBytes() {
        return large(regionBytes) ? regionBytes : regionBytes - block;
    }

    /**
     * Bytes of image a slot of {@code slotBytes} holds at most: what to read when the key's
     * length, and so the image's, is unknown (fsck).
     */
    long imageBytes(long slotBytes) {
        return large(slotBytes) ? slotBytes + block : slotBytes;
    }

    /** Where the image of slot {@code slotId}, in a region cut into slots of {@code slotBytes}, lives. */
    Place place(int slotId, long slotBytes) {
        int region = Space.regionOf(slotId), slot = Space.slotOf(slotId);
        long offset = regionBase + region * regionBytes + slot * slotBytes;
        if (!large(slotBytes)) return new Place(offset, offset + block, block);
        return new Place(table + (region * headersPerRegion + slot) * block, offset, block);
    }

    /**
     * A slot's image on the device: its first block at {@code first}, the rest from {@code rest}
     * on (right after the first block, for a small slot).
     */
    record Place(long first, long rest, int block) {
        /** Device offset of the payload of a value whose header blocks take {@code headerBytes}. */
        long payload(long headerBytes) {
            return rest + headerBytes - block;
        }

        /** Reads image bytes [from, from + into's size) into {@code into}: one operation, or two across the first block. */
        List<IoOp> read(long from, MemorySegment into) {
            return ops(from, into, IoOp.Kind.READ, IoOp.NO_PLACEMENT);
        }

        /** Writes {@code data} as image bytes [from, from + its size), with placement {@code placement}. */
        List<IoOp> write(long from, MemorySegment data, int placement) {
            return ops(from, data, IoOp.Kind.WRITE, placement);
        }

        private List<IoOp> ops(long from, MemorySegment memory, IoOp.Kind kind, int placement) {
            long size = memory.byteSize();
            if (rest == first + block) return List.of(new IoOp(kind, first + from, memory, placement)); // one run
            List<IoOp> ops = new ArrayList<>(2);
            long head = from < block ? Math.min(size, block - from) : 0;
            if (head > 0) ops.add(new IoOp(kind, first + from, memory.asSlice(0, head), placement));
            if (size > head) ops.add(new IoOp(kind, rest + from + head - block, memory.asSlice(head), placement));
            return ops;
        }
    }

    /**
     * One future for several: completes when every one of them has (so memory they use is free
     * again), failed if any failed. Built from the first, so that it is of the same kind (a
     * simulation's futures are driven by their joiner).
     */
    static CompletableFuture<Void> all(List<CompletableFuture<Void>> futures) {
        CompletableFuture<Void> all = futures.getFirst();
        for (int i = 1; i < futures.size(); i++) all = all.thenCombine(futures.get(i), (a, b) -> null);
        return all;
    }
}
