package dev.rawblock.api;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.store.FormatOptions;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreFormat;
import dev.rawblock.store.StoreOptions;
import dev.rawblock.testkit.device.FaultInjectingDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.*;

/** The MP L2 adapter contract of the reference's §9 (checklist items 69 and 70), on a real store. */
class L2AdapterTest {
    @TempDir
    Path dir;
    BlockDevice device;
    Store store;
    L2Adapter adapter;

    @BeforeEach
    void open() throws IOException {
        device = BlockDevice.open(DeviceOptions.of(dir.resolve("s.img")).withCreateSize(64L << 20).withArenaBytes(8 << 20));
        StoreFormat.format(device, new FormatOptions(0, 4L << 20, 0));
        store = Store.open(device, StoreOptions.defaults());
        adapter = new L2Adapter(store, L2Adapter.Options.defaults());
    }

    @AfterEach
    void close() throws IOException {
        adapter.close();
        store.close();
        device.close();
    }

    static byte[] key(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    static MemorySegment value(String key, int size) {
        byte[] v = new byte[size];
        new Random(key.hashCode()).nextBytes(v);
        return MemorySegment.ofArray(v);
    }

    /** Items 69 and 70: store, lookup-and-lock [1,0], load [1,0] byte-exact, unlock, delete, miss. */
    @Test
    void storeLookupLoadUnlockDelete() throws Exception {
        List<byte[]> stored = new ArrayList<>();
        List<long[]> sizes = new ArrayList<>();
        adapter.addListener(new L2Adapter.Listener() {
            @Override
            public void stored(List<byte[]> keys, long[] s) {
                synchronized (stored) {
                    stored.addAll(keys);
                    sizes.add(s);
                }
            }
        });
        L2Adapter.Task<L2Adapter.StoreResult> put = adapter.submitStore(List.of(key("a")), List.of(value("a", 5000)));
        assertEquals(new L2Adapter.StoreResult(true, 5000), put.result().get(10, TimeUnit.SECONDS));
        Map<Long, L2Adapter.StoreResult> polled = adapter.popCompletedStores();
        assertEquals(Map.of(put.id(), new L2Adapter.StoreResult(true, 5000)), polled);
        assertTrue(adapter.popCompletedStores().isEmpty(), "each result is handed out once");
        assertEquals(1, stored.size());
        assertArrayEquals(new long[] {5000}, sizes.getFirst());

        L2Adapter.Task<BitSet> lookup = adapter.submitLookupAndLock(List.of(key("a"), key("b")));
        BitSet expected = new BitSet();
        expected.set(0);
        assertEquals(expected, lookup.result().get(10, TimeUnit.SECONDS));
        assertEquals(expected, adapter.lookupResult(lookup.id()));
        assertNull(adapter.lookupResult(lookup.id()), "exactly once");
        assertArrayEquals(new boolean[] {false}, adapter.delete(List.of(key("a"))), "locked: not deleted");

        MemorySegment dst = MemorySegment.ofArray(new byte[8000]);
        L2Adapter.Task<BitSet> load = adapter.submitLoad(List.of(key("a"), key("b")),
                List.of(dst, MemorySegment.ofArray(new byte[8000])));
        assertEquals(expected, load.result().get(10, TimeUnit.SECONDS));
        assertEquals(expected, adapter.loadResult(load.id()));
        assertEquals(-1, dst.asSlice(0, 5000).mismatch(value("a", 5000)));

        adapter.submitUnlock(List.of(key("a"), key("b")));
        assertArrayEquals(new boolean[] {true}, adapter.delete(List.of(key("a"))));
        L2Adapter.Task<BitSet> after = adapter.submitLookupAndLock(List.of(key("a")));
        assertTrue(after.result().get(10, TimeUnit.SECONDS).isEmpty(), "item 70: a deleted key misses");
        assertTrue(after.id() > load.id() && load.id() > lookup.id() && lookup.id() > put.id(), "one counter");
    }

    @Test
    void aFailingTaskBecomesAFailedResult() throws Exception {
        // Mismatched lists make the store refuse the whole call inside the task: it fails, it is not lost.
        L2Adapter.Task<L2Adapter.StoreResult> t = adapter.submitStore(List.of(key("x")),
                List.of(value("x", 10), value("y", 10)));
        assertEquals(new L2Adapter.StoreResult(false, 0), t.result().get(10, TimeUnit.SECONDS));
        assertEquals(new L2Adapter.StoreResult(false, 0), adapter.popCompletedStores().get(t.id()));
        assertTrue(adapter.reportStatus().healthy());
    }

    /** Several controller threads at once; close under load never hangs and completes every task. */
    @Test
    void concurrentControllersAndCloseUnderLoad() throws Exception {
        List<L2Adapter.Task<?>> tasks = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService controllers = Executors.newFixedThreadPool(4)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                done.add(controllers.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        String k = "c" + id + "k" + i;
                        tasks.add(adapter.submitStore(List.of(key(k)), List.of(value(k, 4000 + i))));
                        tasks.add(adapter.submitLookupAndLock(List.of(key(k))));
                        MemorySegment dst = MemorySegment.ofArray(new byte[8000]);
                        L2Adapter.Task<BitSet> load = adapter.submitLoad(List.of(key(k)), List.of(dst));
                        tasks.add(load);
                        BitSet hit = load.result().join();
                        if (hit.get(0)) assertEquals(-1, dst.asSlice(0, 4000 + i).mismatch(value(k, 4000 + i)), k);
                        if (adapter.submitLookupAndLock(List.of(key(k))).result().join().get(0)) {
                            assertArrayEquals(new boolean[] {false}, adapter.delete(List.of(key(k))),
                                    "a locked key is never deleted without force");
                        }
                        adapter.submitUnlock(List.of(key(k)));
                        adapter.submitUnlock(List.of(key(k)));
                        if (i % 5 == 0) adapter.delete(List.of(key(k)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        }
        long start = System.nanoTime();
        adapter.close();
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(35));
        Set<Long> ids = new HashSet<>();
        for (L2Adapter.Task<?> t : tasks) {
            assertTrue(t.result().isDone(), "every task completed");
            assertTrue(ids.add(t.id()), "task ids are unique");
        }
        L2Adapter.Task<L2Adapter.StoreResult> late = adapter.submitStore(List.of(key("late")), List.of(value("late", 10)));
        assertEquals(new L2Adapter.StoreResult(false, 0), late.result().get(1, TimeUnit.SECONDS), "closed: fails at once");
        assertFalse(adapter.reportStatus().healthy());
    }

    /** A listener is first told every stored key (recovered ones after a restart), then hears events with sizes. */
    @Test
    void listenersHearRecoveredKeysAndEventsWithSizes() throws Exception {
        String longKey = "k".repeat(6000); // its header spans two blocks
        for (String k : List.of("r1", "r2", longKey)) {
            assertTrue(adapter.submitStore(List.of(key(k)), List.of(value(k, 3000 + k.length()))).result().get().success());
        }
        adapter.close();
        store.close();
        store = Store.open(device, StoreOptions.defaults());
        adapter = new L2Adapter(store, L2Adapter.Options.defaults());

        java.util.Map<String, Long> told = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.Map<String, Long> accessed = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.Map<String, Long> deleted = new java.util.concurrent.ConcurrentHashMap<>();
        adapter.addListener(new L2Adapter.Listener() {
            @Override
            public void stored(List<byte[]> keys, long[] sizes) {
                for (int i = 0; i < keys.size(); i++) told.put(new String(keys.get(i)), sizes[i]);
            }

            @Override
            public void accessed(List<byte[]> keys, long[] sizes) {
                for (int i = 0; i < keys.size(); i++) accessed.put(new String(keys.get(i)), sizes[i]);
            }

            @Override
            public void deleted(List<byte[]> keys, long[] sizes) {
                for (int i = 0; i < keys.size(); i++) deleted.put(new String(keys.get(i)), sizes[i]);
            }
        });
        assertEquals(java.util.Map.of("r1", 3002L, "r2", 3002L, longKey, 9000L), told, "recovered keys announced");
        adapter.submitLoad(List.of(key("r1")), List.of(MemorySegment.ofArray(new byte[4000]))).result().get();
        assertEquals(java.util.Map.of("r1", 3002L), accessed);
        adapter.delete(List.of(key("r2"), key("absent")));
        assertEquals(java.util.Map.of("r2", 3002L), deleted);
    }

    /** Bounded queues push back: with one thread and one queue slot, a third task waits for the first. */
    @Test
    void fullQueuesMakeSubmittersWait() throws Exception {
        adapter.close();
        store.close();
        FaultInjectingDevice slow = new FaultInjectingDevice(device);
        store = Store.open(slow, StoreOptions.defaults());
        adapter = new L2Adapter(store, new L2Adapter.Options(1, 1, 1, 1));
        slow.delay(java.time.Duration.ofMillis(300));
        var first = adapter.submitStore(List.of(key("q1")), List.of(value("q1", 5000)));  // runs, waits on the device
        var second = adapter.submitStore(List.of(key("q2")), List.of(value("q2", 5000))); // fills the queue
        long t0 = System.nanoTime();
        var third = adapter.submitStore(List.of(key("q3")), List.of(value("q3", 5000)));  // must wait for room
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(waitedMs >= 100, "the submitter waited " + waitedMs + " ms");
        slow.delay(java.time.Duration.ZERO);
        for (var t : List.of(first, second, third)) assertTrue(t.result().get(30, TimeUnit.SECONDS).success());
        adapter.close();
        store.close();
        store = Store.open(device, StoreOptions.defaults()); // for the teardown; the wrapper shares the device
        adapter = new L2Adapter(store, L2Adapter.Options.defaults());
    }
}
