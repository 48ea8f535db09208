package dev.rawblock.store;

import dev.rawblock.device.IoOp;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Where slot images live: small slots whole, large slots with their first block in the header table. */
class SlotLayoutTest {
    private static final long MIB = 1 << 20;
    private static final int BLOCK = 4096;

    private static Superblock plan(long capacity, long regionBytes, int version) throws IOException {
        return StoreFormat.plan(capacity, BLOCK, new FormatOptions(0, regionBytes, 0), version);
    }

    @Test
    void theHeaderTableLiesBetweenTheMetadataAndTheRegions() throws IOException {
        Superblock sb = plan(4L << 30, 256 * MIB, Superblock.VERSION);
        assertTrue(sb.hasHeaderTable());
        assertEquals(sb.metaOffset() + sb.metaBytes(), sb.headerTable());
        assertEquals(sb.regionCount() * 256L * BLOCK, sb.headerTableBytes(), "one block per MiB of every region");
        assertTrue(sb.headerTable() + sb.headerTableBytes() <= sb.regionBase());
        assertEquals(0, sb.regionBase() % MIB, "regions start at a MiB boundary");
        assertTrue(sb.regionBase() + sb.regionCount() * sb.regionBytes() <= sb.capacity());
        assertEquals(256 * MIB, sb.maxValueBytes());

        Superblock v2 = plan(4L << 30, 256 * MIB, 2);
        assertFalse(v2.hasHeaderTable());
        assertEquals(0, v2.headerTable());
        assertEquals(0, v2.headerTableBytes());
        assertEquals(256 * MIB - BLOCK, v2.maxValueBytes());
    }

    @Test
    void aPowerOfTwoValueNeedsExactlyItsSize() throws IOException {
        SlotLayout v3 = SlotLayout.of(plan(4L << 30, 256 * MIB, Superblock.VERSION));
        assertEquals(32 * MIB, v3.need(16, 32 * MIB));
        assertEquals(MIB, v3.need(16, MIB));
        assertEquals(MIB, v3.need(16, MIB - BLOCK), "the image of a block less needs 1 MiB: a large slot all the same");
        assertEquals(MIB - BLOCK, v3.need(16, MIB - 2 * BLOCK), "small values keep their inline header");
        assertEquals(BLOCK, v3.need(16, 100), "a value inside its header block");
        assertEquals(32 * MIB + BLOCK, v3.need(5000, 32 * MIB), "a long key's second header block stays in the slot");
        SlotLayout v2 = SlotLayout.of(plan(4L << 30, 256 * MIB, 2));
        assertEquals(32 * MIB + BLOCK, v2.need(16, 32 * MIB));
    }

    @Test
    void aLargeSlotKeepsItsFirstImageBlockInTheTable() throws IOException {
        Superblock sb = plan(4L << 30, 256 * MIB, Superblock.VERSION);
        SlotLayout layout = SlotLayout.of(sb);
        int slotId = Space.slotId(3, 5);
        SlotLayout.Place p = layout.place(slotId, 32 * MIB);
        assertEquals(sb.headerTable() + (3 * 256 + 5) * (long) BLOCK, p.first());
        assertEquals(sb.regionBase() + 3 * sb.regionBytes() + 5 * 32 * MIB, p.rest());
        assertEquals(p.rest(), p.payload(BLOCK), "a short key's payload starts the slot");
        assertEquals(p.rest() + BLOCK, p.payload(2 * BLOCK));
        assertEquals(32 * MIB + BLOCK, layout.imageBytes(32 * MIB));

        MemorySegment image = MemorySegment.ofArray(new byte[3 * BLOCK]);
        List<IoOp> ops = p.write(0, image, IoOp.NO_PLACEMENT);
        assertEquals(2, ops.size());
        assertEquals(p.first(), ops.get(0).offset());
        assertEquals(BLOCK, ops.get(0).length());
        assertEquals(p.rest(), ops.get(1).offset());
        assertEquals(2 * BLOCK, ops.get(1).length());
        assertEquals(List.of(new IoOp(IoOp.Kind.READ, p.rest() + BLOCK, image.asSlice(0, BLOCK))),
                p.read(2 * BLOCK, image.asSlice(0, BLOCK)), "image bytes past the first block are in the slot");
        assertEquals(1, p.read(0, image.asSlice(0, BLOCK)).size(), "the first block alone");
    }

    @Test
    void smallSlotsAndOldStoresKeepTheWholeImageInTheSlot() throws IOException {
        Superblock sb = plan(4L << 30, 256 * MIB, Superblock.VERSION);
        SlotLayout.Place small = SlotLayout.of(sb).place(Space.slotId(1, 7), 64 * 1024);
        long slot = sb.regionBase() + sb.regionBytes() + 7 * 64 * 1024;
        assertEquals(slot, small.first());
        assertEquals(slot + BLOCK, small.rest());
        MemorySegment image = MemorySegment.ofArray(new byte[4 * BLOCK]);
        assertEquals(List.of(IoOp.write(slot, image)), small.write(0, image, IoOp.NO_PLACEMENT), "one write");

        Superblock v2 = plan(4L << 30, 256 * MIB, 2);
        SlotLayout.Place old = SlotLayout.of(v2).place(Space.slotId(1, 2), 32 * MIB + BLOCK);
        assertEquals(v2.regionBase() + v2.regionBytes() + 2 * (32 * MIB + BLOCK), old.first());
        assertEquals(old.first() + BLOCK, old.rest());
        assertEquals(32 * MIB + BLOCK, SlotLayout.of(v2).imageBytes(32 * MIB + BLOCK));
    }

    @Test
    void aSuperblockWithItsHeaderTableRoundTrips() throws IOException {
        Superblock sb = plan(1L << 30, 8 * MIB, Superblock.VERSION);
        MemorySegment block = MemorySegment.ofArray(new byte[BLOCK]);
        sb.encode(block);
        assertNull(Superblock.problem(block));
        assertEquals(sb, Superblock.decode(block));
    }
}
