package dev.rawblock.store;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Size classes: exact slots for small and popular sizes, geometric ones (at most 1/8 waste) for sizes seen once. */
class SizeClassesTest {
    private static final int BLOCK = 4096;
    private static final long MAX_SLOT = 64L << 20;

    @Test
    void smallNeedsGetExactClassesAndTheSameNeedTheSameClass() {
        SizeClasses classes = new SizeClasses(BLOCK, MAX_SLOT);
        Set<Integer> ids = new HashSet<>();
        for (int blocks = 1; blocks <= 16; blocks++) {
            int id = classes.classFor((long) blocks * BLOCK, c -> false);
            assertEquals((long) blocks * BLOCK, classes.slotBytes(id));
            assertFalse(classes.rare(id));
            assertEquals(id, classes.classFor((long) blocks * BLOCK, c -> false));
            ids.add(id);
        }
        assertEquals(16, ids.size());
        assertEquals(16, classes.count());
    }

    @Test
    void aLargeNeedSeenOnceGetsAGeometricClassAndAPopularOneItsOwn() {
        SizeClasses classes = new SizeClasses(BLOCK, MAX_SLOT);
        long need = 1000L * BLOCK + BLOCK; // 1001 blocks
        int geometric = classes.classFor(need, c -> false);
        long slot = classes.slotBytes(geometric);
        assertTrue(slot >= need && slot - need <= need / 8, "slot " + slot + " for " + need);
        assertTrue(classes.rare(geometric));
        assertEquals(geometric, classes.classFor(need, c -> false), "second time: still the geometric class");
        assertEquals(geometric, classes.classFor(need, c -> false), "third time");
        int exact = classes.classFor(need, c -> false);
        assertNotEquals(geometric, exact, "the fourth time it is popular: a class of its own");
        assertEquals(need, classes.slotBytes(exact));
        assertFalse(classes.rare(exact));
        assertEquals(exact, classes.classFor(need, c -> false));
        // A neighbour seen once shares the geometric class.
        assertEquals(geometric, classes.classFor(need - BLOCK, c -> false));
    }

    @Test
    void geometricClassesHaveEightStepsPerDoubling() {
        for (long blocks = 17; blocks <= 1 << 16; blocks++) {
            long g = SizeClasses.geometric(blocks);
            assertTrue(g >= blocks && (g - blocks) * 8 < blocks, blocks + " -> " + g);
            long base = Long.highestOneBit(blocks - 1);
            assertEquals(0, (g - base) % (base / 8), "a multiple of an eighth of the power of two below: " + blocks);
        }
        Set<Long> perDoubling = new HashSet<>();
        for (long blocks = 1025; blocks <= 2048; blocks++) perDoubling.add(SizeClasses.geometric(blocks));
        assertEquals(8, perDoubling.size());
    }

    @Test
    void needsBeyondTheLargestSlotHaveNoClassAndRoundingStopsAtIt() {
        SizeClasses classes = new SizeClasses(BLOCK, 100L * BLOCK);
        assertEquals(-1, classes.classFor(101L * BLOCK, c -> false));
        int id = classes.classFor(99L * BLOCK, c -> false); // geometric would be 104 blocks
        assertEquals(100L * BLOCK, classes.slotBytes(id));
    }

    @Test
    void whenEveryIdIsTakenAnUnusedOneServesOrTheSmallestLargerClass() {
        SizeClasses classes = new SizeClasses(BLOCK, MAX_SLOT);
        for (int i = 0; i < SizeClasses.MAX_CLASSES; i++) assertEquals(i, classes.exact((long) (i + 1) * 2 * BLOCK));
        assertEquals(-1, classes.exact(3 * BLOCK), "recovery finds no id left");
        // 3 blocks: no class of its own, every class holds a region: the smallest larger one (4 blocks).
        int larger = classes.classFor(3 * BLOCK, c -> false);
        assertEquals(4L * BLOCK, classes.slotBytes(larger));
        // Class 7 holds no region: its id is given to the new size.
        int reused = classes.classFor(3 * BLOCK, c -> c == 7);
        assertEquals(7, reused);
        assertEquals(3L * BLOCK, classes.slotBytes(7));
        assertEquals(7, classes.classFor(3 * BLOCK, c -> false), "found by its size now");
        assertNotEquals(7, classes.classFor(16L * BLOCK, c -> false), "the old size of 7 (16 blocks) is served elsewhere");
        assertEquals(-1, classes.classFor(MAX_SLOT, c -> false), "nothing fits and nothing is free");
    }

    @Test
    void borrowingPicksTheSmallestLargerClassWithAFreeSlotUpToTwiceTheNeed() {
        SizeClasses classes = new SizeClasses(BLOCK, MAX_SLOT);
        int c4 = classes.exact(4 * BLOCK), c6 = classes.exact(6 * BLOCK), c8 = classes.exact(8 * BLOCK),
                c9 = classes.exact(9 * BLOCK), c5 = classes.exact(5 * BLOCK);
        assertEquals(c5, classes.borrowable(4 * BLOCK, c4, c -> true));
        assertEquals(c6, classes.borrowable(4 * BLOCK, c4, c -> c != c5));
        assertEquals(c8, classes.borrowable(4 * BLOCK, c4, c -> c == c8 || c == c9));
        assertEquals(-1, classes.borrowable(4 * BLOCK, c4, c -> c == c9), "9 blocks is more than twice 4");
        assertEquals(-1, classes.borrowable(4 * BLOCK, c4, c -> c == c4), "never its own class");
    }
}
