package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.MirrorDevice;
import dev.rawblock.testkit.device.FaultInjectingDevice;
import dev.rawblock.testkit.device.MirrorMembers;
import dev.rawblock.uring.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A store on a mirror: a member whose writes start failing mid-run loses no acknowledged value and
 * leaves the store serving degraded; it stays out of date across a reopen; rebuilding it makes the
 * members equal byte for byte.
 */
class MirrorStoreTest {
    private static final long MIB = 1 << 20;
    private static final long MEMBER_BYTES = 96 * MIB;

    @TempDir
    Path dir;

    private BlockDevice open(String name, boolean create) throws IOException {
        DeviceOptions o = DeviceOptions.of(dir.resolve(name)).withArenaBytes(16 * MIB);
        return BlockDevice.open(create ? o.withCreateSize(MEMBER_BYTES) : o);
    }

    private static byte[] key(int i) {
        return ("chunk-" + i).getBytes(StandardCharsets.UTF_8);
    }

    private static MemorySegment value(int i) {
        byte[] bytes = new byte[(64 << 10) + i % 4 * 4096]; // a few sizes: the store never needs to evict
        new Random(i).nextBytes(bytes);
        return MemorySegment.ofArray(bytes);
    }

    private static void put(Store store, int from, int to) {
        for (int i = from; i < to; i++) assertEquals(PutResult.STORED, store.putMany(List.of(key(i)), List.of(value(i)))[0], "key " + i);
    }

    private static void assertAll(Store store, int keys) {
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < keys; i++) {
                MemorySegment into = arena.allocate(value(i).byteSize());
                assertEquals(value(i).byteSize(), store.loadMany(List.of(key(i)), List.of(into))[0], "key " + i);
                assertEquals(-1, into.mismatch(value(i)), "bytes of key " + i);
            }
        }
    }

    @Test
    void aFailingMemberLosesNothingAcknowledgedAndIsRebuilt() throws Exception {
        FaultInjectingDevice b = new FaultInjectingDevice(open("b.img", true));
        try (Store store = Store.openOwning(StoreFormat.formatMirror(List.of(open("a.img", true), b),
                FormatOptions.defaults(), PlacementPolicy.AUTO), StoreOptions.defaults())) {
            put(store, 0, 40);
            assertEquals("healthy", store.stats().mirror().state());
            b.failWhen(op -> true, Errno.EIO); // member 1's every read and write fails from now on
            b.failFlush(Errno.EIO);
            put(store, 40, 80);
            StoreStats s = store.stats();
            assertEquals("degraded", s.mirror().state());
            assertEquals(1, s.mirror().failedMember());
            assertEquals(0, s.writeErrors(), "the store saw no failure: the mirror served from the survivor");
            assertAll(store, 80);
        }
        // Both paths again: member 1 is still out of date, and read-only opens serve from member 0.
        try (Store store = Store.openOwning(StoreFormat.openSet(List.of(open("b.img", false), open("a.img", false))),
                StoreOptions.defaults())) {
            assertEquals("degraded", store.stats().mirror().state());
            assertAll(store, 80);
        }
        // With rebuild (what serve does), the out-of-date member is copied onto while the store serves.
        try (Store store = Store.openOwning(StoreFormat.openSet(List.of(open("a.img", false), open("b.img", false)), true),
                StoreOptions.defaults())) {
            assertTrue(store.stats().mirror().rebuildTotalBytes() > 0, "a rebuild started: " + store.stats().mirror());
            assertAll(store, 80); // from the survivor while the copy runs (a small one may be done already)
            put(store, 80, 100);
            awaitHealthy(store);
            assertTrue(store.stats().mirror().rebuiltBytes() > 0);
            assertEquals(0, store.stats().evictions() + store.stats().checksumFailures());
            assertAll(store, 100);
        }
        MirrorMembers.assertDataEqual(dir.resolve("a.img"), dir.resolve("b.img"));
        try (BlockDevice alone = open("a.img", false)) {
            IOException e = assertThrows(IOException.class, () -> Store.open(alone, StoreOptions.defaults()));
            assertTrue(e.getMessage().endsWith("or a new device in the partner's place, which serve rebuilds)"), e.getMessage());
        }
        // The second drive dies while the machine is down: the store serves from the first alone.
        Files.delete(dir.resolve("b.img"));
        try (Store store = Store.openOwning(MirrorDevice.openAlone(open("a.img", false)), StoreOptions.defaults())) {
            assertEquals("degraded", store.stats().mirror().state());
            assertEquals(1, store.stats().mirror().failedMember());
            assertAll(store, 100);
            put(store, 100, 110);
        }
        // A new drive in its place is rebuilt from the survivor.
        try (Store store = Store.openOwning(StoreFormat.openSet(List.of(open("a.img", false), open("b.img", true)), true),
                StoreOptions.defaults())) {
            awaitHealthy(store);
            assertAll(store, 110);
        }
        MirrorMembers.assertDataEqual(dir.resolve("a.img"), dir.resolve("b.img"));
    }

    private static void awaitHealthy(Store store) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!store.stats().mirror().state().equals("healthy")) {
            assertTrue(System.nanoTime() < deadline, "rebuilt: " + store.stats().mirror());
            Thread.sleep(20);
        }
    }
}
