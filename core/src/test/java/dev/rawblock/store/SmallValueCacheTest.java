package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The small-value cache seen through the store: a hit is the value's bytes with no device read,
 * and whatever frees a slot (overwrite, delete, expiry, eviction, clear) leaves no copy behind that
 * a later GET, of the same key or of another whose value takes the slot, could be served.
 */
class SmallValueCacheTest {
    private static final long STREAM_FROM = 256 * 1024;

    @TempDir
    Path dir;
    private BlockDevice device;
    private Store store;
    private final Arena arena = Arena.ofShared();

    private Store open(long cacheBytes, long deviceBytes) throws IOException {
        device = BlockDevice.open(DeviceOptions.of(dir.resolve("s.img")).withCreateSize(deviceBytes).withArenaBytes(8 << 20));
        StoreFormat.format(device, new FormatOptions(0, 1L << 20, 0));
        return reopen(cacheBytes);
    }

    private Store reopen(long cacheBytes) throws IOException {
        if (store != null) store.close();
        store = Store.open(device, StoreOptions.defaults().withFlush(false).withSmallValueCacheBytes(cacheBytes));
        return store;
    }

    @AfterEach
    void close() throws IOException {
        try {
            if (store != null) store.close();
        } finally {
            if (device != null) device.close();
            arena.close();
        }
    }

    private static byte[] key(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(int length, long seed) {
        byte[] v = new byte[length];
        new Random(seed).nextBytes(v);
        return v;
    }

    private void put(byte[] key, byte[] value) {
        put(key, value, 0);
    }

    private void put(byte[] key, byte[] value, long expiresAt) {
        PutResult r = store.putMany(List.of(key), List.of(MemorySegment.ofArray(value)), PutMode.REPLACE,
                new long[] {expiresAt})[0];
        assertTrue(r.stored(), r.toString());
    }

    /** The key's value by {@link Store#get}, or null on a miss. */
    private byte[] get(byte[] key) throws InterruptedException {
        MemorySegment[] into = new MemorySegment[1];
        GetResult got = store.get(key, STREAM_FROM, (i, length) -> into[0] = arena.allocate(Math.max(1, length)));
        if (!got.loaded()) return null;
        return into[0].asSlice(0, got.length()).toArray(ValueLayout.JAVA_BYTE);
    }

    private long bytesRead() {
        return store.stats().members().getFirst().bytesRead();
    }

    private SmallValueCacheStats cache() {
        return store.stats().smallValueCache();
    }

    /** The slot of {@code key}'s entry, read from the store's catalog (white box: to prove a slot was reused). */
    private int slotOf(byte[] key) throws ReflectiveOperationException {
        Field f = Store.class.getDeclaredField("catalog");
        f.setAccessible(true);
        Catalog catalog = (Catalog) f.get(store);
        return catalog.locked(() -> {
            long pos = catalog.index.find(Fingerprint.of(key));
            return pos < 0 ? -1 : catalog.index.slotId(pos);
        });
    }

    // ------------------------------------------------------------------ hits

    @Test
    void aStoredSmallValueIsServedByEveryLoadPathWithoutADeviceRead() throws Exception {
        open(StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES, 32L << 20);
        byte[] k = key("chunk0metadata"), v = bytes(28, 1);
        put(k, v);
        long read = bytesRead(), hits = store.stats().hits();

        assertArrayEquals(v, get(k));
        MemorySegment dst = arena.allocate(4096, 4096); // aligned: would be a zero-copy read
        assertEquals(v.length, store.loadMany(List.of(k), List.of(dst))[0]);
        assertArrayEquals(v, dst.asSlice(0, v.length).toArray(ValueLayout.JAVA_BYTE));
        MemorySegment[] into = new MemorySegment[1];
        assertEquals(v.length, store.loadMany(List.of(k), (i, length) -> into[0] = arena.allocate(length))[0]);
        assertArrayEquals(v, into[0].toArray(ValueLayout.JAVA_BYTE));

        assertEquals(read, bytesRead(), "no device read for a cached value");
        assertEquals(hits + 3, store.stats().hits(), "cache hits count as store hits");
        SmallValueCacheStats c = cache();
        assertEquals(3, c.hits());
        assertEquals(0, c.misses());
        assertEquals(1, c.entries());
        assertEquals(v.length + SmallValueCache.ENTRY_OVERHEAD_BYTES, c.bytes());
    }

    @Test
    void aValueLoadedFromTheDeviceIsCachedForTheNextLoad() throws Exception {
        open(StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES, 32L << 20);
        byte[] k = key("k"), v = bytes(100, 2);
        put(k, v);
        reopen(StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES); // an empty cache: the value is on the device only
        assertEquals(0, cache().entries());

        long read = bytesRead();
        assertArrayEquals(v, get(k));
        assertTrue(bytesRead() > read, "the first load reads the device");
        assertEquals(1, cache().misses());
        read = bytesRead();
        assertArrayEquals(v, get(k));
        assertEquals(read, bytesRead(), "the second is served from memory");
        assertEquals(1, cache().hits());
    }

    @Test
    void aReadOnlyStoreCachesWhatItLoads() throws Exception {
        open(StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES, 32L << 20);
        byte[] k = key("k"), v = bytes(50, 3);
        put(k, v);
        store.close();
        store = Store.open(device, StoreOptions.defaults().withReadOnly(true));
        assertArrayEquals(v, get(k));
        long read = bytesRead();
        assertArrayEquals(v, get(k));
        assertEquals(read, bytesRead());
    }

    // ------------------------------------------------------------------ what frees a slot frees its copy

    @Test
    void anOverwriteServesTheNewValueWhetherTheOldWasCachedByItsPutOrByALoad() throws Exception {
        open(StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES, 32L << 20);
        byte[] k = key("k");
        put(k, bytes(40, 1));
        assertArrayEquals(bytes(40, 1), get(k)); // cached by the put
        put(k, bytes(40, 2));
        assertArrayEquals(bytes(40, 2), get(k));

        reopen(StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES);
        assertArrayEquals(bytes(40, 2), get(k)); // cached by this load
        put(k, bytes(70, 3)); // another length, too
        assertArrayEquals(bytes(70, 3), get(k));
        assertEquals(1, cache().entries(), "the replaced value's copy is gone");
    }

    @Test
    void aDeletedKeyMissesAndItsCopyIsGone() throws Exception {
        open(StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES, 32L << 20);
        byte[] k = key("k");
        put(k, bytes(40, 1));
        assertArrayEquals(bytes(40, 1), get(k));
        assertTrue(store.deleteMany(List.of(k), false)[0]);
        assertEquals(null, get(k));
        assertEquals(0, cache().entries());
    }

    @Test
    void anExpiredKeyMisses() throws Exception {
        open(StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES, 32L << 20);
        byte[] k = key("k");
        put(k, bytes(40, 1), System.currentTimeMillis() + 300);
        assertArrayEquals(bytes(40, 1), get(k));
        Thread.sleep(400);
        assertEquals(null, get(k));
        assertEquals(0, cache().entries());
        // and an expiry set afterwards, already past: deleted at once
        put(k, bytes(40, 2));
        assertArrayEquals(bytes(40, 2), get(k));
        store.expireMany(List.of(k), new long[] {System.currentTimeMillis() - 1});
        assertEquals(null, get(k));
    }

    @Test
    void clearDropsEveryCopy() throws Exception {
        open(StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES, 32L << 20);
        for (int i = 0; i < 20; i++) put(key("k" + i), bytes(30, i));
        assertArrayEquals(bytes(30, 7), get(key("k7")));
        assertEquals(20, store.clear());
        for (int i = 0; i < 20; i++) assertEquals(null, get(key("k" + i)));
        assertEquals(0, cache().entries());
        put(key("k7"), bytes(30, 99));
        assertArrayEquals(bytes(30, 99), get(key("k7")));
    }

    @Test
    void aSlotFreedAndReusedByAnotherKeyServesThatKeysValue() throws Exception {
        open(StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES, 32L << 20);
        byte[] a = key("a"), b = key("b");
        put(a, bytes(28, 1));
        reopen(StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES);
        assertArrayEquals(bytes(28, 1), get(a)); // cached by the load this time
        int slot = slotOf(a);
        assertTrue(store.deleteMany(List.of(a), false)[0]);

        put(b, bytes(28, 2)); // the same length: a copy of a's value would look right
        assertEquals(slot, slotOf(b), "the freed slot is reused (the free list is last in, first out)");
        assertArrayEquals(bytes(28, 2), get(b));
        assertEquals(null, get(a));

        // And when the new value is not cached by its put (written by another open of the store).
        reopen(StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES);
        assertArrayEquals(bytes(28, 2), get(b));
        assertTrue(store.deleteMany(List.of(b), false)[0]);
        reopen(StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES);
        put(a, bytes(28, 3));
        assertEquals(slot, slotOf(a));
        assertArrayEquals(bytes(28, 3), get(a));
    }

    @Test
    void anEvictedKeyMissesAndItsSlotServesItsNewOwner() throws Exception {
        open(StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES, 24L << 20);
        byte[] small = key("small");
        put(small, bytes(28, 1));
        assertArrayEquals(bytes(28, 1), get(small));
        int slot = slotOf(small);
        // Fill the store with small values (of the same size class) until it is evicted (never touched again).
        List<byte[]> keys = new ArrayList<>();
        for (int batch = 0; slotOf(small) >= 0; batch++) {
            assertTrue(batch < 100, "the small value is never evicted");
            List<byte[]> ks = new ArrayList<>();
            List<MemorySegment> vs = new ArrayList<>();
            for (int i = 0; i < 256; i++) {
                ks.add(key("filler" + batch + "." + i));
                vs.add(MemorySegment.ofArray(bytes(28, batch * 1000L + i)));
            }
            for (PutResult r : store.putMany(ks, vs)) assertTrue(r.stored(), r.toString());
            keys.addAll(ks);
        }
        assertTrue(store.stats().evictions() > 0);
        assertEquals(null, get(small));
        // The key whose value took the evicted slot (written after the eviction freed it) gets its own bytes.
        boolean reused = false;
        for (int n = 0; n < keys.size(); n++) {
            if (slotOf(keys.get(n)) != slot) continue;
            reused = true;
            assertArrayEquals(bytes(28, n / 256 * 1000L + n % 256), get(keys.get(n)));
        }
        assertTrue(reused, "no value took the evicted slot");
        assertEquals(null, get(small));
    }

    // ------------------------------------------------------------------ bounds

    @Test
    void theBudgetBoundsTheCopiesAndTheLeastRecentlyUsedGoFirst() throws Exception {
        int length = 100, fit = 10;
        long budget = fit * (length + SmallValueCache.ENTRY_OVERHEAD_BYTES);
        open(budget, 32L << 20);
        for (int i = 0; i < 50; i++) put(key("k" + i), bytes(length, i));
        SmallValueCacheStats c = cache();
        assertEquals(fit, c.entries());
        assertTrue(c.bytes() <= budget, c.toString());
        assertEquals(budget, c.budgetBytes());

        long read = bytesRead();
        assertArrayEquals(bytes(length, 49), get(key("k49"))); // among the 10 newest
        assertEquals(read, bytesRead());
        assertArrayEquals(bytes(length, 0), get(key("k0"))); // long gone from the cache: read, then kept
        assertTrue(bytesRead() > read);
        assertTrue(cache().bytes() <= budget);
        for (int i = 0; i < 50; i++) assertArrayEquals(bytes(length, i), get(key("k" + i)));
        assertEquals(fit, cache().entries());
    }

    @Test
    void aBudgetOfZeroCachesNothing() throws Exception {
        open(0, 32L << 20);
        byte[] k = key("k");
        put(k, bytes(28, 1));
        long read = bytesRead();
        assertArrayEquals(bytes(28, 1), get(k));
        assertArrayEquals(bytes(28, 1), get(k));
        assertTrue(bytesRead() >= read + 2 * 4096, "each load reads the device");
        assertEquals(new SmallValueCacheStats(0, 0, 0, 0, 0), cache());
    }

    @Test
    void aValueOverTheLimitIsNeverCachedAndOneAtItIs() throws Exception {
        open(StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES, 32L << 20);
        byte[] over = key("over"), at = key("at");
        put(over, bytes(SmallValueCache.MAX_VALUE_BYTES + 1, 1));
        put(at, bytes(SmallValueCache.MAX_VALUE_BYTES, 2));
        assertEquals(1, cache().entries());
        long read = bytesRead();
        assertArrayEquals(bytes(SmallValueCache.MAX_VALUE_BYTES + 1, 1), get(over));
        assertArrayEquals(bytes(SmallValueCache.MAX_VALUE_BYTES + 1, 1), get(over));
        assertTrue(bytesRead() >= read + 2 * 8192, "each load of the larger value reads the device");
        read = bytesRead();
        assertArrayEquals(bytes(SmallValueCache.MAX_VALUE_BYTES, 2), get(at));
        assertEquals(read, bytesRead());
        assertEquals(1, cache().entries());
        assertEquals(0, cache().misses(), "a value the cache does not keep is no miss of it");
    }

    // ------------------------------------------------------------------ concurrency

    /**
     * A value of key {@code key}, version {@code version}: the key and version, then bytes that
     * follow from them, of a length that changes with the version (so a slot's reuse by another
     * length shows, and a copy of the wrong length fails the index's length check).
     */
    private static byte[] versioned(int key, long version) {
        int length = 16 + (int) ((key * 31 + version * 7) % 180);
        ByteBuffer b = ByteBuffer.allocate(length).putInt(key).putLong(version).putInt(length);
        Random r = new Random(key * 1_000_003L + version);
        while (b.hasRemaining()) b.put((byte) r.nextInt());
        return b.array();
    }

    @Test
    @Timeout(120)
    void concurrentPutsDeletesAndGetsNeverSeeAnotherKeysOrATornValue() throws Exception {
        // A budget of a few copies, so that copies are also dropped for room while slots are freed.
        for (long budget : new long[] {StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES, 6 * (200 + 96)}) {
            if (store != null) {
                store.close();
                device.close();
                store = null;
                java.nio.file.Files.delete(dir.resolve("s.img"));
            }
            open(budget, 32L << 20);
            hammer(4, 24, 2_000);
            assertEquals(0, store.verify(false, done -> {}).errors());
        }
    }

    private void hammer(int threads, int keys, long millis) throws Exception {
        List<Set<Long>> putVersions = new ArrayList<>();
        for (int k = 0; k < keys; k++) putVersions.add(ConcurrentHashMap.newKeySet());
        AtomicLong versions = new AtomicLong(), served = new AtomicLong();
        long end = System.nanoTime() + millis * 1_000_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = t;
                done.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    while (System.nanoTime() < end) {
                        int k = r.nextInt(keys);
                        byte[] key = key("key" + k);
                        int op = r.nextInt(10);
                        if (op < 3) {
                            long v = versions.incrementAndGet();
                            putVersions.get(k).add(v); // before the put: a GET may see it before it returns
                            // CANCELED when a delete of the key comes while it is written: fine here
                            store.putMany(List.of(key), List.of(MemorySegment.ofArray(versioned(k, v))), PutMode.REPLACE);
                        } else if (op < 4) {
                            store.deleteMany(List.of(key), true);
                        } else {
                            byte[] got = get(key);
                            if (got == null) continue;
                            ByteBuffer b = ByteBuffer.wrap(got);
                            assertEquals(k, b.getInt(), "another key's value");
                            long v = b.getLong();
                            assertTrue(putVersions.get(k).contains(v), "a version never put: " + v);
                            assertArrayEquals(versioned(k, v), got, "a torn value");
                            served.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdownNow();
        }
        assertTrue(served.get() > 100, "too few GETs found a value: " + served.get());
        SmallValueCacheStats c = cache();
        assertNotEquals(0, c.hits(), c.toString());
        assertTrue(c.bytes() <= c.budgetBytes(), c.toString());
    }
}
