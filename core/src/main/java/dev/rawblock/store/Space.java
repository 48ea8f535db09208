package dev.rawblock.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Device space: fixed-size regions, each assigned to one size class when first needed and cut
 * into slots of that class's size.
 *
 * <pre>
 *  regionBase                                                              end
 *  | region 0 (class 3)    | region 1 (free) | region 2 (class 0)   | ... |
 *  [slot][slot][slot][tail] [              ] [s][s][s][s][s][s][s][s]
 * </pre>
 *
 * <p><b>Slot ids.</b> A slot is named by one int: {@code region << 18 | slot}, so a region holds at
 * most 2^18 slots (1 GiB of 4 KiB slots) and there are at most 2^14 regions.
 *
 * <p><b>Slot table.</b> Each region keeps one int per slot: for a used slot, the index position of
 * its entry (so eviction can go from a slot to its key); for a free slot, {@code FREE_BIT | next
 * free slot}, which threads the region's free list through the same array. Allocation and free are
 * O(1): pop or push the region's free list; a class keeps the regions that have free slots. A region
 * whose last slot is freed returns to the pool of free regions, so classes rebalance as data turns
 * over. A slot can also be {@link #park parked}: used, but owned by no entry (the new slot of a
 * replacement being written, an old slot waiting for the replacement to be durable or for its
 * readers); eviction and scans pass it by.
 *
 * <p><b>Members.</b> On a span of several devices, region r is on member r mod N (see
 * {@code SpanDevice}); free regions and each class's regions with free slots are kept per member,
 * and a new slot goes to the member with the least work queued (see the constructor).
 *
 * <p>Not thread-safe: the store calls it under its lock.
 */
final class Space {
    static final int SLOT_BITS = 18;
    static final int MAX_REGIONS = 1 << 14;
    private static final int FREE_BIT = 1 << 31;
    private static final int END = FREE_BIT | ((1 << SLOT_BITS) - 1);
    /** The slot-table value of a parked slot: a position no index cell has ({@link KeyIndex#MAX_CELLS}). */
    private static final int PARKED = Integer.MAX_VALUE;
    static final int NONE = -1;

    // What the slot id encoding and the slot table's markers rely on, checked once.
    static {
        // Slot ids are read unsigned (regionOf shifts with >>>): region and slot fill at most the 32 bits.
        if (SLOT_BITS + Integer.numberOfTrailingZeros(MAX_REGIONS) > Integer.SIZE) {
            throw new AssertionError("a slot id of " + SLOT_BITS + " slot bits and " + MAX_REGIONS + " regions does not fit an int");
        }
        if (Integer.bitCount(MAX_REGIONS) != 1) throw new AssertionError("MAX_REGIONS must be a power of two");
        if (PARKED <= KeyIndex.MAX_CELLS - 1) throw new AssertionError("PARKED must be a position no index cell has");
        if ((FREE_BIT & PARKED) != 0) throw new AssertionError("a parked slot must read as used");
    }

    /** One region's state. */
    static final class Region {
        final int id;
        int classId = NONE;
        long slotBytes;
        int slotCount;
        int freeCount;
        int freeHead;
        int[] slots = new int[0];
        /** Logical time of the newest put or load in this region (for stealing the coldest). */
        int lastAccess;

        Region(int id) {
            this.id = id;
        }

        boolean used(int slot) {
            return (slots[slot] & FREE_BIT) == 0;
        }
    }

    private final long regionBase;
    private final long regionBytes;
    private final Region[] regions;
    /** Members of the device the regions are spread over: region r is on member r mod members. */
    private final int members;
    private final MemberLoad load;
    /** Per member: regions assigned to no class. */
    private final ArrayDeque<Region>[] freeRegions;
    /** Per class, per member: regions of the class with at least one free slot. */
    private final List<ArrayDeque<Region>[]> withFree = new ArrayList<>();
    /** Per class: all regions of the class. */
    private final List<List<Region>> ofClass = new ArrayList<>();
    /** Per class, per member: how many of the class's regions are on the member. */
    private final List<int[]> classOnMember = new ArrayList<>();
    private long usedSlotBytes;
    /** Per member: bytes of used slots, and bytes of slots allocated since the store lock was taken. */
    private final long[] memberUsedBytes, planned;

    /** Told (under the store lock) when a free region is assigned to a class, so that the journal can record it. */
    interface AssignListener {
        void assigned(int region, long slotBytes);
    }

    private final AssignListener onAssign;

    /** How busy each member of the device is: bytes of its operations in flight. */
    interface MemberLoad {
        long inFlightBytes(int member);
    }

    /** Space on one device. */
    Space(long regionBase, long regionBytes, int regionCount, AssignListener onAssign) {
        this(regionBase, regionBytes, regionCount, 1, member -> 0, onAssign);
    }

    /**
     * Space whose regions are spread over {@code members} devices, region r on member r mod
     * members (see {@code SpanDevice}): a new slot goes to the member with the least work queued,
     * counting what {@code load} says is in flight and what was allocated since the store lock
     * was taken ({@link #newHold}), and of equally busy members to the one with the fewest used
     * bytes. So the values of one batch, and of concurrent batches, spread over the members, and
     * an idle set fills evenly. A class may take a region on a member where it has none even while
     * it has free slots elsewhere ({@code spread} in {@link #allocate}).
     */
    @SuppressWarnings("unchecked")
    Space(long regionBase, long regionBytes, int regionCount, int members, MemberLoad load, AssignListener onAssign) {
        this.onAssign = onAssign;
        if (regionCount < 1 || regionCount > MAX_REGIONS) {
            throw new IllegalArgumentException("region count must be in 1.." + MAX_REGIONS + ", got " + regionCount);
        }
        if (members < 1 || members > regionCount) {
            throw new IllegalArgumentException(members + " members for " + regionCount + " regions");
        }
        this.regionBase = regionBase;
        this.regionBytes = regionBytes;
        this.members = members;
        this.load = load;
        this.memberUsedBytes = new long[members];
        this.planned = new long[members];
        this.freeRegions = new ArrayDeque[members];
        for (int m = 0; m < members; m++) freeRegions[m] = new ArrayDeque<>();
        this.regions = new Region[regionCount];
        for (int i = 0; i < regionCount; i++) {
            regions[i] = new Region(i);
            freeRegions[memberOf(i)].add(regions[i]);
        }
    }

    /** The member region {@code region} is on. */
    int memberOf(int region) {
        return region % members;
    }

    int members() {
        return members;
    }

    /** Bytes of used slots on member {@code member}. */
    long usedSlotBytes(int member) {
        return memberUsedBytes[member];
    }

    /** Regions on member {@code member}. */
    int regionCount(int member) {
        return regions.length / members + (member < regions.length % members ? 1 : 0);
    }

    /** The store lock was taken: what was allocated before is submitted, and in the members' load, by now. */
    void newHold() {
        if (members > 1) java.util.Arrays.fill(planned, 0);
    }

    static int slotId(int region, int slot) {
        return region << SLOT_BITS | slot;
    }

    static int regionOf(int slotId) {
        return slotId >>> SLOT_BITS;
    }

    static int slotOf(int slotId) {
        return slotId & ((1 << SLOT_BITS) - 1);
    }

    /** Device offset of a slot. */
    long offset(int slotId) {
        Region r = regions[regionOf(slotId)];
        return regionBase + regionOf(slotId) * regionBytes + slotOf(slotId) * r.slotBytes;
    }

    int regionCount() {
        return regions.length;
    }

    int freeRegionCount() {
        int n = 0;
        for (ArrayDeque<Region> free : freeRegions) n += free.size();
        return n;
    }

    Region region(int id) {
        return regions[id];
    }

    /** Bytes of slots holding (or being written with) values. */
    long usedSlotBytes() {
        return usedSlotBytes;
    }

    /** Regions of class {@code classId} (empty if none). */
    List<Region> regionsOf(int classId) {
        return classId < ofClass.size() ? ofClass.get(classId) : List.of();
    }

    /** Whether a region of the class has a free slot (no new region needed). */
    boolean hasFreeSlot(int classId) {
        if (classId >= withFree.size()) return false;
        for (ArrayDeque<Region> lists : withFree.get(classId)) if (!lists.isEmpty()) return true;
        return false;
    }

    /**
     * A free slot of the class, taking a free region for it only if {@code mayClaimRegion} (or, over
     * several members, if {@code spread} and the class has regions, but none on the member the slot
     * should go to); the slot is recorded as holding the index entry at {@code position}.
     * {@link #NONE} when there is none.
     */
    int allocate(int classId, long slotBytes, long position, boolean mayClaimRegion, boolean spread) {
        ensureClass(classId);
        int m = members == 1 ? 0 : pick(classId, mayClaimRegion, spread);
        if (m < 0) return NONE;
        ArrayDeque<Region> candidates = withFree.get(classId)[m];
        Region r = candidates.peekFirst();
        if (r == null) {
            if (!mayClaimRegion && !(spread && members > 1)) return NONE;
            r = freeRegions[m].pollFirst();
            if (r == null) return NONE;
            assign(r, classId, slotBytes);
            onAssign.assigned(r.id, slotBytes);
        }
        int slot = r.freeHead;
        r.freeHead = r.slots[slot] == END ? END : r.slots[slot] & ~FREE_BIT;
        r.slots[slot] = (int) position;
        if (--r.freeCount == 0) candidates.pollFirst();
        usedSlotBytes += r.slotBytes;
        memberUsedBytes[m] += r.slotBytes;
        planned[m] += r.slotBytes;
        return slotId(r.id, slot);
    }

    /**
     * The member a new slot of the class goes to: of those that have a free slot of the class, or
     * a free region the class may take there, the least busy, then the least used; -1 if none.
     */
    private int pick(int classId, boolean mayClaimRegion, boolean spread) {
        ArrayDeque<Region>[] lists = withFree.get(classId);
        int[] on = classOnMember.get(classId);
        boolean hasRegions = !ofClass.get(classId).isEmpty();
        int best = -1;
        long bestLoad = 0;
        for (int m = 0; m < members; m++) {
            boolean claims = !freeRegions[m].isEmpty() && (mayClaimRegion || spread && hasRegions && on[m] == 0);
            if (lists[m].isEmpty() && !claims) continue;
            long busy = load.inFlightBytes(m) + planned[m];
            if (best < 0 || busy < bestLoad || busy == bestLoad && memberUsedBytes[m] < memberUsedBytes[best]) {
                best = m;
                bestLoad = busy;
            }
        }
        return best;
    }

    /** Records that the entry of a used slot moved to another index position. */
    void moved(int slotId, long position) {
        regions[regionOf(slotId)].slots[slotOf(slotId)] = (int) position;
    }

    /** Marks a used slot as owned by no index entry (see the class comment). */
    void park(int slotId) {
        moved(slotId, PARKED);
    }

    /** Whether a slot is used (holding, or being written with, a value; or parked). */
    boolean used(int slotId) {
        Region r = regions[regionOf(slotId)];
        return slotOf(slotId) < r.slotCount && r.used(slotOf(slotId));
    }

    /** The index position of the entry in a used slot, or -1 for a free or parked slot. */
    long positionOf(int slotId) {
        Region r = regions[regionOf(slotId)];
        int slot = slotOf(slotId);
        return r.used(slot) && r.slots[slot] != PARKED ? Integer.toUnsignedLong(r.slots[slot]) : -1;
    }

    /** Frees a used slot; a region left without used slots returns to the free pool. */
    void free(int slotId) {
        Region r = regions[regionOf(slotId)];
        int slot = slotOf(slotId);
        if (!r.used(slot)) throw new IllegalStateException("slot " + slotId + " is already free");
        r.slots[slot] = r.freeHead == END ? END : FREE_BIT | r.freeHead;
        r.freeHead = slot;
        usedSlotBytes -= r.slotBytes;
        memberUsedBytes[memberOf(r.id)] -= r.slotBytes;
        if (r.freeCount++ == 0) withFree.get(r.classId)[memberOf(r.id)].addFirst(r);
        if (r.freeCount == r.slotCount) release(r);
    }

    /**
     * Recovery: gives a region to a class with exactly the used slots given (slot -> index
     * position); the other slots become its free list. Call {@link #restored()} after the last one.
     *
     * @return false when a slot is out of range or named twice (the caller drops those entries)
     */
    boolean restore(int region, int classId, long slotBytes, int[] usedSlots, long[] positions, int count) {
        Region r = regions[region];
        if (r.classId != NONE) throw new IllegalStateException("region " + region + " is restored twice");
        ensureClass(classId);
        assign(r, classId, slotBytes);
        java.util.BitSet used = new java.util.BitSet(r.slotCount);
        for (int i = 0; i < count; i++) {
            if (usedSlots[i] >= r.slotCount || used.get(usedSlots[i])) return false;
            used.set(usedSlots[i]);
            r.slots[usedSlots[i]] = (int) positions[i];
        }
        r.freeHead = END;
        for (int s = r.slotCount - 1; s >= 0; s--) {
            if (used.get(s)) continue;
            r.slots[s] = r.freeHead == END ? END : FREE_BIT | r.freeHead;
            r.freeHead = s;
        }
        r.freeCount = r.slotCount - count;
        usedSlotBytes += count * slotBytes;
        memberUsedBytes[memberOf(region)] += count * slotBytes;
        if (r.freeCount == 0) withFree.get(classId)[memberOf(region)].remove(r);
        return true;
    }

    /** Recovery is done: regions not restored are the free pool. */
    void restored() {
        for (ArrayDeque<Region> free : freeRegions) free.clear();
        for (Region r : regions) if (r.classId == NONE) freeRegions[memberOf(r.id)].add(r);
    }

    /** A region of another class to take over when a class has none and no region is free. */
    Region coldestRegion(java.util.function.IntPredicate evictable, int samples, java.util.random.RandomGenerator rnd) {
        Region best = null;
        for (int i = 0; i < samples; i++) {
            Region r = regions[rnd.nextInt(regions.length)];
            if (r.classId == NONE) continue;
            if (best != null && r.lastAccess - best.lastAccess >= 0) continue;
            if (evictable.test(r.id)) best = r;
        }
        return best;
    }

    /**
     * The slots a region holds for a class: as many as fit, at most 2^18 - 1. The last index of
     * 18 bits is kept out: it is the free list's END marker, and slot id -1 ({@link #NONE}) would
     * be that slot of the last region. (Only regions of 2^18 slots or more, 1 GiB of 4 KiB slots,
     * lose one: its free list used to end a slot early while counting it free.)
     */
    static int slotsIn(long regionBytes, long slotBytes) {
        return (int) Math.min(regionBytes / slotBytes, (1 << SLOT_BITS) - 1);
    }

    private void assign(Region r, int classId, long slotBytes) {
        r.classId = classId;
        r.slotBytes = slotBytes;
        r.slotCount = slotsIn(regionBytes, slotBytes);
        r.freeCount = r.slotCount;
        if (r.slots.length != r.slotCount) r.slots = new int[r.slotCount];
        for (int i = 0; i < r.slotCount - 1; i++) r.slots[i] = FREE_BIT | (i + 1);
        r.slots[r.slotCount - 1] = END;
        r.freeHead = 0;
        ofClass.get(classId).add(r);
        classOnMember.get(classId)[memberOf(r.id)]++;
        withFree.get(classId)[memberOf(r.id)].addLast(r);
    }

    private void release(Region r) {
        withFree.get(r.classId)[memberOf(r.id)].remove(r);
        ofClass.get(r.classId).remove(r);
        classOnMember.get(r.classId)[memberOf(r.id)]--;
        r.classId = NONE;
        r.slotBytes = 0;
        r.slotCount = 0;
        r.freeCount = 0;
        r.slots = new int[0];
        freeRegions[memberOf(r.id)].addFirst(r);
    }

    @SuppressWarnings("unchecked")
    private void ensureClass(int classId) {
        while (withFree.size() <= classId) {
            ArrayDeque<Region>[] lists = new ArrayDeque[members];
            for (int m = 0; m < members; m++) lists[m] = new ArrayDeque<>();
            withFree.add(lists);
            ofClass.add(new ArrayList<>());
            classOnMember.add(new int[members]);
        }
    }

    /** Used and total slot counts per class, for stats. */
    long[][] classUsage(int classes) {
        long[][] usage = new long[classes][2];
        for (Region r : regions) {
            if (r.classId == NONE) continue;
            usage[r.classId][0] += r.slotCount - r.freeCount;
            usage[r.classId][1] += r.slotCount;
        }
        return usage;
    }

    /**
     * What holds between the regions, their free lists and the class lists whenever the store lock
     * is free: a region is free (no class, no slots, in the free pool) or assigned (its free list
     * threads exactly its free slots, it is among its class's regions, and among those with a free
     * slot exactly when it has one), and the used bytes are the sum of the used slots. O(slots):
     * for {@code assert} only.
     */
    boolean checkInvariants() {
        long used = 0;
        int free = 0;
        for (Region r : regions) {
            if (r.classId == NONE) {
                assert r.slotCount == 0 && freeRegions[memberOf(r.id)].contains(r) : "region " + r.id + " has no class but is not free";
                free++;
                continue;
            }
            assert !freeRegions[memberOf(r.id)].contains(r) : "region " + r.id + " is assigned and in the free pool";
            assert ofClass.get(r.classId).contains(r) : "region " + r.id + " is missing from its class";
            assert (r.freeCount > 0) == withFree.get(r.classId)[memberOf(r.id)].contains(r)
                    : "region " + r.id + " with " + r.freeCount + " free slots is misfiled";
            int threaded = 0;
            for (int s = r.freeHead; s != END && threaded <= r.slotCount; s = r.slots[s] == END ? END : r.slots[s] & ~FREE_BIT) {
                assert !r.used(s) : "slot " + s + " of region " + r.id + " is on its free list but used";
                threaded++;
            }
            assert threaded == r.freeCount : "region " + r.id + " threads " + threaded + " free slots, counts " + r.freeCount;
            used += (r.slotCount - r.freeCount) * r.slotBytes;
        }
        assert free == freeRegionCount() : free + " free regions, pool holds " + freeRegionCount();
        assert used == usedSlotBytes : used + " used slot bytes, counted " + usedSlotBytes;
        long perMember = 0;
        for (long b : memberUsedBytes) perMember += b;
        assert perMember == usedSlotBytes : perMember + " used slot bytes over the members, counted " + usedSlotBytes;
        return true;
    }

    @Override
    public String toString() {
        return "Space" + Arrays.toString(new long[] {regions.length, freeRegionCount(), usedSlotBytes});
    }
}
