package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.IoBuffer;
import dev.rawblock.device.IoOp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints alone on a real file: a round trip of any size, the two copies, and every kind of damage to one. */
class CheckpointTest {
    private static final int BLOCK = 4096;
    private static final long STORE_ID = 0xC0FFEEL;
    /** Enough entries that the payload crosses the writer's 4 MiB buffer more than once. */
    private static final int MAX_ENTRIES = 300_000;

    @TempDir
    Path dir;

    private BlockDevice device;
    private MetadataLayout layout;

    @BeforeEach
    void open() throws IOException {
        long copy = MetadataLayout.copyBytes(BLOCK, MAX_ENTRIES, MetadataLayout.ENTRY_BYTES);
        layout = new MetadataLayout(BLOCK, BLOCK + copy, copy, BLOCK + 2 * copy, BLOCK, MetadataLayout.ENTRY_BYTES);
        device = BlockDevice.open(DeviceOptions.of(dir.resolve("checkpoint.img")).withCreateSize(2 * BLOCK + 2 * copy)
                .withArenaBytes(16 << 20));
    }

    @AfterEach
    void close() throws IOException {
        device.close();
    }

    /** The checkpoint size a superblock tells its callers (bench recovery reports it) is what a writer writes. */
    @Test
    void superblockFiguresAreWhatAWriterWrites() throws IOException {
        Superblock sb = StoreFormat.plan(4L << 30, BLOCK, FormatOptions.defaults());
        assertEquals(MetadataLayout.ENTRY_BYTES, sb.checkpointEntryBytes());
        int entries = 1000;
        try (Checkpoint.Writer w = new Checkpoint.Writer(device, new IoTracker(device, Placement.of(device, PlacementPolicy.OFF), 0), layout, BLOCK, 1)) {
            for (int r = 0; r < sb.regionCount(); r++) w.region(r % 2 == 0 ? 0 : 1L << 20);
            for (int e = 0; e < entries; e++) w.entry(e + 1, e, e, 4096, e % 3 == 0 ? 0 : 1L << 40);
            assertEquals(sb.checkpointPayloadBytes(entries), w.payloadBytes());
            w.finish(1, 1000, 5000, sb.regionCount(), STORE_ID);
        }
    }

    /** What a test wrote: regions' slot sizes and entries (packed as an Image holds them). */
    private record Written(long[] regions, long[] entries) {}

    private Written write(MetadataLayout layout, long seq, int regions, int entries, long seed) throws IOException {
        Random rnd = new Random(seed);
        long[] regionBytes = new long[regions];
        long[] packed = new long[entries * Checkpoint.PACKED];
        try (Checkpoint.Writer w = new Checkpoint.Writer(device, new IoTracker(device, Placement.of(device, PlacementPolicy.OFF), 0), layout, BLOCK, seq)) {
            for (int r = 0; r < regions; r++) {
                regionBytes[r] = rnd.nextInt(4) == 0 ? 0 : (1 + rnd.nextInt(64)) * (long) BLOCK;
                w.region(regionBytes[r]);
            }
            for (int e = 0; e < entries; e++) {
                long hi = rnd.nextLong(), lo = rnd.nextLong(), expires = layout.entryBytes() == MetadataLayout.ENTRY_BYTES
                        && rnd.nextBoolean() ? rnd.nextLong(1L << 45) : 0;
                int slot = rnd.nextInt(), length = rnd.nextInt();
                w.entry(hi, lo, slot, Integer.toUnsignedLong(length), expires);
                packed[e * 4] = hi;
                packed[e * 4 + 1] = lo;
                packed[e * 4 + 2] = (long) slot << 32 | Integer.toUnsignedLong(length);
                packed[e * 4 + 3] = expires;
            }
            assertEquals(entries, w.entries());
            assertEquals(regions * 8L + (long) entries * layout.entryBytes(), w.payloadBytes());
            w.finish(seq, 1000 + seq, 5000 + seq, regions, STORE_ID);
        }
        return new Written(regionBytes, packed);
    }

    /**
     * The entries read back are the ones written, in the index's order: by the top bits of their
     * hash, so that recovery inserts them into the index front to back.
     */
    private static void assertSameEntries(long[] written, long[] read) {
        assertEquals(packed(written).stream().sorted().toList(), packed(read).stream().sorted().toList());
        for (int k = Checkpoint.PACKED; k < read.length; k += Checkpoint.PACKED) {
            long before = KeyIndex.hash(read[k - Checkpoint.PACKED], read[k - Checkpoint.PACKED + 1]) >>> (Long.SIZE - Checkpoint.ORDER_BITS);
            long here = KeyIndex.hash(read[k], read[k + 1]) >>> (Long.SIZE - Checkpoint.ORDER_BITS);
            assertTrue(before <= here, "entry " + k / Checkpoint.PACKED + " is out of index order");
        }
    }

    private static List<String> packed(long[] entries) {
        List<String> out = new ArrayList<>();
        for (int k = 0; k < entries.length; k += Checkpoint.PACKED) {
            out.add(Arrays.toString(Arrays.copyOfRange(entries, k, k + Checkpoint.PACKED)));
        }
        return out;
    }

    private Checkpoint.Image read(List<String> problems) throws IOException {
        return Checkpoint.read(device, layout, BLOCK, STORE_ID, problems);
    }

    @Test
    void whatIsWrittenIsReadBackAcrossManyBufferfuls() throws IOException {
        Written w = write(layout, 1, 1000, MAX_ENTRIES, 7);
        List<String> problems = new ArrayList<>();
        Checkpoint.Image image = read(problems);
        assertEquals(List.of(), problems, "the never-written copy B is no problem");
        assertEquals(1, image.seq());
        assertEquals(1001, image.journalFrom());
        assertEquals(5001, image.maxSeq());
        assertArrayEquals(w.regions(), image.regionSlotBytes());
        assertEquals(MAX_ENTRIES, image.entryCount());
        assertSameEntries(w.entries(), image.entries());
    }

    @Test
    void anEmptyCheckpointRoundTrips() throws IOException {
        write(layout, 1, 0, 0, 1);
        Checkpoint.Image image = read(new ArrayList<>());
        assertEquals(0, image.entryCount());
        assertEquals(0, image.regionSlotBytes().length);
    }

    @Test
    void theNewerCopyWinsAndADamagedOneFallsBackToTheOther() throws IOException {
        Written first = write(layout, 1, 10, 500, 1);   // copy A
        Written second = write(layout, 2, 10, 700, 2);  // copy B
        Checkpoint.Image image = read(new ArrayList<>());
        assertEquals(2, image.seq());
        assertSameEntries(second.entries(), image.entries());

        flip(layout.checkpointB() + BLOCK + 100); // B's payload
        List<String> problems = new ArrayList<>();
        image = read(problems);
        assertEquals(1, image.seq(), "falls back to A");
        assertSameEntries(first.entries(), image.entries());
        assertEquals(List.of("checkpoint copy B: payload checksum mismatch"), problems);

        flip(layout.checkpointA() + 20); // A's header (its seq)
        problems.clear();
        assertNull(read(problems), "neither copy is valid");
        assertEquals(List.of("checkpoint copy A: header checksum mismatch", "checkpoint copy B: payload checksum mismatch"),
                problems);
    }

    @Test
    void aTornPayloadIsRefused() throws IOException {
        write(layout, 1, 3, 50_000, 3);
        // The payload's second half never landed (the header did: the order was broken by a device).
        long payload = 3 * 8 + 50_000L * MetadataLayout.ENTRY_BYTES;
        long from = (layout.checkpointA() + BLOCK + payload / 2) / BLOCK * BLOCK;
        long to = layout.checkpointA() + BLOCK + (payload + BLOCK - 1) / BLOCK * BLOCK;
        try (IoBuffer zeros = device.buffers().allocate(to - from)) {
            zeros.segment().fill((byte) 0);
            StoreFormat.await(device.submit(List.of(IoOp.write(from, zeros.segment()))).getFirst(), "tear");
        }
        List<String> problems = new ArrayList<>();
        assertNull(read(problems));
        assertEquals(List.of("checkpoint copy A: payload checksum mismatch"), problems);
    }

    @Test
    void aCopyOfAnotherStoreIsRefused() throws IOException {
        write(layout, 1, 1, 1, 4);
        List<String> problems = new ArrayList<>();
        assertNull(Checkpoint.read(device, layout, BLOCK, STORE_ID + 1, problems));
        assertEquals(List.of("checkpoint copy A: written by another store"), problems);
    }

    @Test
    void aCheckpointThatDoesNotFitItsCopyFails() {
        IOException full = assertThrows(IOException.class, () -> write(layout, 1, 0, MAX_ENTRIES + 5000, 5));
        assertTrue(full.getMessage().contains("does not fit"), full.getMessage());
    }

    @Test
    void versionOneCheckpointsKeepNoExpiryAndAreNeverReadAsVersionTwo() throws IOException {
        long v1Copy = MetadataLayout.copyBytes(BLOCK, 1000, MetadataLayout.V1_ENTRY_BYTES);
        MetadataLayout v1 = new MetadataLayout(BLOCK, BLOCK + v1Copy, v1Copy, BLOCK + 2 * v1Copy, BLOCK,
                MetadataLayout.V1_ENTRY_BYTES);
        Written w = write(v1, 1, 2, 1000, 6); // expiry 0 for every entry in a version 1 store
        Checkpoint.Image image = Checkpoint.read(device, v1, BLOCK, STORE_ID, new ArrayList<>());
        assertSameEntries(w.entries(), image.entries());
        try (Checkpoint.Writer writer = new Checkpoint.Writer(device, new IoTracker(device, Placement.of(device, PlacementPolicy.OFF), 0), v1, BLOCK, 3)) {
            assertThrows(IllegalStateException.class, () -> writer.entry(1, 2, 3, 4, 5));
        }
        // A version 1 copy read as version 2 (or the other way round) is refused, not misread.
        List<String> problems = new ArrayList<>();
        assertNull(Checkpoint.read(device, new MetadataLayout(BLOCK, BLOCK + v1Copy, v1Copy, 0, BLOCK,
                MetadataLayout.ENTRY_BYTES), BLOCK, STORE_ID, problems));
        assertEquals(List.of("checkpoint copy A: unsupported version"), problems);
    }

    private void flip(long offset) throws IOException {
        long start = offset / BLOCK * BLOCK;
        try (IoBuffer buf = device.buffers().allocate(BLOCK)) {
            MemorySegment b = buf.segment();
            StoreFormat.await(device.submit(List.of(IoOp.read(start, b))).getFirst(), "read");
            b.set(JAVA_BYTE, offset - start, (byte) ~b.get(JAVA_BYTE, offset - start));
            StoreFormat.await(device.submit(List.of(IoOp.write(start, b))).getFirst(), "write");
        }
    }
}
