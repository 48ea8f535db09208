package dev.rawblock.store;

import dev.rawblock.testkit.store.StoreFixture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Random operation sequences (put, load, delete, pin, unlock) with injected device faults, checked
 * step by step against a plain in-memory model. Each seed is one sequence; a failure names its seed
 * and step, which replays it exactly.
 */
class StoreModelTest extends StoreFixture {
    static LongStream seeds() {
        return LongStream.range(0, 24);
    }

    /** What the store must hold: key -> (value seed, size), and pin counts. */
    private final Map<Integer, int[]> model = new HashMap<>();
    private final Map<Integer, Integer> pins = new HashMap<>();

    @ParameterizedTest
    @MethodSource("seeds")
    void randomOperationsMatchTheModel(long seed) throws IOException {
        open(128 * MIB, 4 * MIB, StoreOptions.defaults().withEviction(Eviction.NONE));
        Random rnd = new Random(seed);
        for (int step = 0; step < 300; step++) {
            String where = "seed " + seed + " step " + step;
            boolean faulty = rnd.nextInt(6) == 0;
            if (faulty) failNextData(1 + rnd.nextInt(2));
            List<Integer> ids = new ArrayList<>();
            for (int i = 0, n = 1 + rnd.nextInt(5); i < n; i++) ids.add(rnd.nextInt(40));
            List<byte[]> batch = ids.stream().map(k -> key("k" + k)).toList();
            switch (rnd.nextInt(5)) {
                case 0, 1 -> {
                    int vseed = rnd.nextInt(1000);
                    List<Integer> sizes = ids.stream().map(k -> 1 + rnd.nextInt(rnd.nextBoolean() ? 100 : 200_000)).toList();
                    List<MemorySegment> values = new ArrayList<>();
                    for (int i = 0; i < ids.size(); i++) values.add(value(vseed + ids.get(i), sizes.get(i)));
                    PutResult[] r = store.putMany(batch, values);
                    Map<Integer, Integer> first = new HashMap<>();
                    for (int i = 0; i < ids.size(); i++) {
                        int k = ids.get(i);
                        Integer f = first.putIfAbsent(k, i);
                        if (model.containsKey(k) && f == null) {
                            assertEquals(PutResult.ALREADY_STORED, r[i], where);
                        } else if (f == null) {
                            if (r[i] == PutResult.STORED) model.put(k, new int[] {vseed + k, sizes.get(i)});
                            else assertTrue(faulty && r[i] == PutResult.WRITE_FAILED, where + ": " + r[i]);
                        } else {
                            assertEquals(r[f], r[i], where + ": duplicates share a result");
                        }
                    }
                }
                case 2 -> {
                    List<MemorySegment> dst = ids.stream().map(k -> MemorySegment.ofArray(new byte[200_000])).toList();
                    long[] got = store.loadMany(batch, dst);
                    for (int i = 0; i < ids.size(); i++) {
                        int[] m = model.get(ids.get(i));
                        if (m == null) {
                            assertEquals(Store.MISS, got[i], where);
                        } else if (got[i] >= 0) {
                            assertEquals(m[1], got[i], where);
                            assertEquals(-1, dst.get(i).asSlice(0, m[1]).mismatch(value(m[0], m[1])), where);
                        } else {
                            assertTrue(faulty, where + ": a stored key missed without a fault");
                        }
                    }
                }
                case 3 -> {
                    boolean force = rnd.nextBoolean();
                    boolean[] d = store.deleteMany(batch, force);
                    for (int i = 0; i < ids.size(); i++) {
                        int k = ids.get(i);
                        boolean expected = model.containsKey(k) && (force || pins.getOrDefault(k, 0) == 0);
                        assertEquals(expected, d[i], where + " delete k" + k);
                        if (expected) {
                            model.remove(k);
                            pins.remove(k);
                        }
                    }
                }
                case 4 -> {
                    if (rnd.nextBoolean()) {
                        boolean[] hit = store.existsMany(batch, true);
                        for (int i = 0; i < ids.size(); i++) {
                            assertEquals(model.containsKey(ids.get(i)), hit[i], where);
                            if (hit[i]) pins.merge(ids.get(i), 1, Integer::sum);
                        }
                    } else {
                        store.unlock(batch);
                        for (int k : ids) pins.computeIfPresent(k, (key, p) -> p > 1 ? p - 1 : null);
                    }
                }
                default -> throw new AssertionError();
            }
            device.clearFaults(); // also removes the fixture's data-op counter, which this test does not use
        }
        assertEquals(model.size(), store.stats().entries());
        assertEquals(pins.size(), store.stats().pinnedEntries());
        assertNoLeak();
    }
}
