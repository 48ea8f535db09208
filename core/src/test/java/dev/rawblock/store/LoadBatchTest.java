package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loads whose caller sizes its memory from the store's one lookup ({@link Store#get},
 * {@link Store#loadMany(List, Destination)}): the destination is asked once per value found, with
 * that value's length, and what is read into it is that value, whatever happens to the key while
 * the caller allocates.
 */
class LoadBatchTest {
    private static final int STREAM_FROM = 256 * 1024;

    @TempDir
    Path dir;
    private BlockDevice device;
    private Store store;
    private final Arena arena = Arena.ofShared();

    @BeforeEach
    void open() throws IOException {
        device = BlockDevice.open(DeviceOptions.of(dir.resolve("s.img")).withCreateSize(64L << 20).withArenaBytes(8 << 20));
        StoreFormat.format(device, new FormatOptions(0, 4L << 20, 0));
        store = Store.open(device, StoreOptions.defaults());
    }

    /** Set by a test that closes the store itself. */
    private boolean closed;

    @AfterEach
    void close() throws IOException {
        try {
            if (!closed) {
                Store.VerifyReport report = store.verify(false, done -> {});
                assertEquals(0, report.errors(), report.toString());
            }
        } finally {
            store.close();
            device.close();
            arena.close();
        }
    }

    private static byte[] key(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(int length, long seed) {
        byte[] v = new byte[length];
        new Random(seed).nextBytes(v);
        return v;
    }

    private void put(byte[] key, byte[] value, PutMode mode) {
        PutResult r = store.putMany(List.of(key), List.of(MemorySegment.ofArray(value)), mode, null)[0];
        assertTrue(r.stored(), r.toString());
    }

    /** Aligned memory for {@code length} bytes, padded to the block, as a server's buffer is. */
    private MemorySegment buffer(long length) {
        int block = store.superblock().blockBytes();
        return arena.allocate(Math.max(block, (length + block - 1) / block * block), block);
    }

    private static byte[] first(MemorySegment memory, long length) {
        return memory.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Every call the destination got: {index, length}. */
    private final List<long[]> asked = new ArrayList<>();

    private Destination recording(MemorySegment[] into) {
        return (i, length) -> {
            asked.add(new long[] {i, length});
            return into[i] = buffer(length);
        };
    }

    @Test
    void getLoadsASmallValueIntoMemorySizedFromItsLookup() throws InterruptedException {
        byte[] k = key("small"), v = bytes(10_000, 1);
        put(k, v, PutMode.IF_ABSENT);
        MemorySegment[] into = new MemorySegment[1];
        long hits = store.stats().hits();

        GetResult got = store.get(k, STREAM_FROM, recording(into));

        assertTrue(got.loaded());
        assertNull(got.reader());
        assertEquals(v.length, got.length());
        assertEquals(1, asked.size());
        assertArrayEquals(new long[] {0, v.length}, asked.getFirst());
        assertArrayEquals(v, first(into[0], got.length()));
        assertEquals(hits + 1, store.stats().hits());
    }

    @Test
    void getLoadsAnInlineValueEvenWhenEveryValueWouldStream() throws InterruptedException {
        byte[] k = key("tiny"), v = bytes(100, 2);
        put(k, v, PutMode.IF_ABSENT);
        MemorySegment[] into = new MemorySegment[1];

        GetResult got = store.get(k, 0, recording(into));

        assertTrue(got.loaded(), "a value inside its slot header has no pieces to stream");
        assertArrayEquals(v, first(into[0], got.length()));
    }

    @Test
    void getOpensALargeValueForPiecesWithoutAskingForMemory() throws InterruptedException {
        byte[] k = key("large"), v = bytes(STREAM_FROM + 5000, 3);
        put(k, v, PutMode.IF_ABSENT);

        GetResult got = store.get(k, STREAM_FROM, recording(new MemorySegment[1]));

        assertEquals(0, asked.size());
        assertEquals(v.length, got.length());
        try (ValueReader reader = got.reader()) {
            assertNotNull(reader);
            assertTrue(reader.headerMatches());
            MemorySegment piece = buffer(v.length);
            reader.read(0, piece).join();
            reader.check(piece.asSlice(0, v.length));
            assertTrue(reader.finish());
            assertArrayEquals(v, first(piece, v.length));
        }
    }

    @Test
    void getOfAMissingKeyAsksNothingAndCountsAMiss() throws InterruptedException {
        long misses = store.stats().misses();

        GetResult got = store.get(key("absent"), STREAM_FROM, recording(new MemorySegment[1]));

        assertEquals(Store.MISS, got.length());
        assertNull(got.reader());
        assertEquals(0, asked.size());
        assertEquals(misses + 1, store.stats().misses());
    }

    /**
     * The race a length-then-load had to look again for: the key is replaced by a larger value and
     * then deleted while the caller allocates. The read still gives the value whose length it was
     * asked for (its slot stays leased), never a cut or mixed one; the next get sees the change.
     */
    @Test
    void aReplaceAndADeleteWhileTheCallerAllocatesDoNotReachTheRead() throws InterruptedException {
        byte[] k = key("raced"), old = bytes(20_000, 4), larger = bytes(90_000, 5);
        put(k, old, PutMode.IF_ABSENT);
        MemorySegment[] into = new MemorySegment[1];

        GetResult got = store.get(k, STREAM_FROM, (i, length) -> {
            put(k, larger, PutMode.REPLACE);
            assertTrue(store.deleteMany(List.of(k), true)[0]);
            put(key("reuser"), bytes(20_000, 6), PutMode.IF_ABSENT); // may not take the leased slot
            return into[0] = buffer(length);
        });

        assertTrue(got.loaded());
        assertArrayEquals(old, first(into[0], got.length()));
        assertEquals(Store.MISS, store.get(k, STREAM_FROM, recording(new MemorySegment[1])).length());
        put(k, larger, PutMode.IF_ABSENT);
        GetResult again = store.get(k, STREAM_FROM, recording(into));
        assertArrayEquals(larger, first(into[0], again.length()));
    }

    @Test
    void loadManyLeavesOutWhatTheDestinationDeclinesAndLoadsTheRest() throws InterruptedException {
        List<byte[]> keys = List.of(key("a"), key("b"), key("missing"), key("c"));
        byte[][] values = {bytes(3000, 7), bytes(70_000, 8), null, bytes(5000, 9)};
        for (int i = 0; i < keys.size(); i++) if (values[i] != null) put(keys.get(i), values[i], PutMode.IF_ABSENT);
        MemorySegment[] into = new MemorySegment[keys.size()];

        long[] got = store.loadMany(keys, (i, length) -> length > 10_000 ? null : (into[i] = buffer(length)));

        assertEquals(3000, got[0]);
        assertEquals(Store.DESTINATION_TOO_SMALL, got[1]);
        assertEquals(Store.MISS, got[2]);
        assertEquals(5000, got[3]);
        assertArrayEquals(values[0], first(into[0], got[0]));
        assertArrayEquals(values[3], first(into[3], got[3]));
        assertNull(into[1]);
    }

    /**
     * A caller interrupted while it allocates gets the interrupt, and the slots leased for it are
     * given back: deleting the keys frees their space (a leaked lease would keep it parked).
     */
    @Test
    void anInterruptedDestinationGivesTheLeasesBack() throws InterruptedException {
        List<byte[]> keys = List.of(key("x"), key("y"));
        for (byte[] k : keys) put(k, bytes(40_000, k[0]), PutMode.IF_ABSENT);
        long usedBefore = store.stats().usedSlotBytes();

        assertThrows(InterruptedException.class, () -> store.loadMany(keys, (i, length) -> {
            throw new InterruptedException("stop");
        }));
        assertThrows(InterruptedException.class, () -> store.get(keys.getFirst(), STREAM_FROM, (i, length) -> {
            throw new InterruptedException("stop");
        }));

        assertTrue(usedBefore > 0);
        store.deleteMany(keys, true);
        assertEquals(0, store.stats().usedSlotBytes());
    }

    /**
     * The caller's wait for memory is not an operation of the store: a close during it goes ahead
     * (it would wait for the caller forever here, on the caller's own thread), and the load then
     * fails as any call on a closed store does.
     */
    @Test
    @Timeout(30)
    void aCloseWhileTheCallerAllocatesGoesAheadAndTheLoadFails() {
        byte[] k = key("closing");
        put(k, bytes(30_000, 10), PutMode.IF_ABSENT);

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.get(k, STREAM_FROM, (i, length) -> {
            try {
                store.close();
            } catch (IOException io) {
                throw new UncheckedIOException(io);
            }
            closed = true;
            return buffer(length);
        }));

        assertTrue(closed);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
