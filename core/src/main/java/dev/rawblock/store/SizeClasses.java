package dev.rawblock.store;

import java.util.Arrays;

/**
 * Maps the bytes a value needs on the device (header + padded payload, a multiple of the block)
 * to a size class: a slot size that regions of that class are cut into.
 *
 * <p><b>Which classes exist.</b> Two kinds, created the first time they are needed:
 * <ul>
 *   <li><b>Exact classes</b>, slot = need, for every need up to 16 blocks, and for any larger need
 *       seen {@value #POPULAR} times recently. KV-cache chunks all have one size (the full chunk), so
 *       after the first few every chunk lands in a slot that fits it to the byte: no waste on what
 *       dominates.</li>
 *   <li><b>Geometric classes</b> for needs seen once (LMCache's partial last chunks have random
 *       sizes): eight per doubling, so a slot wastes at most 1/8 (about 1/16 on average) of such a
 *       value, and the number of classes stays bounded.</li>
 * </ul>
 * "Seen before" is a small direct-mapped table of recent need sizes: cheap, and forgetting a rare
 * size only means the geometric class is used.
 *
 * When every id is taken, the id of a class that holds no region any more serves the new size.
 *
 * <p>Not thread-safe: the store calls it under its lock.
 */
final class SizeClasses {
    /** Class ids are one byte in the index. */
    static final int MAX_CLASSES = 255;
    private static final int SMALL_BLOCKS = 16;
    private static final int STEPS_PER_DOUBLING = 8;
    private static final int RECENT = 1024;
    private static final int POPULAR = 4;

    private final int block;
    private final long maxSlotBytes;
    private long[] slotBytes = new long[16];
    /** Per class: made for sizes seen once (geometric), rather than for one popular size. */
    private boolean[] rare = new boolean[16];
    private int count;
    /** slot size -> class id, for the classes that exist (sorted array would do; a map is clearer). */
    private final java.util.HashMap<Long, Integer> bySize = new java.util.HashMap<>();
    private final long[] recentSize = new long[RECENT];
    private final int[] recentCount = new int[RECENT];

    SizeClasses(int block, long maxSlotBytes) {
        this.block = block;
        this.maxSlotBytes = maxSlotBytes;
    }

    /** Upper bound of the class ids handed out so far. */
    int count() {
        return count;
    }

    /** Slot bytes of class {@code id}. */
    long slotBytes(int id) {
        return slotBytes[id];
    }

    /**
     * The class for a value needing {@code need} bytes (a block multiple), creating it if needed;
     * -1 when the value is larger than a region's slot can be, or every class id is taken and none fits.
     */
    int classFor(long need, java.util.function.IntPredicate holdsNoRegion) {
        if (need > maxSlotBytes) return -1;
        Integer existing = bySize.get(need);
        if (existing != null) return existing;
        long blocks = need / block;
        int r = Long.hashCode(need * 0x9E3779B97F4A7C15L) & (RECENT - 1);
        if (recentSize[r] != need) {
            recentSize[r] = need;
            recentCount[r] = 0;
        }
        boolean popular = ++recentCount[r] >= POPULAR;
        boolean exact = blocks <= SMALL_BLOCKS || popular;
        long size = exact ? need : geometric(blocks) * block;
        size = Math.min(size, maxSlotBytes);
        Integer id = bySize.get(size);
        if (id != null) return id;
        if (count < MAX_CLASSES) {
            if (count == slotBytes.length) {
                slotBytes = Arrays.copyOf(slotBytes, count * 2);
                rare = Arrays.copyOf(rare, count * 2);
            }
            id = count++;
        } else {
            id = unused(holdsNoRegion);
            if (id < 0) return largerExisting(need);
            bySize.remove(slotBytes[id]);
        }
        slotBytes[id] = size;
        rare[id] = !exact && size != need;
        bySize.put(size, id);
        return id;
    }

    private int unused(java.util.function.IntPredicate holdsNoRegion) {
        for (int i = 0; i < count; i++) if (holdsNoRegion.test(i)) return i;
        return -1;
    }

    /** Recovery: the class whose slots are exactly {@code slotBytes}, created if needed; -1 if no id is left. */
    int exact(long slotBytes) {
        Integer id = bySize.get(slotBytes);
        if (id != null) return id;
        if (count == MAX_CLASSES) return -1;
        if (count == this.slotBytes.length) {
            this.slotBytes = Arrays.copyOf(this.slotBytes, count * 2);
            rare = Arrays.copyOf(rare, count * 2);
        }
        this.slotBytes[count] = slotBytes;
        bySize.put(slotBytes, count);
        return count++;
    }

    /** Whether class {@code id} serves sizes seen once (a geometric class), not one popular size. */
    boolean rare(int id) {
        return rare[id];
    }

    /**
     * The class with the smallest slot in {@code [need, 2 * need]} that {@code hasFree} accepts,
     * other than {@code except}; -1 if none. Lets a value borrow a slot of a larger class rather
     * than claim a whole region or evict.
     */
    int borrowable(long need, int except, java.util.function.IntPredicate hasFree) {
        int best = -1;
        for (int i = 0; i < count; i++) {
            if (i == except || slotBytes[i] < need || slotBytes[i] > 2 * need) continue;
            if ((best < 0 || slotBytes[i] < slotBytes[best]) && hasFree.test(i)) best = i;
        }
        return best;
    }

    /** Blocks of the geometric class for a need of {@code blocks} (> 16): eight steps per doubling. */
    static long geometric(long blocks) {
        int e = 63 - Long.numberOfLeadingZeros(blocks - 1); // 2^e < blocks <= 2^(e+1)
        long step = 1L << (e - 3);
        return (blocks + step - 1) / step * step;
    }

    /** With every id taken: the smallest existing class that fits, or -1. */
    private int largerExisting(long need) {
        int best = -1;
        for (int i = 0; i < count; i++) {
            if (slotBytes[i] >= need && (best < 0 || slotBytes[i] < slotBytes[best])) best = i;
        }
        return best;
    }
}
