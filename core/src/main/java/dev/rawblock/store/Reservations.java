package dev.rawblock.store;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * Where a new value goes: finds it a free slot, borrowing a larger class's slot or evicting when
 * its own class is full. Called under the store lock.
 *
 * <p><b>Order.</b> A free slot of the value's class; for a rare size, a free slot of a larger class
 * at most twice the need (so sizes seen once do not each claim a whole region); a free region; a
 * larger class's free slot for any size; and finally, when the policy allows, an eviction.
 *
 * <p><b>Eviction</b> approximates LRU by sampling: of {@value Store#EVICTION_SAMPLES} entries of the
 * class, the one whose last put or load is oldest goes (what Redis does for allkeys-lru). Pinned
 * entries and entries being written are never chosen. A class with no region takes over the
 * coldest region of another class; when no region can be taken over whole (a pinned entry, or a
 * value being replaced, in each), an entry of a class close above goes and its slot is borrowed.
 * A full index evicts from anywhere.
 */
final class Reservations {
    private final KeyIndex index;
    private final Space space;
    private final SizeClasses classes;
    private final Eviction policy;
    /** Removes an evicted entry from the store (journaling the delete). */
    private final LongConsumer evict;
    private final SplittableRandom random = new SplittableRandom();

    Reservations(KeyIndex index, Space space, SizeClasses classes, Eviction policy, LongConsumer evict) {
        this.index = index;
        this.space = space;
        this.classes = classes;
        this.policy = policy;
        this.evict = evict;
    }

    /** A free slot for a value of class {@code cls} needing {@code need} bytes, or {@link Space#NONE}. */
    int reserve(int cls, long need) {
        while (true) {
            if (!index.full()) {
                int slotId = space.allocate(cls, classes.slotBytes(cls), 0, false, !classes.rare(cls));
                if (slotId == Space.NONE && classes.rare(cls)) slotId = borrow(cls, need);
                if (slotId == Space.NONE) slotId = space.allocate(cls, classes.slotBytes(cls), 0, true, false);
                if (slotId == Space.NONE) slotId = borrow(cls, need);
                if (slotId != Space.NONE) return slotId;
            }
            if (policy == Eviction.NONE || !evictFor(cls, need)) return Space.NONE;
        }
    }

    private int borrow(int cls, long need) {
        int larger = classes.borrowable(need, cls, space::hasFreeSlot);
        return larger < 0 ? Space.NONE : space.allocate(larger, classes.slotBytes(larger), 0, false, false);
    }

    /** Evicts one entry of the class (or, for a class without regions, a whole cold region); false if nothing could be. */
    private boolean evictFor(int cls, long need) {
        long victim = sampleVictim(cls);
        if (victim >= 0) {
            evict.accept(victim);
            return true;
        }
        if (!index.full() && !space.regionsOf(cls).isEmpty()) return false; // the class is full of pinned entries
        if (index.full() && (victim = sampleAnyVictim()) >= 0) {
            evict.accept(victim);
            return true;
        }
        Space.Region region = space.coldestRegion(this::regionEvictable, Store.EVICTION_SAMPLES, random);
        if (region == null) {
            // No region can be taken over whole (each holds a pinned entry or a value being replaced):
            // evict from a class close above instead, whose freed slot the next round borrows.
            int larger = classes.borrowable(need, cls, c -> !space.regionsOf(c).isEmpty());
            if (larger < 0 || (victim = sampleVictim(larger)) < 0) return false;
            evict.accept(victim);
            return true;
        }
        // Evicting the last entry releases the region (slotCount drops to 0), which ends the loop.
        for (int s = 0; s < region.slotCount; s++) {
            long pos = space.positionOf(Space.slotId(region.id, s));
            if (pos >= 0) evict.accept(pos);
        }
        return true;
    }

    /** The least recently used evictable entry among samples of class {@code cls}, or -1. */
    private long sampleVictim(int cls) {
        List<Space.Region> regions = space.regionsOf(cls);
        if (regions.isEmpty()) return -1;
        long best = -1;
        for (int tries = 0, candidates = 0; tries < 4 * Store.EVICTION_SAMPLES && candidates < Store.EVICTION_SAMPLES; tries++) {
            Space.Region r = regions.get(random.nextInt(regions.size()));
            int s = random.nextInt(r.slotCount);
            if (!r.used(s)) continue;
            long pos = space.positionOf(Space.slotId(r.id, s));
            if (!evictable(pos)) continue;
            candidates++;
            if (best < 0 || index.access(pos) - index.access(best) < 0) best = pos;
        }
        return best;
    }

    /** The least recently used evictable entry among samples of the whole index, or -1. */
    private long sampleAnyVictim() {
        long best = -1;
        for (int i = 0; i < Store.EVICTION_SAMPLES * 4; i++) {
            long pos = random.nextLong(index.capacity());
            if (index.empty(pos)) continue;
            if (evictable(pos) && (best < 0 || index.access(pos) - index.access(best) < 0)) best = pos;
        }
        return best;
    }

    /** Stored, unpinned, not being replaced; never a parked slot's position (-1). */
    private boolean evictable(long pos) {
        return pos >= 0 && index.state(pos) == KeyIndex.STORED && index.pins(pos) == 0;
    }

    private boolean regionEvictable(int regionId) {
        Space.Region r = space.region(regionId);
        for (int s = 0; s < r.slotCount; s++) {
            if (r.used(s) && !evictable(space.positionOf(Space.slotId(regionId, s)))) return false;
        }
        return true;
    }
}
