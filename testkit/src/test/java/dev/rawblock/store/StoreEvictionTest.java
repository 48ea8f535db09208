package dev.rawblock.store;

import dev.rawblock.testkit.store.StoreFixture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static dev.rawblock.store.PutResult.*;
import static org.junit.jupiter.api.Assertions.*;

/** Invariant 6: full means evict (approximately LRU), never a pinned entry; or fail per key with eviction off. */
class StoreEvictionTest extends StoreFixture {
    private static final int VALUE = 60_000; // a 64 KiB slot with its header block

    @Test
    void fullStoreEvictsOldEntriesAndKeepsAcceptingPuts() throws IOException {
        open(32 * MIB, MIB, StoreOptions.defaults());
        int stored = 0;
        for (int i = 0; i < 2000; i++) {
            assertEquals(STORED, put("k" + i, bytes(i, VALUE)), "put " + i);
            stored++;
        }
        StoreStats s = store.stats();
        assertTrue(s.evictions() > 0, "the store filled up and evicted");
        assertEquals(stored - s.evictions(), s.entries());
        assertArrayEquals(bytes(1999, VALUE), load("k1999"), "the newest value is there");
        assertNull(load("k0"), "the oldest value is gone");
        assertNoLeak();
    }

    @Test
    void recentlyLoadedEntriesOutliveColdOnes() throws IOException {
        open(32 * MIB, MIB, StoreOptions.defaults());
        int n = 0;
        while (store.stats().evictions() == 0) put("k" + n, bytes(n++, VALUE)); // exactly full, plus one eviction
        List<String> hot = new ArrayList<>();
        for (int i = 0; i < n / 2; i += 2) if (load("k" + i) != null) hot.add("k" + i); // loading makes them hot
        for (int i = 0; i < n / 2; i++) put("new" + i, bytes(i, VALUE)); // replace about half the store
        long hotAlive = hot.stream().filter(k -> load(k) != null).count();
        long coldAlive = 0, cold = 0;
        for (int i = 1; i < n / 2; i += 2, cold++) if (load("k" + i) != null) coldAlive++;
        // Sampled LRU is approximate: hot entries must survive clearly more often than cold ones.
        assertTrue(hotAlive > 0.8 * hot.size(), "hot survivors " + hotAlive + "/" + hot.size());
        assertTrue(coldAlive < 0.5 * cold, "cold survivors " + coldAlive + "/" + cold);
    }

    @Test
    void pinnedEntriesAreNeverEvicted() throws IOException {
        open(32 * MIB, MIB, StoreOptions.defaults());
        List<String> pinned = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            put("pin" + i, bytes(i, VALUE));
            pinned.add("pin" + i);
        }
        store.existsMany(pinned.stream().map(StoreFixture::key).toList(), true);
        for (int i = 0; i < 3000; i++) put("churn" + i, bytes(i, VALUE));
        assertTrue(store.stats().evictions() > 1000);
        for (int i = 0; i < 50; i++) assertArrayEquals(bytes(i, VALUE), load("pin" + i), "pinned " + i);
        assertNoLeak();
    }

    @Test
    void aStoreFullOfPinnedEntriesFailsPutsPerKey() throws IOException {
        open(capacityFor(2, MIB), MIB,
                StoreOptions.defaults());
        List<byte[]> all = new ArrayList<>();
        for (int i = 0; store.stats().evictions() == 0 && i < 100; i++) {
            put("p" + i, bytes(i, VALUE));
            all.add(key("p" + i));
        }
        store.existsMany(all, true); // pin whatever is stored
        long entries = store.stats().entries();
        assertEquals(NO_SPACE, put("one-more", bytes(1, VALUE)));
        assertEquals(entries, store.stats().entries());
        assertNoLeak();
    }

    @Test
    void withEvictionOffAFullStoreFailsUntilSomethingIsDeleted() throws IOException {
        open(32 * MIB, MIB, StoreOptions.defaults().withEviction(Eviction.NONE));
        int n = 0;
        while (put("k" + n, bytes(n, VALUE)) == STORED) n++;
        assertEquals(NO_SPACE, put("k" + n, bytes(n, VALUE)), "the failure repeats: nothing was evicted");
        assertEquals(0, store.stats().evictions());
        assertEquals(n, store.stats().entries());
        store.deleteMany(List.of(key("k0")), false);
        assertEquals(STORED, put("k" + n, bytes(n, VALUE)));
        assertArrayEquals(bytes(1, VALUE), load("k1"));
        assertNoLeak();
    }

    @Test
    void aFullIndexEvictsToo() throws IOException {
        open(32 * MIB, MIB, 100, StoreOptions.defaults(), dev.rawblock.device.Engine.IO_URING);
        for (int i = 0; i < 300; i++) assertEquals(STORED, put("k" + i, bytes(i, 100)));
        assertEquals(100, store.stats().entries());
        assertEquals(200, store.stats().evictions());
        assertNoLeak();
    }

    @Test
    void aClassWithoutRegionsTakesOverTheColdestRegion() throws IOException {
        open(capacityFor(4, MIB), MIB,
                StoreOptions.defaults());
        int regions = store.superblock().regionCount();
        for (int i = 0; i < regions * 256; i++) put("small" + i, bytes(i, 3000)); // every region full of 4 KiB slots
        assertEquals(0, store.stats().freeRegions());
        assertEquals(0, store.stats().evictions());
        assertEquals(STORED, put("big", bytes(1, 500_000)), "a new class evicts a whole cold region");
        assertArrayEquals(bytes(1, 500_000), load("big"));
        assertTrue(store.stats().evictions() > 0);
        assertNoLeak();
    }

    /** A size seen once borrows a free slot of a larger class (at most twice its need) instead of claiming a region. */
    @Test
    void rareSizesBorrowLargerSlotsBeforeClaimingRegions() throws IOException {
        open(32 * MIB, 4 * MIB, StoreOptions.defaults());
        for (int i = 0; i < 5; i++) put("chunk" + i, bytes(i, 500_000)); // a popular size: its own exact class
        long freeRegions = store.stats().freeRegions();
        assertEquals(STORED, put("partial", bytes(9, 300_000)));
        assertEquals(freeRegions, store.stats().freeRegions(), "no region claimed for one odd size");
        assertArrayEquals(bytes(9, 300_000), load("partial"));
        assertEquals(STORED, put("tiny-odd", bytes(8, 100_000)));
        assertEquals(freeRegions - 1, store.stats().freeRegions(), "more than twice the need: a region of its own");
        assertNoLeak();
    }
}
