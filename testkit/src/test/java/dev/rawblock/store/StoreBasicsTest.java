package dev.rawblock.store;

import dev.rawblock.testkit.store.StoreFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static dev.rawblock.store.PutResult.*;
import static org.junit.jupiter.api.Assertions.*;

/** Checklist items 1-7 and 8-11 (locks, pins, deletes) of the reference's conformance list. */
class StoreBasicsTest extends StoreFixture {
    @BeforeEach
    void setUp() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
    }

    /** Item 1. */
    @Test
    void putOfNewKeysStoresThemInOrder() {
        PutResult[] r = store.putMany(keys("a", "b", "c"), values(value(1, 1024), value(2, 2048), value(3, 3072)));
        assertArrayEquals(new PutResult[] {STORED, STORED, STORED}, r);
        assertEquals(3, store.stats().entries());
        assertNoLeak();
    }

    /** Item 2: every stored key is present and loads byte-exact, block multiple or not. */
    @Test
    void storedKeysLoadByteExact() {
        int[] sizes = {1, 28, 100, 4000, 4031, 4032, 4096, 4097, 8191, 65536, 1_000_001, 3 * (int) MIB};
        for (int i = 0; i < sizes.length; i++) assertEquals(STORED, put("k" + i, bytes(i, sizes[i])), "size " + sizes[i]);
        for (int i = 0; i < sizes.length; i++) assertArrayEquals(bytes(i, sizes[i]), load("k" + i), "size " + sizes[i]);
        assertEquals(sizes.length, store.stats().hits());
        assertNoLeak();
    }

    /** Item 3: a second put of a stored key is not rewritten; the first value stays. */
    @Test
    void secondPutDoesNotRewrite() {
        put("k", bytes(1, 5000));
        long ops = device.operations();
        assertEquals(ALREADY_STORED, put("k", bytes(2, 5000)));
        assertEquals(ops, device.operations(), "no device operation for an already stored key");
        assertArrayEquals(bytes(1, 5000), load("k"));
    }

    /** Item 4. */
    @Test
    void deleteReportsWhatItRemoved() {
        put("present", bytes(1, 100));
        assertArrayEquals(new boolean[] {true, false}, store.deleteMany(keys("present", "absent"), false));
        assertNull(load("present"));
        assertNull(load("absent"));
        assertArrayEquals(new boolean[] {false, false}, store.existsMany(keys("present", "absent"), false));
        assertEquals(0, store.stats().usedSlotBytes());
        assertNoLeak();
    }

    /** Item 5: a miss in the middle does not hide later hits. */
    @Test
    void existsIsABitmapInRequestOrder() {
        put("a", bytes(1, 10));
        put("c", bytes(3, 10));
        assertArrayEquals(new boolean[] {true, false, true}, store.existsMany(keys("a", "b", "c"), false));
    }

    /** Item 6. */
    @Test
    void prefixHitsStopAtTheFirstMiss() {
        put("a", bytes(1, 10));
        put("b", bytes(2, 10));
        put("d", bytes(4, 10));
        assertEquals(2, store.prefixHits(keys("a", "b", "c", "d"), false));
        assertEquals(0, store.prefixHits(keys("x", "a"), false));
    }

    /** Item 7: loading the prefix loads exactly the leading hits; the rest report misses. */
    @Test
    void prefixLoadLoadsOnlyLeadingHits() {
        put("a", bytes(1, 5000));
        put("b", bytes(2, 6000));
        put("d", bytes(4, 7000));
        List<byte[]> chain = keys("a", "b", "c", "d");
        int hits = store.prefixHits(chain, false);
        List<MemorySegment> dst = List.of(MemorySegment.ofArray(new byte[8000]), MemorySegment.ofArray(new byte[8000]));
        long[] n = store.loadMany(chain.subList(0, hits), dst);
        assertArrayEquals(new long[] {5000, 6000}, n);
        assertArrayEquals(bytes(2, 6000), dst.get(1).asSlice(0, 6000).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    }

    /** Items 8, 9: lookup-and-lock pins; a non-forced delete of a pinned key is refused, a forced one works. */
    @Test
    void pinnedKeysSurviveNonForcedDeletes() {
        put("k", bytes(1, 100));
        assertArrayEquals(new boolean[] {true, false}, store.existsMany(keys("k", "missing"), true));
        assertEquals(1, store.stats().pinnedEntries());
        assertArrayEquals(new boolean[] {false}, store.deleteMany(keys("k"), false));
        assertArrayEquals(bytes(1, 100), load("k"));
        assertArrayEquals(new boolean[] {true}, store.deleteMany(keys("k"), true));
        assertNull(load("k"));
        assertEquals(0, store.stats().pinnedEntries());
        assertNoLeak();
    }

    /** Item 10: unlock of a missing or unpinned key is a no-op; after the last unlock a delete works. */
    @Test
    void unlockIsRefcounted() {
        put("k", bytes(1, 100));
        store.unlock(keys("k", "missing"));
        store.existsMany(keys("k"), true);
        store.existsMany(keys("k"), true);
        store.unlock(keys("k"));
        assertArrayEquals(new boolean[] {false}, store.deleteMany(keys("k"), false), "still one pin");
        store.unlock(keys("k"));
        assertArrayEquals(new boolean[] {true}, store.deleteMany(keys("k"), false));
    }

    /** Item 11 at the store level: pins count; the facade (not the store) collapses repeated pins. */
    @Test
    void prefixHitsCanPin() {
        put("a", bytes(1, 10));
        put("b", bytes(2, 10));
        assertEquals(2, store.prefixHits(keys("a", "b", "c"), true));
        assertArrayEquals(new boolean[] {false, false}, store.deleteMany(keys("a", "b"), false));
        store.unlock(keys("a", "b"));
        assertArrayEquals(new boolean[] {true, true}, store.deleteMany(keys("a", "b"), false));
    }

    @Test
    void badInputFailsWholeCallsWithClearMessagesAndNoEffect() {
        put("kept", bytes(1, 10));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> store.putMany(java.util.Arrays.asList(key("x"), null), values(value(1, 1), value(2, 2))));
        assertTrue(e.getMessage().contains("key 1 is null"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> store.putMany(keys("x", ""), values(value(1, 1), value(2, 2))));
        assertTrue(e.getMessage().contains("key 1 is empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> store.putMany(keys("x", "y"), values(value(1, 1))));
        assertTrue(e.getMessage().contains("2 keys but 1 values"), e.getMessage());
        byte[] longKey = new byte[SlotHeader.MAX_KEY_BYTES + 1];
        java.util.Arrays.fill(longKey, (byte) 'k');
        e = assertThrows(IllegalArgumentException.class, () -> store.existsMany(List.of(longKey), false));
        assertTrue(e.getMessage().contains((SlotHeader.MAX_KEY_BYTES + 1) + " bytes"), e.getMessage());
        assertNull(load("x"), "nothing of a refused batch was stored");
        assertEquals(1, store.stats().entries());
        assertNoLeak();
    }

    @Test
    void keysUpToTheMaximumLengthWork() {
        byte[] longKey = new byte[SlotHeader.MAX_KEY_BYTES];
        java.util.Arrays.fill(longKey, (byte) 'q');
        assertEquals(STORED, store.putMany(List.of(longKey), List.of(value(9, 5000)))[0]);
        MemorySegment dst = MemorySegment.ofArray(new byte[5000]);
        assertEquals(5000, store.loadMany(List.of(longKey), List.of(dst))[0]);
        assertEquals(-1, dst.mismatch(value(9, 5000)));
    }

    @Test
    void closedStoreRefusesCalls() throws IOException {
        store.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> put("k", bytes(1, 1)));
        assertTrue(e.getMessage().contains("closed"));
        assertThrows(IllegalStateException.class, () -> store.existsMany(keys("k"), false));
        store.close(); // idempotent
    }

    @Test
    void tooSmallDestinationIsAPerKeyFailure() {
        put("a", bytes(1, 5000));
        put("b", bytes(2, 100));
        long[] n = store.loadMany(keys("a", "b"), List.of(MemorySegment.ofArray(new byte[4999]),
                MemorySegment.ofArray(new byte[100])));
        assertArrayEquals(new long[] {Store.DESTINATION_TOO_SMALL, 100}, n);
    }
}
