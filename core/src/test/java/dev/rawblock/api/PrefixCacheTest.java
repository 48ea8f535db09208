package dev.rawblock.api;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.store.FormatOptions;
import dev.rawblock.store.PutResult;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreFormat;
import dev.rawblock.store.StoreOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.*;

/** The legacy plugin contract of the reference's §10, on a real store. */
class PrefixCacheTest {
    @TempDir
    Path dir;
    BlockDevice device;
    Store store;
    PrefixCache cache;

    @BeforeEach
    void open() throws IOException {
        device = BlockDevice.open(DeviceOptions.of(dir.resolve("s.img")).withCreateSize(64L << 20).withArenaBytes(8 << 20));
        StoreFormat.format(device, new FormatOptions(0, 4L << 20, 0));
        store = Store.open(device, StoreOptions.defaults());
        cache = new PrefixCache(store);
    }

    @AfterEach
    void close() throws IOException {
        store.close();
        device.close();
    }

    static byte[] key(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] value(String key) {
        byte[] v = new byte[3000 + Math.floorMod(key.hashCode(), 7000)];
        new Random(key.hashCode()).nextBytes(v);
        return v;
    }

    void put(String... keys) {
        for (String k : keys) {
            assertEquals(PutResult.STORED, store.putMany(List.of(key(k)), List.of(MemorySegment.ofArray(value(k))))[0]);
        }
    }

    @Test
    void containsAndPrefixContains() {
        put("a", "b", "d");
        assertTrue(cache.contains(key("a"), false));
        assertFalse(cache.contains(key("c"), false));
        assertEquals(2, cache.prefixContains(List.of(key("a"), key("b"), key("c"), key("d")), false));
        assertEquals(0, store.stats().pinnedEntries());
    }

    /** Item 11: however often a key is pinned through the facade, it holds one pin, and one unpin releases it. */
    @Test
    void aKeyHoldsOnePinFromTheFacade() {
        put("a");
        for (int i = 0; i < 5; i++) assertTrue(cache.pin(key("a")));
        assertTrue(cache.contains(key("a"), true));
        assertEquals(1, cache.prefixContains(List.of(key("a"), key("x")), true));
        assertEquals(1, cache.pinnedKeys());
        assertFalse(cache.remove(key("a"), false), "pinned: a non-forced remove is refused");
        assertTrue(cache.unpin(key("a")));
        assertEquals(0, store.stats().pinnedEntries(), "one unpin released the single pin");
        assertTrue(cache.remove(key("a"), false));
    }

    @Test
    void pinOfAMissingKeyPinsNothingAndUnpinOfAnUnpinnedKeyReportsContains() {
        put("a");
        assertFalse(cache.pin(key("missing")));
        assertEquals(0, cache.pinnedKeys());
        assertTrue(cache.unpin(key("a")), "not pinned: returns contains");
        assertFalse(cache.unpin(key("missing")));
    }

    /** Item 7: a prefix get loads only the leading hits and reports the rest as not loaded. */
    @Test
    void prefixGetLoadsOnlyTheLeadingRun() {
        put("a", "b", "d");
        List<byte[]> keys = List.of(key("a"), key("b"), key("c"), key("d"));
        List<MemorySegment> dst = new ArrayList<>();
        for (int i = 0; i < 4; i++) dst.add(MemorySegment.ofArray(new byte[16 << 10]));
        long[] got = cache.prefixGet(keys, dst);
        assertEquals(value("a").length, got[0]);
        assertEquals(value("b").length, got[1]);
        assertEquals(Store.MISS, got[2]);
        assertEquals(Store.MISS, got[3], "d is stored but after the first miss");
        assertArrayEquals(value("b"), dst.get(1).asSlice(0, got[1]).toArray(JAVA_BYTE));
        assertEquals(0, store.stats().pinnedEntries(), "the load's own pins are released");
        assertEquals(value("d").length, cache.get(key("d"), dst.get(3)));
    }

    @Test
    void forcedRemoveTakesThePinWithIt() {
        put("a");
        cache.pin(key("a"));
        assertTrue(cache.remove(key("a"), true));
        assertEquals(0, cache.pinnedKeys());
        assertFalse(cache.contains(key("a"), false));
    }

    /** Concurrent pin/unpin/remove/get: a pinned key is never removed without force; loads return the key's bytes or a miss. */
    @Test
    void concurrentCallersKeepTheInvariants() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 40; i++) names.add("k" + i);
        put(names.toArray(String[]::new));
        try (ExecutorService pool = Executors.newFixedThreadPool(6)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                long seed = t;
                done.add(pool.submit(() -> {
                    Random rnd = new Random(seed);
                    for (int i = 0; i < 500; i++) {
                        String k = names.get(rnd.nextInt(names.size()));
                        switch (rnd.nextInt(4)) {
                            case 0 -> cache.pin(key(k));
                            case 1 -> cache.unpin(key(k));
                            case 2 -> cache.remove(key(k), false);
                            default -> {
                                MemorySegment dst = MemorySegment.ofArray(new byte[16 << 10]);
                                long n = cache.get(key(k), dst);
                                if (n >= 0) assertArrayEquals(value(k), dst.asSlice(0, n).toArray(JAVA_BYTE), k);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        }
        // Had a pinned key been removed, or a pin leaked or doubled, these counts would differ.
        assertEquals(cache.pinnedKeys(), store.stats().pinnedEntries());
    }
}
