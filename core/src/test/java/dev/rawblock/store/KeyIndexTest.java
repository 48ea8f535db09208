package dev.rawblock.store;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The index on its own: cells keep what they are given, lookups find exactly the keys inserted,
 * backward-shift deletion keeps every probe run whole (around the end of the table too), and
 * the slot table the move listener maintains always agrees with the cells.
 */
class KeyIndexTest {
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    /**
     * A fingerprint whose home cell in a table of {@code capacity} cells is {@code home}: the index
     * hashes {@code lo ^ hi * 0x9E3779B97F4A7C15} onto the table by multiply-shift, so with
     * {@code hi = 0} the home is {@code lo * capacity / 2^64}. {@code n} tells fingerprints with
     * the same home apart.
     */
    private static Fingerprint homedAt(long home, long capacity, int n) {
        BigInteger lo = BigInteger.valueOf(home).multiply(TWO_64).add(BigInteger.valueOf(capacity - 1))
                .divide(BigInteger.valueOf(capacity)).add(BigInteger.valueOf(n + 1));
        return new Fingerprint(0, lo.longValue());
    }

    /** Keeps slot id -> position as the store's slot table does, from what the index reports. */
    private static final class SlotTable implements KeyIndex.MoveListener {
        final Map<Integer, Long> positions = new HashMap<>();

        @Override
        public void moved(int slotId, long newPosition) {
            positions.put(slotId, newPosition);
        }
    }

    @Test
    void aCellKeepsEveryFieldItIsGiven() {
        try (KeyIndex index = new KeyIndex(100)) {
            Fingerprint fp = Fingerprint.of("k".getBytes());
            long pos = index.insert(fp, 0x40001, 123456789L, 77, KeyIndex.MoveListener.NONE);
            assertEquals(KeyIndex.WRITING, index.state(pos));
            assertTrue(!index.readable(pos), "a value being written is not readable");
            index.setState(pos, KeyIndex.STORED);
            index.setPins(pos, 3);
            index.setGeneration(pos, (byte) 9);
            index.setExpiresAt(pos, 5000);
            index.touch(pos, -2); // logical time wraps; eviction compares by difference
            assertEquals(pos, index.find(fp));
            assertEquals(fp.hi(), index.fpHi(pos));
            assertEquals(fp.lo(), index.fpLo(pos));
            assertEquals(0x40001, index.slotId(pos));
            assertEquals(123456789L, index.length(pos));
            assertEquals(-2, index.access(pos));
            assertEquals(3, index.pins(pos));
            assertEquals(9, index.generation(pos));
            assertTrue(index.readable(pos));
            assertTrue(index.expired(pos, 5000) && !index.expired(pos, 4999));
            index.setPins(pos, 1 << 20);
            assertEquals(0xffff, index.pins(pos), "pins saturate instead of wrapping to a small count");
            index.setSlot(pos, 7, 0xFFFF_FFFFL);
            assertEquals(0xFFFF_FFFFL, index.length(pos), "lengths are unsigned 32-bit");
            assertEquals(1, index.size());
            assertEquals(-1, index.find(Fingerprint.of("other".getBytes())));
        }
    }

    @Test
    void homesAreWhereTheTestThinksTheyAre() {
        try (KeyIndex index = new KeyIndex(64)) {
            long capacity = index.capacity();
            for (long home : new long[] {0, 1, capacity / 2, capacity - 1}) {
                long pos = index.insert(homedAt(home, capacity, 0), 1, 1, 0, KeyIndex.MoveListener.NONE);
                assertEquals(home, pos, "an empty home cell takes the key");
            }
        }
    }

    /**
     * Removal inside a run that wraps from the last cell to the first: the cells behind the hole
     * move back only when their home allows, and every key stays findable.
     */
    @Test
    void backwardShiftDeletionAcrossTheEndOfTheTable() {
        try (KeyIndex index = new KeyIndex(64)) {
            long c = index.capacity();
            SlotTable table = new SlotTable();
            // Homes: c-2, c-2, c-1, c-2, 0, 1 -> cells c-2, c-1, 0, 1, 2, 3 (one run across the end).
            Fingerprint[] fps = {homedAt(c - 2, c, 0), homedAt(c - 2, c, 1), homedAt(c - 1, c, 0),
                    homedAt(c - 2, c, 2), homedAt(0, c, 0), homedAt(1, c, 0)};
            long[] expected = {c - 2, c - 1, 0, 1, 2, 3};
            for (int i = 0; i < fps.length; i++) {
                long pos = index.insert(fps[i], i, 10 + i, 0, table);
                table.moved(i, pos);
                assertEquals(expected[i], pos, "key " + i);
            }
            index.remove(index.find(fps[1]), table); // the hole at c-1 is filled from behind
            assertEquals(c - 1, index.find(fps[2]), "home c-1 moves back into c-1");
            assertEquals(0, index.find(fps[3]), "home c-2 moves back across the end");
            assertEquals(1, index.find(fps[4]), "home 0 moves back to 1 (cell 0 went to a key of home c-2)");
            assertEquals(2, index.find(fps[5]));
            assertTrue(index.empty(3));
            checkAll(index, table, List.of(fps[0], fps[2], fps[3], fps[4], fps[5]), List.of(0, 2, 3, 4, 5));

            index.remove(index.find(fps[0]), table); // now the run starts at c-2 with a hole
            checkAll(index, table, List.of(fps[2], fps[3], fps[4], fps[5]), List.of(2, 3, 4, 5));
            assertEquals(c - 2, index.find(fps[3]), "home c-2 goes home");
        }
    }

    /** A key whose home is after the hole (cyclically inside the gap) must not move back before its home. */
    @Test
    void aKeyNeverMovesBeforeItsHome() {
        try (KeyIndex index = new KeyIndex(64)) {
            long c = index.capacity();
            Fingerprint a = homedAt(c - 1, c, 0), b = homedAt(0, c, 0);
            long pa = index.insert(a, 1, 1, 0, KeyIndex.MoveListener.NONE);
            long pb = index.insert(b, 2, 1, 0, KeyIndex.MoveListener.NONE);
            assertEquals(c - 1, pa);
            assertEquals(0, pb);
            index.remove(pa, KeyIndex.MoveListener.NONE);
            assertEquals(0, index.find(b), "b's home is 0: it stays there, not at c-1");
            assertTrue(index.empty(c - 1));
        }
    }

    /**
     * Random inserts and removes on keys crowded around the end of the table, against a model:
     * after every step each key is found where the slot table says, no probe run has a gap, and
     * absent keys are absent.
     */
    @Test
    void randomInsertsAndRemovesMatchAModel() {
        for (long seed = 0; seed < 20; seed++) {
            Random rnd = new Random(seed);
            try (KeyIndex index = new KeyIndex(64)) {
                long c = index.capacity();
                SlotTable table = new SlotTable();
                List<Fingerprint> present = new ArrayList<>();
                List<Integer> slots = new ArrayList<>();
                int nextSlot = 0;
                for (int step = 0; step < 2000; step++) {
                    if (!present.isEmpty() && (index.full() || rnd.nextInt(5) < 2)) {
                        int i = rnd.nextInt(present.size());
                        index.remove(index.find(present.get(i)), table);
                        table.positions.remove(slots.get(i));
                        present.remove(i);
                        slots.remove(i);
                    } else {
                        long home = Math.floorMod(c - 4 + rnd.nextInt(8), c); // c-4 .. 3: runs wrap
                        Fingerprint fp = homedAt(home, c, nextSlot);
                        assertEquals(-1, index.find(fp));
                        long pos = index.insert(fp, nextSlot, 1, 0, table);
                        table.moved(nextSlot, pos);
                        present.add(fp);
                        slots.add(nextSlot++);
                    }
                    assertEquals(c, index.capacity(), "64 entries fit without growth");
                    checkAll(index, table, present, slots);
                }
            }
        }
    }

    /** Every present key is at its slot table position, every occupied cell is reachable from its home. */
    private static void checkAll(KeyIndex index, SlotTable table, List<Fingerprint> present, List<Integer> slots) {
        assertEquals(present.size(), index.size());
        for (int i = 0; i < present.size(); i++) {
            long pos = index.find(present.get(i));
            assertTrue(pos >= 0, "key " + present.get(i) + " is found");
            assertEquals(slots.get(i), index.slotId(pos));
            assertEquals(pos, table.positions.get(slots.get(i)), "the slot table follows the cell of slot " + slots.get(i));
        }
        long occupied = 0;
        for (long pos = 0; pos < index.capacity(); pos++) {
            if (index.empty(pos)) continue;
            occupied++;
            long home = Math.unsignedMultiplyHigh(index.fpLo(pos) ^ index.fpHi(pos) * 0x9E3779B97F4A7C15L, index.capacity());
            for (long p = home; p != pos; p = (p + 1) % index.capacity()) {
                assertTrue(!index.empty(p), "no empty cell between the home " + home + " and the cell " + pos);
            }
        }
        assertEquals(present.size(), occupied);
    }

    @Test
    void theTableGrowsAsEntriesComeAndEveryMoveIsReported() {
        try (KeyIndex index = new KeyIndex(1 << 20)) {
            SlotTable table = new SlotTable();
            long initial = index.memoryBytes();
            assertEquals(KeyIndex.INITIAL_CELLS * KeyIndex.CELL, initial);
            List<Fingerprint> fps = new ArrayList<>();
            List<Integer> slots = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                Fingerprint fp = Fingerprint.of(("key-" + i).getBytes());
                long pos = index.insert(fp, i, i, i, table);
                table.moved(i, pos);
                fps.add(fp);
                slots.add(i);
                assertTrue(index.size() * 100 <= index.capacity() * KeyIndex.MAX_LOAD_PERCENT, "load stays <= 80%");
            }
            assertTrue(index.memoryBytes() > initial * 10, "grew: " + index.memoryBytes());
            assertTrue(index.size() * 100 >= index.capacity() * 50L, "and not far beyond what it needs");
            checkAll(index, table, fps, slots);
            for (int i = 0; i < fps.size(); i += 997) assertEquals(i, index.access(index.find(fps.get(i))));

            long before = index.capacity();
            index.reserve(200_000, table);
            assertTrue(index.capacity() * KeyIndex.MAX_LOAD_PERCENT >= 200_000L * 100 && index.capacity() > before);
            checkAll(index, table, fps, slots);
        }
    }

    @Test
    void aFullIndexRefusesInsertsAndRecoveryInsertsSkipDuplicates() {
        try (KeyIndex index = new KeyIndex(3)) {
            Fingerprint a = Fingerprint.of("a".getBytes());
            long pos = index.insertIfAbsent(a, 5, 100, 777, KeyIndex.MoveListener.NONE);
            assertEquals(KeyIndex.STORED, index.state(pos));
            assertEquals(777, index.expiresAt(pos));
            assertEquals(-1, index.insertIfAbsent(a, 6, 100, 0, KeyIndex.MoveListener.NONE), "a duplicate");
            assertEquals(5, index.slotId(index.find(a)), "the first one stays");
            index.insert(Fingerprint.of("b".getBytes()), 1, 1, 0, KeyIndex.MoveListener.NONE);
            index.insert(Fingerprint.of("c".getBytes()), 2, 1, 0, KeyIndex.MoveListener.NONE);
            assertTrue(index.full());
            assertThrows(IllegalStateException.class,
                    () -> index.insert(Fingerprint.of("d".getBytes()), 3, 1, 0, KeyIndex.MoveListener.NONE));
            assertEquals(-1, index.insertIfAbsent(Fingerprint.of("d".getBytes()), 3, 1, 0, KeyIndex.MoveListener.NONE));
            index.clear();
            assertEquals(0, index.size());
            assertEquals(-1, index.find(a));
            long again = index.insert(a, 9, 1, 0, KeyIndex.MoveListener.NONE);
            assertEquals(0, index.expiresAt(again), "a cell reused after clear starts with no expiry");
            assertEquals(0, index.generation(again));
        }
    }

    @Test
    void aRemovedCellLeavesNothingBehindForTheNextKey() {
        try (KeyIndex index = new KeyIndex(64)) {
            long c = index.capacity();
            Fingerprint a = homedAt(5, c, 0), b = homedAt(5, c, 1);
            long pos = index.insert(a, 1, 1, 0, KeyIndex.MoveListener.NONE);
            index.setExpiresAt(pos, 99);
            index.setGeneration(pos, (byte) 3);
            index.setPins(pos, 2);
            index.remove(pos, KeyIndex.MoveListener.NONE);
            long reused = index.insert(b, 2, 1, 0, KeyIndex.MoveListener.NONE);
            assertEquals(pos, reused);
            assertEquals(0, index.expiresAt(reused));
            assertEquals(0, index.generation(reused));
            assertEquals(0, index.pins(reused));
        }
    }
}
