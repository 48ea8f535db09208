package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.MemberHeader;
import dev.rawblock.device.SpanDevice;
import dev.rawblock.testkit.device.LoopDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.*;

/** A store over several files: spread, round trips, reopening in any order, and refusing the wrong members. */
class SpanStoreTest {
    private static final long MIB = 1 << 20;
    private static final long MEMBER_BYTES = 64 * MIB;

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
    }

    private List<BlockDevice> devices(String set, int n) throws IOException {
        List<BlockDevice> devices = new ArrayList<>();
        for (int i = 0; i < n; i++) devices.add(device(dir.resolve(set + i + ".img")));
        return devices;
    }

    private BlockDevice device(Path path) throws IOException {
        return BlockDevice.open(DeviceOptions.of(path).withCreateSize(MEMBER_BYTES).withArenaBytes(16 * MIB));
    }

    private List<BlockDevice> reopen(String set, int n) throws IOException {
        List<BlockDevice> devices = new ArrayList<>();
        for (int i = 0; i < n; i++) devices.add(BlockDevice.open(DeviceOptions.of(dir.resolve(set + i + ".img"))));
        return devices;
    }

    private Store store(BlockDevice device) throws IOException {
        Store s = Store.openOwning(device, StoreOptions.defaults());
        open.add(s);
        return s;
    }

    private static byte[] key(int i) {
        return ("chunk-" + i).getBytes(StandardCharsets.UTF_8);
    }

    private static MemorySegment value(int i, int length) {
        byte[] bytes = new byte[length];
        new Random(i).nextBytes(bytes);
        return MemorySegment.ofArray(bytes);
    }

    private static int length(int i) {
        return (16 << 10) << new Random(i).nextInt(3); // 16, 32 or 64 KiB: chunks come in a few shapes
    }

    @Test
    void spreadsValuesOverThreeMembersAndReadsThemBackAfterReopeningInAnyOrder() throws IOException {
        SpanDevice span = StoreFormat.formatSpan(devices("a", 3), new FormatOptions(0, 4 * MIB, 0), PlacementPolicy.AUTO);
        Store store = store(span);
        Superblock sb = store.superblock();
        assertEquals(0, sb.regionCount() % 3, "whole rounds of regions");
        assertEquals(sb.regionBase(), span.header().headBytes());
        int keys = 1000;
        for (int i = 0; i < keys; i += 10) {
            List<byte[]> k = new ArrayList<>();
            List<MemorySegment> v = new ArrayList<>();
            for (int j = i; j < i + 10; j++) {
                k.add(key(j));
                v.add(value(j, length(j)));
            }
            for (PutResult r : store.putMany(k, v)) assertEquals(PutResult.STORED, r);
        }
        StoreStats stats = store.stats();
        assertEquals(3, stats.members().size());
        long total = 0;
        for (StoreStats.MemberStats m : stats.members()) total += m.valueBytes();
        assertEquals(stats.payloadBytes(), total, "the members' value bytes add up");
        for (StoreStats.MemberStats m : stats.members()) {
            double share = (double) m.valueBytes() / total;
            assertTrue(share >= 0.20 && share <= 0.45, m.path() + " holds " + share + " of the bytes");
            assertTrue(m.bytesWritten() >= m.valueBytes(), m.path() + " wrote its values");
        }
        store.close();
        open.clear();

        List<BlockDevice> shuffled = reopen("a", 3);
        Collections.shuffle(shuffled, new Random(7));
        Store again = store(StoreFormat.openSet(shuffled));
        assertEquals(keys, again.stats().entries());
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < keys; i++) {
                MemorySegment into = arena.allocate(length(i));
                assertEquals(length(i), again.loadMany(List.of(key(i)), List.of(into))[0], "key " + i);
                assertEquals(-1, into.mismatch(value(i, length(i))), "bytes of key " + i);
            }
        }
        assertEquals(dir.resolve("a0.img").toString(), again.stats().members().getFirst().path(),
                "members are reported in their places, whatever order they were given in");
        assertEquals(0, again.verify(false, n -> {}).errors());
    }

    /** Three loop devices (as root; skipped with the reason elsewhere): round trip, and again after reopening. */
    @Test
    void roundTripsOnThreeLoopDevices() throws IOException {
        List<LoopDevice> loops = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) loops.add(LoopDevice.create(dir.resolve("backing" + i + ".img"), MEMBER_BYTES, 0, false));
        } catch (LoopDevice.Unavailable e) {
            for (LoopDevice l : loops) l.close();
            System.out.println("SKIPPED " + getClass().getSimpleName() + " loop-device case: " + e.getMessage());
            Assumptions.abort("no loop device: " + e.getMessage());
        }
        try {
            List<BlockDevice> devices = new ArrayList<>();
            for (LoopDevice l : loops) devices.add(BlockDevice.open(DeviceOptions.of(l.path()).withArenaBytes(16 * MIB)));
            int keys = 60;
            try (Store store = Store.openOwning(StoreFormat.formatSpan(devices, new FormatOptions(0, 4 * MIB, 0),
                    PlacementPolicy.AUTO), StoreOptions.defaults())) {
                for (int i = 0; i < keys; i++) assertEquals(PutResult.STORED, store.putMany(List.of(key(i)), List.of(value(i, length(i))))[0]);
                for (StoreStats.MemberStats m : store.stats().members()) assertTrue(m.valueBytes() > 0, m.toString());
            }
            List<BlockDevice> again = new ArrayList<>();
            for (LoopDevice l : loops.reversed()) again.add(BlockDevice.open(DeviceOptions.of(l.path())));
            try (Store store = Store.openOwning(StoreFormat.openSet(again), StoreOptions.defaults());
                 Arena arena = Arena.ofConfined()) {
                assertEquals(keys, store.stats().entries());
                for (int i = 0; i < keys; i++) {
                    MemorySegment into = arena.allocate(length(i));
                    assertEquals(length(i), store.loadMany(List.of(key(i)), List.of(into))[0]);
                    assertEquals(-1, into.mismatch(value(i, length(i))), "bytes of key " + i);
                }
                assertEquals(0, store.verify(false, n -> {}).errors());
            }
        } finally {
            for (LoopDevice l : loops) l.close();
        }
    }

    @Test
    void refusesAForeignAMissingAnExtraAndARepeatedMember() throws IOException {
        StoreFormat.formatSpan(devices("a", 2), FormatOptions.defaults(), PlacementPolicy.AUTO).close();
        StoreFormat.formatSpan(devices("b", 2), FormatOptions.defaults(), PlacementPolicy.AUTO).close();
        Path a0 = dir.resolve("a0.img"), a1 = dir.resolve("a1.img"), b1 = dir.resolve("b1.img");
        Path empty = dir.resolve("empty.img");

        String foreign = refusal(a0, b1);
        assertTrue(foreign.startsWith(b1 + " is member 1 of 2"), foreign);
        assertTrue(foreign.contains("not a member of set"), foreign);

        String missing = refusal(a1);
        assertTrue(missing.contains("has 2 members but 1 were given: member 0 is missing"), missing);

        String extra = refusal(a0, a1, empty);
        assertEquals(empty + " is not a member of a rawblock store over several devices: it is all zero", extra);

        Path copy = dir.resolve("copy-of-a0.img");
        Files.copy(a0, copy);
        String twice = refusal(a0, copy);
        assertTrue(twice.equals(a0 + " and " + copy + " are both member 0 of 2 (formatted as " + a0 + ") of set "
                + twice.substring(twice.lastIndexOf(' ') + 1)), twice);
        Files.delete(copy);

        try (BlockDevice one = BlockDevice.open(DeviceOptions.of(a1))) {
            IOException alone = assertThrows(IOException.class, () -> Store.open(one, StoreOptions.defaults()));
            assertTrue(alone.getMessage().startsWith(a1 + " is member 1 of 2 (formatted as " + a1 + ") of the span rawblock store"),
                    alone.getMessage());
            assertTrue(alone.getMessage().endsWith("give every member, each with --path"), alone.getMessage());
        }
        // Nothing was written by the refusals: the set still opens.
        try (Store s = Store.openOwning(StoreFormat.openSet(reopen("a", 2)), StoreOptions.defaults())) {
            assertEquals(0, s.stats().entries());
        }
    }

    /** The message opening a span of {@code paths} fails with; every device is closed again. */
    private String refusal(Path... paths) throws IOException {
        List<BlockDevice> devices = new ArrayList<>();
        for (Path p : paths) devices.add(Files.exists(p) ? BlockDevice.open(DeviceOptions.of(p)) : device(p));
        try {
            IOException e = assertThrows(IOException.class, () -> StoreFormat.openSet(devices));
            return e.getMessage();
        } finally {
            for (BlockDevice d : devices) d.close();
        }
    }

    @Test
    void spanPlansFitTheirMembersForManySizes() throws IOException {
        for (int members = 2; members <= 5; members++) {
            for (long size = 8 * MIB; size <= 40L << 30; size = size * 3 / 2 + MIB) {
                Superblock sb;
                try {
                    sb = StoreFormat.planSpan(members, size, 4096, FormatOptions.defaults());
                } catch (IOException tooSmall) {
                    assertTrue(size < 64 * MIB, "only small members are refused: " + size);
                    continue;
                }
                assertEquals(0, sb.regionCount() % members, members + " x " + size);
                assertEquals(sb.capacity(), sb.regionBase() + (long) sb.regionCount() * sb.regionBytes());
                for (int m = 0; m < members; m++) {
                    assertTrue(SpanDevice.memberBytes(members, m, sb.capacity(), sb.regionBase(), sb.regionBytes()) <= size);
                }
                // Not much is lost to keeping room for the head on every member: at most two regions each.
                long data = (long) sb.regionCount() * sb.regionBytes();
                long shares = members * (size - MemberHeader.DATA_OFFSET - sb.regionBase());
                assertTrue(data >= shares - 2L * members * sb.regionBytes(), members + " x " + size + ": " + sb);
            }
        }
    }

    @Test
    void eachMemberStartsWithItsHeader() throws IOException {
        StoreFormat.formatSpan(devices("a", 2), FormatOptions.defaults(), PlacementPolicy.AUTO).close();
        for (int i = 0; i < 2; i++) {
            byte[] head = new byte[4096];
            try (var in = Files.newInputStream(dir.resolve("a" + i + ".img"))) {
                assertEquals(4096, in.readNBytes(head, 0, 4096));
            }
            MemorySegment block = MemorySegment.ofArray(head);
            assertNull(MemberHeader.problem(block));
            MemberHeader h = MemberHeader.decode(block);
            assertEquals(i, h.index());
            assertEquals(2, h.count());
            assertEquals(MemberHeader.Layout.SPAN, h.layout());
            assertEquals(dir.resolve("a" + i + ".img").toString(), h.formattedPath());
        }
        MemberHeader h = new MemberHeader(1, 2, MemberHeader.Layout.SPAN, 0, 2, 4096, 64 * MIB, MIB, MIB, 0, 0, 0, "x");
        MemorySegment block = MemorySegment.ofArray(new byte[4096]);
        h.encode(block);
        assertEquals(h, MemberHeader.decode(block));
        block.set(JAVA_BYTE, 40, (byte) 3); // the member count
        assertEquals("member header checksum mismatch", MemberHeader.problem(block));
    }
}
