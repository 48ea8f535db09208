package dev.rawblock.store;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Regions and slots: allocation, free lists, regions coming and going, recovery's restore, and the accounting. */
class SpaceTest {
    private static final long BASE = 1L << 20;
    private static final long REGION = 64 << 10;
    private static final long SLOT = 4096;

    private final List<long[]> assigned = new ArrayList<>();

    private Space space(int regions) {
        return new Space(BASE, REGION, regions, (region, slotBytes) -> assigned.add(new long[] {region, slotBytes}));
    }

    /** Over three members: a batch spreads evenly, a busy member is passed by, and a class takes a region on each. */
    @Test
    void newSlotsGoToTheLeastBusyMemberThenTheLeastUsed() {
        long[] inFlight = new long[3];
        Space space = new Space(BASE, REGION, 9, 3, m -> inFlight[m], (region, slotBytes) -> {});
        int perRegion = (int) (REGION / SLOT);
        int[] onMember = new int[3];
        space.newHold();
        // The first slot of a class claims a region (the ordinary way); the next ones take a region on
        // each other member before any fills: a batch of 30 lands 10, 10, 10.
        assertNotEquals(Space.NONE, space.allocate(0, SLOT, 0, true, false));
        onMember[0]++;
        for (int i = 1; i < 30; i++) {
            int id = space.allocate(0, SLOT, i, false, true);
            assertNotEquals(Space.NONE, id);
            onMember[space.memberOf(Space.regionOf(id))]++;
        }
        assertEquals(List.of(10, 10, 10), List.of(onMember[0], onMember[1], onMember[2]));
        assertEquals(3, space.regionsOf(0).size(), "one region of the class on each member");
        for (int m = 0; m < 3; m++) assertEquals(10 * SLOT, space.usedSlotBytes(m));

        // A new lock hold: member 1 has much in flight, so the next slots go to 0 and 2 only.
        space.newHold();
        inFlight[1] = 1 << 30;
        for (int i = 0; i < 10; i++) {
            int id = space.allocate(0, SLOT, 100 + i, false, true);
            assertNotEquals(1, space.memberOf(Space.regionOf(id)), "member 1 is busy");
        }
        // Idle again, one slot per lock hold (single puts): equally busy members are told apart by
        // their used bytes, so member 1 catches up with the others.
        inFlight[1] = 0;
        for (int i = 0; i < 5; i++) {
            space.newHold();
            assertEquals(1, space.memberOf(Space.regionOf(space.allocate(0, SLOT, 200 + i, false, true))));
        }
        for (int m = 0; m < 3; m++) assertEquals(15 * SLOT, space.usedSlotBytes(m));
        assertEquals(3, space.regionsOf(0).size(), "15 of " + perRegion + " slots on each: no region filled");
        assertTrue(space.checkInvariants());
    }

    @Test
    void slotIdsNameARegionAndASlotAndOffsetsFollow() {
        int id = Space.slotId(5, 1234);
        assertEquals(5, Space.regionOf(id));
        assertEquals(1234, Space.slotOf(id));
        assertEquals(Space.MAX_REGIONS - 1, Space.regionOf(Space.slotId(Space.MAX_REGIONS - 1, (1 << Space.SLOT_BITS) - 1)),
                "the largest region id survives the shift (unsigned)");
        Space space = space(4);
        int first = space.allocate(0, 3 * SLOT, 7, true, false);
        assertEquals(BASE, space.offset(first));
        int second = space.allocate(0, 3 * SLOT, 8, true, false);
        assertEquals(BASE + 3 * SLOT, space.offset(second));
        assertEquals(1, assigned.size());
        assertEquals(3 * SLOT, assigned.getFirst()[1]);
        assertEquals(6 * SLOT, space.usedSlotBytes());
    }

    @Test
    void aRegionOfTwoToTheEighteenSlotsHandsOutEveryFreeSlotItCountsAndNoMore() {
        long region = (1L << Space.SLOT_BITS) * SLOT; // 1 GiB of 4 KiB slots
        Space space = new Space(BASE, region, 2, (r, slotBytes) -> { });
        Set<Integer> ids = new HashSet<>(List.of(space.allocate(0, SLOT, 0, true, false))); // claims the region
        for (int slot; (slot = space.allocate(0, SLOT, ids.size(), false, false)) != Space.NONE; ) {
            assertTrue(ids.add(slot), "no slot twice");
        }
        assertEquals((1 << Space.SLOT_BITS) - 1, ids.size(), "the END marker's index is never a slot");
        assertFalse(space.hasFreeSlot(0));
        assertFalse(ids.contains(Space.NONE));
        assertTrue(space.checkInvariants());
    }

    @Test
    void aClassFillsItsRegionThenClaimsAnotherOnlyWhenAllowed() {
        Space space = space(3);
        int perRegion = (int) (REGION / SLOT);
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < perRegion; i++) assertTrue(ids.add(space.allocate(1, SLOT, i, true, false)), "no slot twice");
        assertFalse(space.hasFreeSlot(1));
        assertEquals(Space.NONE, space.allocate(1, SLOT, 0, false, false), "the region is full and no new one may be claimed");
        assertEquals(2, space.freeRegionCount());
        int next = space.allocate(1, SLOT, 99, true, false);
        assertNotEquals(Space.regionOf(ids.iterator().next()), Space.regionOf(next));
        assertEquals(1, space.freeRegionCount());
        assertEquals(2, space.regionsOf(1).size());
        space.allocate(2, 2 * SLOT, 0, true, false);
        assertEquals(0, space.freeRegionCount());
        assertEquals(Space.NONE, space.allocate(3, SLOT, 0, true, false), "no region left for a new class");
    }

    @Test
    void freeingTheLastSlotOfARegionGivesTheRegionBack() {
        Space space = space(2);
        int a = space.allocate(0, SLOT, 1, true, false), b = space.allocate(0, SLOT, 2, true, false);
        space.free(a);
        assertTrue(space.hasFreeSlot(0));
        assertEquals(a, space.allocate(0, SLOT, 3, false, false), "a freed slot is reused first");
        space.free(a);
        space.free(b);
        assertEquals(2, space.freeRegionCount());
        assertTrue(space.regionsOf(0).isEmpty());
        assertEquals(Space.NONE, space.region(Space.regionOf(a)).classId);
        assertEquals(0, space.usedSlotBytes());
        // The region can now serve another class with another slot size.
        int c = space.allocate(5, 16 * SLOT, 4, true, false);
        assertEquals(16 * SLOT, space.region(Space.regionOf(c)).slotBytes);
        assertEquals(REGION / (16 * SLOT), space.region(Space.regionOf(c)).slotCount);
    }

    @Test
    void aFreeSlotCannotBeFreedAgain() {
        Space space = space(1);
        int a = space.allocate(0, SLOT, 1, true, false);
        space.allocate(0, SLOT, 2, true, false);
        space.free(a);
        assertThrows(IllegalStateException.class, () -> space.free(a));
    }

    @Test
    void positionsFollowMovesAndParkedSlotsHaveNone() {
        Space space = space(1);
        int a = space.allocate(0, SLOT, 41, true, false);
        assertEquals(41, space.positionOf(a));
        space.moved(a, 42);
        assertEquals(42, space.positionOf(a));
        space.park(a);
        assertEquals(-1, space.positionOf(a), "parked: used, but no entry's");
        int b = space.allocate(0, SLOT, 0, false, false);
        assertNotEquals(a, b, "a parked slot is not free");
        space.free(a);
        assertEquals(-1, space.positionOf(a));
        assertEquals(KeyIndex.MAX_CELLS, Integer.MAX_VALUE - 1, "a position never equals the parked marker");
    }

    @Test
    void restoreGivesARegionExactlyTheUsedSlotsItIsToldAndFreesTheRest() {
        Space space = space(3);
        assertTrue(space.restore(1, 0, SLOT, new int[] {1, 3}, new long[] {10, 30}, 2));
        space.restored();
        assertEquals(2, space.freeRegionCount(), "regions 0 and 2 were not restored");
        assertEquals(10, space.positionOf(Space.slotId(1, 1)));
        assertEquals(30, space.positionOf(Space.slotId(1, 3)));
        assertEquals(2 * SLOT, space.usedSlotBytes());
        Set<Integer> handedOut = new HashSet<>();
        int perRegion = (int) (REGION / SLOT);
        for (int i = 0; i < perRegion - 2; i++) handedOut.add(space.allocate(0, SLOT, 100 + i, false, false));
        assertEquals(perRegion - 2, handedOut.size());
        assertFalse(handedOut.contains(Space.slotId(1, 1)) || handedOut.contains(Space.slotId(1, 3)));
        assertEquals(Space.NONE, space.allocate(0, SLOT, 0, false, false));
        assertThrows(IllegalStateException.class, () -> space.restore(1, 0, SLOT, new int[0], new long[0], 0));
    }

    @Test
    void restoreRefusesSlotsOutOfRangeOrNamedTwice() {
        assertFalse(space(2).restore(0, 0, SLOT, new int[] {2, 2}, new long[] {1, 2}, 2));
        assertFalse(space(2).restore(0, 0, SLOT, new int[] {(int) (REGION / SLOT)}, new long[] {1}, 1));
    }

    @Test
    void theColdestRegionIsTheLeastRecentlyUsedEvictableOne() {
        Space space = space(4);
        for (int cls = 0; cls < 4; cls++) space.allocate(cls, SLOT, cls, true, false);
        for (int r = 0; r < 4; r++) space.region(r).lastAccess = 100 - r * 10; // region 3 is the coldest
        Space.Region coldest = space.coldestRegion(r -> true, 64, new SplittableRandom(1));
        assertEquals(3, coldest.id);
        assertEquals(2, space.coldestRegion(r -> r != 3, 64, new SplittableRandom(1)).id);
        assertNull(space.coldestRegion(r -> false, 64, new SplittableRandom(1)));
    }

    /**
     * Random allocations and frees over several classes against a model: no slot is handed out
     * twice, the used bytes and per-class usage agree, and regions are either free or in use.
     */
    @Test
    void randomAllocationAndFreeMatchAModel() {
        for (long seed = 0; seed < 10; seed++) {
            Random rnd = new Random(seed);
            Space space = space(16);
            long[] slotSizes = {SLOT, 2 * SLOT, 5 * SLOT};
            Map<Integer, Integer> used = new HashMap<>(); // slot id -> class
            List<Integer> ids = new ArrayList<>();
            for (int step = 0; step < 5000; step++) {
                if (!ids.isEmpty() && rnd.nextInt(100) < 45) {
                    int id = ids.remove(rnd.nextInt(ids.size()));
                    used.remove(id);
                    space.free(id);
                } else {
                    int cls = rnd.nextInt(slotSizes.length);
                    int id = space.allocate(cls, slotSizes[cls], step, rnd.nextInt(4) != 0, false);
                    if (id == Space.NONE) continue;
                    assertNull(used.put(id, cls), "slot " + id + " handed out twice");
                    ids.add(id);
                    assertEquals(slotSizes[cls], space.region(Space.regionOf(id)).slotBytes);
                    assertEquals(step, space.positionOf(id));
                }
                long bytes = 0;
                long[] perClass = new long[slotSizes.length];
                for (var e : used.entrySet()) {
                    bytes += slotSizes[e.getValue()];
                    perClass[e.getValue()]++;
                }
                assertEquals(bytes, space.usedSlotBytes());
                long[][] usage = space.classUsage(slotSizes.length);
                int regionsInUse = 0;
                for (int c = 0; c < slotSizes.length; c++) {
                    assertEquals(perClass[c], usage[c][0], "class " + c);
                    regionsInUse += space.regionsOf(c).size();
                    for (Space.Region r : space.regionsOf(c)) assertTrue(r.freeCount < r.slotCount, "an empty region was given back");
                }
                assertEquals(16, regionsInUse + space.freeRegionCount());
            }
        }
    }
}
