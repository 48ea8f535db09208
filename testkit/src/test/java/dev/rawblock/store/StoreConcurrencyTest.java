package dev.rawblock.store;

import dev.rawblock.testkit.store.StoreFixture;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Many threads put, load, delete, pin and unpin overlapping keys while eviction runs. Every value is
 * a function of its key, so any load can be checked: a load returns that key's bytes or a miss,
 * never anything else; a pinned key is never deleted without force; nothing leaks.
 */
class StoreConcurrencyTest extends StoreFixture {
    private static int sizeOf(int k) {
        return 1000 + (k * 7919) % 90_000;
    }

    @Test
    void concurrentMixedOperationsKeepEveryInvariant() throws Exception {
        open(48 * MIB, MIB, StoreOptions.defaults());
        int threads = 8, keys = 400;
        AtomicLong verifiedLoads = new AtomicLong();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = t;
                done.add(pool.submit(() -> {
                    Random rnd = new Random(seed);
                    for (int op = 0; op < 400; op++) {
                        List<byte[]> batch = new ArrayList<>();
                        List<Integer> ids = new ArrayList<>();
                        for (int i = 0, n = 1 + rnd.nextInt(6); i < n; i++) {
                            int k = rnd.nextInt(keys);
                            ids.add(k);
                            batch.add(key("key-" + k));
                        }
                        switch (rnd.nextInt(5)) {
                            case 0, 1 -> store.putMany(batch, ids.stream().map(k -> value(k, sizeOf(k))).toList());
                            case 2 -> {
                                List<MemorySegment> dst = ids.stream()
                                        .map(k -> MemorySegment.ofArray(new byte[sizeOf(k)])).toList();
                                long[] got = store.loadMany(batch, dst);
                                for (int i = 0; i < got.length; i++) {
                                    if (got[i] < 0) continue;
                                    assertEquals(sizeOf(ids.get(i)), got[i]);
                                    assertEquals(-1, dst.get(i).mismatch(value(ids.get(i), sizeOf(ids.get(i)))),
                                            "key-" + ids.get(i) + " served other bytes");
                                    verifiedLoads.incrementAndGet();
                                }
                            }
                            case 3 -> store.deleteMany(batch, rnd.nextInt(4) == 0);
                            default -> {
                                boolean[] pinned = store.existsMany(batch, true);
                                List<byte[]> hits = new ArrayList<>();
                                for (int i = 0; i < pinned.length; i++) if (pinned[i]) hits.add(batch.get(i));
                                boolean[] deleted = store.deleteMany(hits, false);
                                for (boolean d : deleted) assertFalse(d, "a pinned key was deleted without force");
                                store.unlock(hits);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
        }
        assertTrue(verifiedLoads.get() > 100, "loads were exercised: " + verifiedLoads.get());
        StoreStats s = store.stats();
        assertEquals(0, s.checksumFailures(), "races are misses, not corruption");
        assertEquals(0, s.pinnedEntries());
        assertNoLeak();
        // Everything still stored loads back exactly.
        for (int k = 0; k < keys; k++) {
            byte[] v = load("key-" + k);
            if (v != null) assertArrayEquals(bytes(k, sizeOf(k)), v);
        }
    }
}
