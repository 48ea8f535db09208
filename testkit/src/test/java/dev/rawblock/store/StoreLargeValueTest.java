package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.IoOp;
import dev.rawblock.testkit.device.FaultInjectingDevice;
import dev.rawblock.testkit.store.StoreFixture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.rawblock.store.PutResult.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The large-slot layout ({@link SlotLayout}): a slot of 1 MiB or more holds exactly its value, its
 * header in the header table; everything a slot does (put, streamed put, load, streamed read,
 * overwrite, delete, listing, recovery, fsck) works the same, and older stores keep their layout.
 */
class StoreLargeValueTest extends StoreFixture {
    /** A key too long for one header block: its header takes a second block, at the slot's start. */
    private static final String LONG_KEY = "L".repeat(5000);

    private StoreStats.ClassStats classOf(long slotBytes) {
        return store.stats().classes().stream().filter(c -> c.slotBytes() == slotBytes).findFirst().orElse(null);
    }

    /** Native, aligned memory holding {@code bytes(seed, size)}: a put from it goes without a copy. */
    private static MemorySegment nativeValue(Arena arena, long seed, int size) {
        return arena.allocate(size, 4096).copyFrom(value(seed, size));
    }

    private PutResult put(String key, MemorySegment value, PutMode mode) {
        return store.putMany(List.of(key(key)), List.of(value), mode)[0];
    }

    /** Loads into native, aligned memory: the payload comes without a copy. */
    private byte[] loadDirect(Arena arena, String key, int room) {
        MemorySegment dst = arena.allocate(room, 4096);
        long n = store.loadMany(List.of(key(key)), List.of(dst))[0];
        return n < 0 ? null : dst.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    }

    private byte[] stream(String key, byte[] value, PutMode mode) {
        int piece = 256 * 1024;
        try (Arena arena = Arena.ofShared(); PutStream s = store.beginPut(key(key), value.length, mode, 0)) {
            assertNull(s.refusal());
            for (long from = 0; from < value.length; from += piece) {
                int n = (int) Math.min(piece, value.length - from);
                MemorySegment p = arena.allocate((n + 4095) / 4096 * 4096, 4096);
                MemorySegment.copy(MemorySegment.ofArray(value), from, p, 0, n);
                s.write(from, p).join();
            }
            assertEquals(STORED, s.commit());
        }
        return value;
    }

    /** Reads a value with a {@link ValueReader}, in pieces; null when it misses or fails its check. */
    private byte[] readStreamed(String key) {
        try (ValueReader r = store.openReader(key(key)); Arena arena = Arena.ofConfined()) {
            if (r == null || !r.headerMatches()) return null;
            byte[] out = new byte[(int) r.length()];
            int piece = 128 * 1024;
            MemorySegment buf = arena.allocate(piece, 4096);
            for (long from = 0; from < r.length(); from += piece) {
                int n = (int) Math.min(piece, r.length() - from);
                r.read(from, buf.asSlice(0, (n + 4095) / 4096 * 4096)).join();
                r.check(buf.asSlice(0, n));
                // The last piece arrives once finish() has vouched for the checksum.
                if (from + n == r.length() && !r.finish()) return null;
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, out, (int) from, n);
            }
            return out;
        }
    }

    private void flipByte(long offset) {
        long at = offset / 4096 * 4096;
        try (var buf = raw.buffers().allocate(4096)) {
            raw.submit(List.of(IoOp.read(at, buf.segment()))).getFirst().join();
            int i = (int) (offset - at);
            buf.segment().set(ValueLayout.JAVA_BYTE, i, (byte) ~buf.segment().get(ValueLayout.JAVA_BYTE, i));
            raw.submit(List.of(IoOp.write(at, buf.segment()))).getFirst().join();
        }
    }

    /** Where the header of slot {@code slot} of region {@code region} is, in a store with a header table. */
    private long headerBlock(int region, int slot) {
        Superblock sb = store.superblock();
        return sb.headerTable() + (region * SlotLayout.headersPerRegion(sb.regionBytes()) + slot) * sb.blockBytes();
    }

    private long slotStart(int region, int slot, long slotBytes) {
        Superblock sb = store.superblock();
        return sb.regionBase() + region * sb.regionBytes() + slot * slotBytes;
    }

    private long readLong(long offset) {
        try (var buf = raw.buffers().allocate(4096)) {
            raw.submit(List.of(IoOp.read(offset, buf.segment()))).getFirst().join();
            return buf.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        }
    }

    @Test
    void powerOfTwoValuesFillTheirSlotsExactly() throws IOException {
        open(capacityFor(2, 256 * MIB), 256 * MIB, StoreOptions.defaults());
        assertEquals(3, store.superblock().version());
        assertEquals(256 * MIB, store.maxValueBytes(), "the largest value is a whole region");
        try (Arena arena = Arena.ofShared()) {
            MemorySegment chunk = arena.allocate(64 * MIB, 4096);
            for (int i = 0; i < 8; i++) {
                chunk.asSlice(0, 32 * MIB).fill((byte) i);
                chunk.set(ValueLayout.JAVA_LONG_UNALIGNED, 100, 1000 + i);
                assertEquals(STORED, put("c32-" + i, chunk.asSlice(0, 32 * MIB), PutMode.FIRST));
            }
            StoreStats.ClassStats c32 = classOf(32 * MIB);
            assertNotNull(c32, store.stats().classes().toString());
            assertEquals(8, c32.usedSlots(), "a 256 MiB region holds eight 32 MiB values");
            assertEquals(8, c32.totalSlots(), "in one region");
            for (int i = 0; i < 4; i++) {
                chunk.fill((byte) (50 + i));
                assertEquals(STORED, put("c64-" + i, chunk, PutMode.FIRST));
            }
            StoreStats.ClassStats c64 = classOf(64 * MIB);
            assertEquals(4, c64.usedSlots());
            assertEquals(4, c64.totalSlots(), "and four 64 MiB values");
            assertEquals(2, store.stats().classes().size(), store.stats().classes().toString());
            assertEquals(12, store.stats().entries());
            store.close();
            store = Store.open(device, StoreOptions.defaults());
            for (int i = 0; i < 8; i++) {
                byte[] got = loadDirect(arena, "c32-" + i, (int) (32 * MIB));
                assertNotNull(got, "c32-" + i);
                assertEquals(32 * MIB, got.length);
                assertEquals((byte) i, got[0]);
                assertEquals(1000 + i, MemorySegment.ofArray(got).get(ValueLayout.JAVA_LONG_UNALIGNED, 100));
                assertEquals((byte) i, got[got.length - 1]);
            }
            byte[] big = load("c64-3");
            assertEquals(64 * MIB, big.length, "loaded through a staging buffer too");
            assertEquals((byte) 53, big[12345]);
        }
        assertNoLeak();
    }

    @Test
    void theHeaderIsInTheTableAndThePayloadAtTheSlotStart() throws IOException {
        open(96 * MIB, 8 * MIB, StoreOptions.defaults());
        Superblock sb = store.superblock();
        assertTrue(sb.headerTable() >= sb.metaOffset() + sb.metaBytes() && sb.headerTable() + sb.headerTableBytes() <= sb.regionBase());
        byte[] v = bytes(1, 2 << 20);
        assertEquals(STORED, put("two", v));
        assertEquals(SlotHeader.MAGIC, readLong(headerBlock(0, 0)), "the header is in the table");
        assertEquals(MemorySegment.ofArray(v).get(ValueLayout.JAVA_LONG_UNALIGNED, 0), readLong(slotStart(0, 0, 2 << 20)),
                "the payload starts the slot");
        assertNotNull(classOf(2 << 20), "a 2 MiB slot");
    }

    @Test
    void everyPathWorksOnLargeSlots() throws IOException {
        open(128 * MIB, 8 * MIB, StoreOptions.defaults());
        Map<String, byte[]> expect = new HashMap<>();
        try (Arena arena = Arena.ofShared()) {
            // Staged, zero-copy and streamed puts; sizes at the boundary of the large slots.
            expect.put("staged", bytes(1, 3 * (1 << 20) + 17));
            assertEquals(STORED, put("staged", expect.get("staged")));
            expect.put("direct", bytes(2, 2 << 20));
            assertEquals(STORED, put("direct", nativeValue(arena, 2, 2 << 20), PutMode.FIRST));
            expect.put("streamed", stream("streamed", bytes(3, (1 << 20) + 1), PutMode.FIRST));
            expect.put("under", bytes(4, (1 << 20) - 4096)); // a block less: its slot of 1 MiB is large all the same
            assertEquals(STORED, put("under", expect.get("under")));
            expect.put(LONG_KEY, bytes(5, 2 << 20));
            assertEquals(STORED, put(LONG_KEY, nativeValue(arena, 5, 2 << 20), PutMode.FIRST));
            expect.put("small", bytes(6, 5000));
            assertEquals(STORED, put("small", expect.get("small")));
            checkAll(arena, expect);

            // Overwrite: a large value by a larger and by a smaller one, streamed and not.
            expect.put("staged", stream("staged", bytes(7, 5 << 20), PutMode.REPLACE));
            expect.put("direct", bytes(8, 300_000));
            assertEquals(STORED, put("direct", nativeValue(arena, 8, 300_000), PutMode.REPLACE));
            expect.put("small", bytes(9, 1 << 20));
            assertEquals(STORED, put("small", MemorySegment.ofArray(expect.get("small")), PutMode.REPLACE));
            expect.put(LONG_KEY, stream(LONG_KEY, bytes(10, 3 << 20), PutMode.REPLACE));
            checkAll(arena, expect);

            assertArrayEquals(new boolean[] {true, true}, store.deleteMany(keys("under", "streamed"), false));
            expect.remove("under");
            expect.remove("streamed");
            assertNull(load("under"));
            assertNull(readStreamed("streamed"));
            checkAll(arena, expect);

            List<String> listed = new ArrayList<>();
            store.forEachKey((k, length) -> {
                listed.add(new String(k));
                assertEquals(expect.get(new String(k)).length, length);
            });
            assertEquals(expect.keySet(), new java.util.HashSet<>(listed), "keys come from the table's headers");
            assertEquals(expect.size(), listed.size());

            store.close();
            store = Store.open(device, StoreOptions.defaults());
            checkAll(arena, expect);
        }
        assertEquals(0, store.stats().checksumFailures());
        assertEquals(0, store.verify(false, n -> { }).errors());
        assertNoLeak();
    }

    /** Every key holds its value, by a staged load, a zero-copy load and a streamed read. */
    private void checkAll(Arena unused, Map<String, byte[]> expect) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment dst = arena.allocate(6 << 20, 4096);
            for (Map.Entry<String, byte[]> e : expect.entrySet()) {
                String name = e.getKey().substring(0, Math.min(10, e.getKey().length()));
                assertArrayEquals(e.getValue(), load(e.getKey()), "staged load of " + name);
                long n = store.loadMany(List.of(key(e.getKey())), List.of(dst))[0];
                assertEquals(e.getValue().length, n, "zero-copy load of " + name);
                assertEquals(-1, MemorySegment.ofArray(e.getValue()).mismatch(dst.asSlice(0, n)), "zero-copy load of " + name);
                assertArrayEquals(e.getValue(), readStreamed(e.getKey()), "streamed read of " + name);
            }
        }
    }

    @Test
    void acknowledgedLargeValuesSurviveACrash() throws IOException {
        open(128 * MIB, 8 * MIB, StoreOptions.defaults());
        Map<String, byte[]> expect = new HashMap<>();
        try (Arena arena = Arena.ofShared()) {
            store.checkpoint();
            for (int i = 0; i < 6; i++) {
                byte[] v = bytes(i, (1 << 20) * (1 + i % 3) + (i % 2) * 4096 * 3);
                expect.put("k" + i, v);
                assertEquals(STORED, i % 2 == 0 ? put("k" + i, v) : put("k" + i, nativeValue(arena, i, v.length), PutMode.FIRST));
            }
            expect.put(LONG_KEY, stream(LONG_KEY, bytes(20, 2 << 20), PutMode.FIRST));
            store.checkpoint(); // some from the checkpoint, the rest from the journal
            expect.put("k1", stream("k1", bytes(21, 4 << 20), PutMode.REPLACE));
            assertEquals(STORED, put("k2", MemorySegment.ofArray(bytes(22, 1 << 20)), PutMode.REPLACE));
            expect.put("k2", bytes(22, 1 << 20));
            store.deleteMany(keys("k3"), false);
            expect.remove("k3");
            expect.put("late", bytes(23, 2 << 20));
            assertEquals(STORED, put("late", expect.get("late")));

            for (long seed = 1; seed <= 3; seed++) {
                device.crash(seed);
                try {
                    store.close();
                } catch (IOException expected) {
                    // the final checkpoint cannot reach a crashed device
                }
                device.revive();
                store = Store.open(device, StoreOptions.defaults());
                assertTrue(store.recoverySummary().contains(" 0 dropped"), store.recoverySummary());
                checkAll(arena, expect);
                assertArrayEquals(new boolean[] {false}, store.existsMany(keys("k3"), false), "a delete stays");
            }
        }
        assertEquals(0, store.verify(false, n -> { }).errors());
        assertNoLeak();
    }

    @Test
    void fsckFindsACorruptHeaderAndACorruptPayloadOfLargeValues() throws IOException {
        open(96 * MIB, 8 * MIB, StoreOptions.defaults());
        assertEquals(STORED, put("head", bytes(1, 2 << 20)));
        assertEquals(STORED, put("body", bytes(2, 2 << 20)));
        assertEquals(STORED, put("fine", bytes(3, 2 << 20)));
        flipByte(headerBlock(0, 0) + 65); // a byte of the key "head"
        flipByte(slotStart(0, 1, 2 << 20) + 12345);
        Store.VerifyReport report = store.verify(false, n -> { });
        assertEquals(3, report.entries());
        assertEquals(2, report.errors(), report.problems().toString());
        String problems = String.join("\n", report.problems());
        assertTrue(problems.contains("header checksum mismatch"), problems);
        assertTrue(problems.contains("key \"body\"") && problems.contains("payload checksum mismatch"), problems);
        assertNull(load("head"), "a load refuses it too");
        assertNull(readStreamed("body"), "and a streamed read");
        assertArrayEquals(bytes(3, 2 << 20), load("fine"));
        assertEquals(2, store.stats().checksumFailures());
        assertEquals(0, store.verify(true, n -> { }).errors(), "the loads dropped both");
        assertNoLeak();
    }

    @Test
    void fsckRepairDropsTheBadLargeEntries() throws IOException {
        open(96 * MIB, 8 * MIB, StoreOptions.defaults());
        assertEquals(STORED, put("head", bytes(1, 1 << 20)));
        assertEquals(STORED, put("body", bytes(2, 1 << 20)));
        flipByte(headerBlock(0, 0) + 30); // a byte of its sequence number
        flipByte(slotStart(0, 1, 1 << 20) + (1 << 20) - 1);
        Store.VerifyReport report = store.verify(true, n -> { });
        assertEquals(2, report.errors(), report.problems().toString());
        assertEquals(2, report.repaired());
        assertEquals(0, store.stats().entries());
        assertNoLeak();
    }

    @Test
    void aVersionTwoStoreOpensAndKeepsItsInlineLayout() throws IOException {
        raw = BlockDevice.open(DeviceOptions.of(dir.resolve("v2.img")).withCreateSize(96 * MIB).withArenaBytes(16 * MIB));
        device = new FaultInjectingDevice(raw);
        Superblock formatted = StoreFormat.format(device, new FormatOptions(0, 8 * MIB, 0), 2);
        assertEquals(0, formatted.headerTableBytes(), "no header table");
        store = Store.open(device, StoreOptions.defaults());
        assertEquals(2, store.superblock().version());
        assertEquals(8 * MIB - 4096, store.maxValueBytes(), "a region less its header block");
        byte[] v = bytes(1, 2 << 20);
        assertEquals(STORED, put("two", v));
        assertEquals(TOO_LARGE, put("region", bytes(2, (int) (8 * MIB))));
        long slotBytes = store.stats().classes().getFirst().slotBytes();
        assertTrue(slotBytes > 2 << 20, "the header is inline: more than 2 MiB of slot, got " + slotBytes);
        assertEquals(SlotHeader.MAGIC, readLong(store.superblock().regionBase()), "the slot starts with its header");
        stream("streamed", bytes(3, 3 << 20), PutMode.FIRST);
        device.crash(7);
        try {
            store.close();
        } catch (IOException expected) {
            // a crashed device
        }
        device.revive();
        store = Store.open(device, StoreOptions.defaults());
        assertArrayEquals(v, load("two"));
        assertArrayEquals(bytes(3, 3 << 20), readStreamed("streamed"));
        assertEquals(0, store.verify(false, n -> { }).errors());
        assertNoLeak();
    }
}
