package dev.rawblock.store;

import dev.rawblock.testkit.device.FaultInjectingDevice;
import dev.rawblock.testkit.store.StoreFixture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static dev.rawblock.store.PutResult.*;
import static org.junit.jupiter.api.Assertions.*;

/** Expiry times: never served once past, space reclaimed lazily and by the sweep, journaled, kept across restarts. */
class StoreExpiryTest extends StoreFixture {

    PutResult put(String key, byte[] value, PutMode mode, long expiresAt) {
        return store.putMany(List.of(key(key)), List.of(MemorySegment.ofArray(value)), mode, new long[] {expiresAt})[0];
    }

    long expiry(String key) {
        return store.expiries(keys(key))[0];
    }

    static long in(long millis) {
        return System.currentTimeMillis() + millis;
    }

    @Test
    void anExpiredKeyIsNeverServedAndItsSlotIsFreed() throws Exception {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        long at = in(300);
        assertEquals(STORED, put("k", bytes(1, 70_000), PutMode.REPLACE, at));
        assertEquals(at, expiry("k"));
        assertArrayEquals(bytes(1, 70_000), load("k"));
        Thread.sleep(400);
        assertNull(load("k"));
        assertArrayEquals(new boolean[] {false}, store.existsMany(keys("k"), false));
        assertEquals(Store.MISS, store.lengths(keys("k"))[0]);
        assertEquals(Store.MISS, expiry("k"));
        assertEquals(0, store.prefixHits(keys("k"), false));
        assertNull(store.openReader(key("k")));
        StoreStats s = store.stats();
        assertEquals(0, s.entries());
        assertEquals(1, s.expiredKeys());
        assertEquals(0, s.expiringEntries());
        assertEquals(0, s.usedSlotBytes(), "its slot is free again");
        assertEquals(STORED, put("k", bytes(2, 100)), "the key is absent: a FIRST put stores it");
        assertNoLeak();
    }

    @Test
    void theSweepReclaimsExpiredKeysNobodyReads() throws Exception {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        long at = in(200);
        for (int i = 0; i < 300; i++) assertEquals(STORED, put("e" + i, bytes(i, 5000), PutMode.FIRST, at));
        for (int i = 0; i < 10; i++) assertEquals(STORED, put("kept" + i, bytes(i, 5000)));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (store.stats().entries() > 10 && System.nanoTime() < deadline) Thread.sleep(50);
        StoreStats s = store.stats();
        assertEquals(10, s.entries(), "only the keys without expiry are left");
        assertEquals(300, s.expiredKeys());
        for (int i = 0; i < 10; i++) assertArrayEquals(bytes(i, 5000), load("kept" + i));
        assertNoLeak();
    }

    @Test
    void expireSetsPersistClearsAndATimeInThePastDeletes() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        assertEquals(STORED, put("k", bytes(1, 100)));
        assertEquals(0, expiry("k"), "no expiry");
        long at = in(60_000);
        assertArrayEquals(new long[] {0, Store.MISS}, store.expireMany(keys("k", "absent"), new long[] {at, at}));
        assertEquals(at, expiry("k"));
        assertEquals(1, store.stats().expiringEntries());
        assertArrayEquals(new long[] {at}, store.expireMany(keys("k"), new long[] {0}), "PERSIST");
        assertEquals(0, expiry("k"));
        assertEquals(0, store.stats().expiringEntries());
        assertArrayEquals(new long[] {0}, store.expireMany(keys("k"), new long[] {System.currentTimeMillis() - 1}));
        assertNull(load("k"), "a time in the past deletes the key");
        assertArrayEquals(new boolean[] {false}, store.deleteMany(keys("k"), false));
        assertNoLeak();
    }

    @Test
    void aReplacingPutClearsTheExpiryUnlessItKeepsIt() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        long at = in(60_000);
        assertEquals(STORED, put("k", bytes(1, 100), PutMode.REPLACE, at));
        assertEquals(STORED, put("k", bytes(2, 9000), PutMode.REPLACE, Store.KEEP_EXPIRY));
        assertEquals(at, expiry("k"), "KEEPTTL");
        assertArrayEquals(bytes(2, 9000), load("k"));
        assertEquals(STORED, put("k", bytes(3, 100), PutMode.REPLACE, 0));
        assertEquals(0, expiry("k"), "a plain SET clears it");
        assertEquals(STORED, put("n", bytes(4, 100), PutMode.REPLACE, Store.KEEP_EXPIRY));
        assertEquals(0, expiry("n"), "nothing to keep for a new key");
        assertNoLeak();
    }

    @Test
    void expiryTimesSurviveACleanCloseAndACrash() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        long far = in(3_600_000);
        assertEquals(STORED, put("checkpointed", bytes(1, 100), PutMode.FIRST, far));
        assertEquals(STORED, put("soon", bytes(2, 100), PutMode.FIRST, in(300)));
        store.close();
        store = Store.open(device, StoreOptions.defaults());
        assertEquals(far, expiry("checkpointed"), "from the checkpoint");
        assertEquals(STORED, put("journaled", bytes(3, 5000), PutMode.FIRST, far + 1));
        store.expireMany(keys("checkpointed"), new long[] {far + 2});
        device.crash(3);
        assertThrows(IOException.class, store::close);
        device.revive();
        store = Store.open(device, StoreOptions.defaults());
        assertEquals(far + 1, expiry("journaled"), "from the journal's PUT and EXPIRE");
        assertEquals(far + 2, expiry("checkpointed"), "from the journal's EXPIRE");
        sleepPast(300);
        assertNull(load("soon"), "expired while the store was closed");
        assertArrayEquals(bytes(3, 5000), load("journaled"));
        assertNoLeak();
    }

    @Test
    void aStoreOfFormatVersionOneOpensAndRefusesExpiryTimes() throws IOException {
        raw = dev.rawblock.device.BlockDevice.open(dev.rawblock.device.DeviceOptions.of(dir.resolve("v1.img"))
                .withCreateSize(64 * MIB).withArenaBytes(16 * MIB));
        device = new FaultInjectingDevice(raw);
        StoreFormat.format(device, new FormatOptions(0, 4 * MIB, 0), 1);
        store = Store.open(device, StoreOptions.defaults());
        assertEquals(1, store.superblock().version());
        assertEquals(STORED, put("k", bytes(1, 5000)));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> put("t", bytes(2, 100), PutMode.REPLACE, in(1000)));
        assertTrue(e.getMessage().contains("format version 1"), e.getMessage());
        store.checkpoint();
        store.close();
        store = Store.open(device, StoreOptions.defaults());
        assertArrayEquals(bytes(1, 5000), load("k"), "its checkpoints (24-byte entries) read back");
        assertNoLeak();
    }

    private static void sleepPast(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
