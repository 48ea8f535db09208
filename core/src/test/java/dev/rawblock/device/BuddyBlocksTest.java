package dev.rawblock.device;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The arena's buddy system: blocks never overlap, are aligned, and freed memory serves every size again. */
class BuddyBlocksTest {
    private static final int MIN = 12;             // 4 KiB
    private static final int MAX = 22;             // 4 MiB
    private static final long ODD_SIZE = (6L << 20) + (12 << 10); // 6 MiB + 12 KiB: blocks of 4 MiB, 2 MiB, 8 KiB, 4 KiB

    @Test
    void aFreshRegionIsCutIntoTheLargestAlignedBlocksThatFit() {
        BuddyBlocks b = new BuddyBlocks(ODD_SIZE, MIN, MAX);
        assertEquals(4L << 20, b.largestFree());
        assertEquals(0, b.take(22));
        assertEquals(4L << 20, b.take(21));
        assertEquals(-1, b.take(21), "no other 2 MiB block: the rest is 12 KiB");
        assertEquals(12L << 10, b.freeBytes());
        assertEquals(6L << 20, b.take(13));
        assertEquals((6L << 20) + (8 << 10), b.take(12));
        assertEquals(-1, b.take(12));
        assertEquals(0, b.freeBytes());
    }

    @Test
    void smallBlocksGivenBackMergeIntoLargeOnes() {
        BuddyBlocks b = new BuddyBlocks(ODD_SIZE, MIN, MAX);
        List<Long> small = new ArrayList<>();
        for (long off; (off = b.take(MIN)) >= 0; ) small.add(off);
        assertEquals(ODD_SIZE >> MIN, small.size(), "every 4 KiB of the region, once");
        assertEquals(small.size(), small.stream().distinct().count());
        Collections.shuffle(small, new Random(1));
        for (long off : small) b.give(off, MIN);
        assertEquals(ODD_SIZE, b.freeBytes());
        assertEquals(4L << 20, b.largestFree(), "merged back to the start's blocks");
        assertEquals(0, b.take(22));
        assertEquals(4L << 20, b.take(21));
    }

    @Test
    void randomTakesAndGivesNeverOverlapAndAlwaysMergeBack() {
        for (int seed = 0; seed < 20; seed++) {
            Random random = new Random(seed);
            BuddyBlocks b = new BuddyBlocks(ODD_SIZE, MIN, MAX);
            TreeMap<Long, Long> taken = new TreeMap<>(); // offset -> end
            long takenBytes = 0;
            for (int step = 0; step < 5_000; step++) {
                if (taken.isEmpty() || random.nextInt(3) > 0) {
                    int shift = MIN + random.nextInt(MAX - MIN + 1);
                    long off = b.take(shift);
                    if (off < 0) {
                        assertTrue(b.largestFree() < 1L << shift, "refused 2^" + shift + " with a block that large free");
                        continue;
                    }
                    long end = off + (1L << shift);
                    assertEquals(0, off % (1L << shift), "aligned to its size");
                    assertTrue(end <= ODD_SIZE);
                    Map.Entry<Long, Long> before = taken.floorEntry(off);
                    Map.Entry<Long, Long> after = taken.ceilingEntry(off);
                    assertTrue(before == null || before.getValue() <= off, "overlaps the block before, seed " + seed);
                    assertTrue(after == null || after.getKey() >= end, "overlaps the block after, seed " + seed);
                    taken.put(off, end);
                    takenBytes += 1L << shift;
                } else {
                    long off = new ArrayList<>(taken.keySet()).get(random.nextInt(taken.size()));
                    long end = taken.remove(off);
                    b.give(off, Long.numberOfTrailingZeros(end - off));
                    takenBytes -= end - off;
                }
                assertEquals(ODD_SIZE - takenBytes, b.freeBytes());
            }
            for (Map.Entry<Long, Long> e : taken.entrySet()) b.give(e.getKey(), Long.numberOfTrailingZeros(e.getValue() - e.getKey()));
            assertEquals(ODD_SIZE, b.freeBytes());
            assertEquals(0, b.take(22), "seed " + seed + ": everything merged back");
            assertEquals(4L << 20, b.take(21), "seed " + seed);
        }
    }

    @Test
    void aBlockGivenBackTwiceOrMisplacedIsRefused() {
        BuddyBlocks b = new BuddyBlocks(1 << 20, MIN, MAX);
        long off = b.take(MIN);
        b.take(MIN); // keeps the buddy taken, so the first block stays a 4 KiB block when given back
        b.give(off, MIN);
        assertThrows(IllegalStateException.class, () -> b.give(off, MIN));
        assertThrows(IllegalArgumentException.class, () -> b.give(4096 + 512, MIN));
        assertThrows(IllegalArgumentException.class, () -> b.give(1 << 20, MIN));
        assertThrows(IllegalArgumentException.class, () -> b.take(MAX + 1));
    }

    @Test
    void threadsTakingAndGivingNeverShareMemory() throws Exception {
        long size = 16L << 20;
        BuddyBlocks b = new BuddyBlocks(size, MIN, MAX);
        AtomicIntegerArray owner = new AtomicIntegerArray((int) (size >> MIN)); // 0 = nobody, else thread + 1
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int me = t + 1;
            threads.add(Thread.ofPlatform().start(() -> {
                Random random = new Random(me);
                try {
                    for (int i = 0; i < 20_000; i++) {
                        int shift = MIN + random.nextInt(5);
                        long off = b.take(shift);
                        if (off < 0) continue;
                        int first = (int) (off >> MIN), pages = 1 << (shift - MIN);
                        for (int p = first; p < first + pages; p++) {
                            if (!owner.compareAndSet(p, 0, me)) throw new AssertionError("page " + p + " handed out twice");
                        }
                        for (int p = first; p < first + pages; p++) owner.set(p, 0);
                        b.give(off, shift);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : threads) t.join();
        if (failure.get() != null) throw new AssertionError(failure.get());
        assertEquals(size, b.freeBytes());
        assertEquals(4L << 20, b.largestFree());
    }
}
