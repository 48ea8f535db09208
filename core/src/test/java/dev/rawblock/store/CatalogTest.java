package dev.rawblock.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The catalog's own bookkeeping, without a journal: leases keep a freed slot from reuse until its
 * last reader is done, pins are counted, and the invariants hold throughout. (Deletes, which
 * journal, are covered by the store tests.)
 */
class CatalogTest {
    private static final int BLOCK = 4096;
    private static final long REGION = 1 << 20;
    private final KeyIndex index = new KeyIndex(1000);
    private final Space space = new Space(0, REGION, 4, (region, slotBytes) -> { });
    private final Catalog catalog = new Catalog(index, space, new SizeClasses(BLOCK, REGION),
            new SlotLayout(BLOCK, false, 0, 0, REGION), null, 1, StoreOptions.defaults(), new StoreCounters());

    @AfterEach
    void close() {
        index.close();
    }

    /** A stored entry of {@code length} bytes in a new slot of {@code slotBytes}. */
    private long store(long fpLo, long slotBytes, long length) {
        int slotId = space.allocate(0, slotBytes, 0, true, false);
        long pos = index.insert(new Fingerprint(1, fpLo), slotId, length, 0, space::moved);
        index.setState(pos, KeyIndex.STORED);
        space.moved(slotId, pos);
        catalog.storedPayloadBytes += length;
        return pos;
    }

    @Test
    void aSlotBeingReadIsFreedByItsLastReader() {
        long pos = store(7, 2 * BLOCK, 5000);
        int slotId = catalog.lease(pos);
        assertEquals(slotId, catalog.lease(pos), "two readers of one slot");
        catalog.remove(pos);
        assertTrue(space.used(slotId), "removed while read: parked, not free");
        assertEquals(-1, space.positionOf(slotId), "a parked slot belongs to no entry");
        assertEquals(0, catalog.storedPayloadBytes);
        assertTrue(catalog.checkInvariants());
        catalog.unlease(slotId);
        assertTrue(space.used(slotId), "one reader is still reading");
        catalog.unlease(slotId);
        assertFalse(space.used(slotId), "the last reader frees it");
        assertTrue(catalog.checkInvariants());
    }

    @Test
    void aSlotNobodyReadsIsFreedAtOnce() {
        long pos = store(8, 2 * BLOCK, 100);
        int slotId = index.slotId(pos);
        catalog.remove(pos);
        assertFalse(space.used(slotId));
        assertEquals(0, index.size());
        assertTrue(catalog.checkInvariants());
    }

    @Test
    void pinsAreCountedPerEntryAndGoWithIt() {
        long a = store(1, 2 * BLOCK, 100);
        store(2, 2 * BLOCK, 100);
        catalog.pin(a);
        catalog.pin(a);
        assertEquals(1, catalog.pinnedEntries, "an entry pinned twice is one pinned entry");
        catalog.unpin(a);
        assertEquals(1, catalog.pinnedEntries);
        catalog.unpin(a);
        assertEquals(0, catalog.pinnedEntries);
        catalog.unpin(a); // unpinned already: nothing happens
        catalog.unpin(-1); // absent
        assertEquals(0, catalog.pinnedEntries);
        long b = index.find(new Fingerprint(1, 2));
        catalog.pin(b);
        catalog.remove(b);
        assertEquals(0, catalog.pinnedEntries, "a removed entry takes its pin along");
        assertTrue(catalog.checkInvariants());
    }

    @Test
    void expiryTimesAreCountedAndLiveSkipsStaleGenerations() {
        long pos = store(3, 2 * BLOCK, 100);
        catalog.setExpiry(pos, 5_000);
        catalog.setExpiry(pos, 6_000);
        assertEquals(1, catalog.expiringEntries);
        assertTrue(catalog.live(pos, 4_000));
        catalog.setExpiry(pos, 0);
        assertEquals(0, catalog.expiringEntries);
        catalog.generation++;
        catalog.clearing = true;
        assertFalse(catalog.live(pos, 0), "an entry of a generation being cleared is gone");
        assertEquals(-1, catalog.entryIn(index.slotId(pos)));
        catalog.clearing = false;
        assertTrue(catalog.live(pos, 0));
        assertTrue(catalog.checkInvariants());
    }
}
