package dev.rawblock.store;

import dev.rawblock.testkit.store.StoreFixture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.rawblock.store.PutResult.*;
import static org.junit.jupiter.api.Assertions.*;

/** Listing keys page by page (SCAN), a random key, and deleting everything at once (FLUSHALL). */
class StoreClearAndScanTest extends StoreFixture {

    private Set<String> scanAll(int count) {
        Set<String> seen = new TreeSet<>();
        long cursor = 0;
        int pages = 0;
        do {
            cursor = store.scan(cursor, count, (key, length) ->
                    assertTrue(seen.add(new String(key, StandardCharsets.UTF_8)), "visited twice"));
            pages++;
        } while (cursor != 0);
        assertTrue(pages >= 1);
        return seen;
    }

    private Set<String> present(Set<String> candidates) {
        Set<String> out = new TreeSet<>();
        for (String k : candidates) if (load(k) != null) out.add(k);
        return out;
    }

    @Test
    void aScanVisitsEveryStoredKeyOnceAndSkipsDeletedAndExpiredOnes() throws Exception {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        Set<String> expected = new TreeSet<>();
        for (int i = 0; i < 1500; i++) {
            assertEquals(STORED, put("small" + i, bytes(i, 100)));
            expected.add("small" + i);
        }
        for (int i = 0; i < 20; i++) {
            assertEquals(STORED, put("large" + i, bytes(i, 300_000)));
            expected.add("large" + i);
        }
        store.deleteMany(keys("small7", "large3"), false);
        expected.remove("small7");
        expected.remove("large3");
        store.putMany(keys("short-lived"), List.of(MemorySegment.ofArray(bytes(1, 10))), PutMode.FIRST,
                new long[] {System.currentTimeMillis() + 100});
        Thread.sleep(200);
        for (int count : new int[] {1, 10, 1000, 100_000}) assertEquals(expected, scanAll(count), "count " + count);
        List<String> visited = new ArrayList<>();
        store.forEachKey((key, length) -> visited.add(new String(key, StandardCharsets.UTF_8)));
        assertEquals(expected, new TreeSet<>(visited));
        assertEquals(expected.size(), visited.size());
    }

    @Test
    void aRandomKeyIsAStoredOne() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        assertNull(store.randomKey(), "an empty store has none");
        Set<String> stored = Set.of("a", "b", "c");
        for (String k : stored) put(k, bytes(k.hashCode(), 5000));
        Set<String> drawn = new HashSet<>();
        for (int i = 0; i < 200; i++) drawn.add(new String(store.randomKey(), StandardCharsets.UTF_8));
        assertEquals(stored, drawn, "every key can come up, and only stored ones");
    }

    @Test
    void clearDeletesEverythingDurably() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        for (int i = 0; i < 300; i++) assertEquals(STORED, put("k" + i, bytes(i, i % 3 == 0 ? 70_000 : 100)));
        store.existsMany(keys("k1"), true); // pinned entries go too
        store.putMany(keys("ttl"), List.of(MemorySegment.ofArray(bytes(9, 10))), PutMode.FIRST,
                new long[] {System.currentTimeMillis() + 3_600_000});
        assertEquals(301, store.clear());
        StoreStats s = store.stats();
        assertEquals(0, s.entries());
        assertEquals(0, s.usedSlotBytes());
        assertEquals(0, s.pinnedEntries());
        assertEquals(0, s.expiringEntries());
        assertNull(load("k0"));
        assertEquals(STORED, put("after", bytes(1, 5000)), "the store takes puts again");
        assertNoLeak();
        device.crash(5);
        assertThrows(IOException.class, store::close);
        device.revive();
        store = Store.open(device, StoreOptions.defaults());
        assertEquals(1, store.stats().entries(), store.recoverySummary());
        assertArrayEquals(bytes(1, 5000), load("after"));
        assertNull(load("k5"));
        assertNoLeak();
    }

    /** Puts racing a clear: whatever the store shows afterwards is exactly what a crash brings back. */
    @Test
    void putsDuringAClearEndTheSameInMemoryAndAfterACrash() throws Exception {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults()); // flushing on: the crash below drops what is not flushed
        Set<String> all = new TreeSet<>();
        for (int i = 0; i < 400; i++) {
            put("old" + i, bytes(i, 3000));
            all.add("old" + i);
        }
        CompletableFuture<Long> clear = CompletableFuture.supplyAsync(store::clear, StoreReplaceTest.THREAD);
        List<String> acknowledgedAfter = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String k = i % 2 == 0 ? "new" + i : "old" + i; // new keys, and rewrites of old ones
            boolean done = clear.isDone();
            assertTrue(store.putMany(keys(k), List.of(MemorySegment.ofArray(bytes(i + 1000, 3000))), PutMode.REPLACE)[0]
                    .stored() || !done);
            if (done) acknowledgedAfter.add(k);
            all.add(k);
        }
        clear.get(30, TimeUnit.SECONDS);
        Set<String> before = present(all);
        for (String k : acknowledgedAfter) assertTrue(before.contains(k), k + " was stored after the clear ended");
        assertTrue(before.stream().noneMatch(k -> k.startsWith("old") && Integer.parseInt(k.substring(3)) >= 200),
                "old keys nobody rewrote are gone");
        store.sync();
        device.crash(9);
        assertThrows(IOException.class, store::close);
        device.revive();
        store = Store.open(device, StoreOptions.defaults());
        assertEquals(before, present(all), "memory and journal agree on what the clear removed");
        assertNoLeak();
    }
}
