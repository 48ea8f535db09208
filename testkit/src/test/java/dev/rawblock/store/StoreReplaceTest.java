package dev.rawblock.store;

import dev.rawblock.testkit.store.StoreFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.rawblock.store.PutResult.*;
import static org.junit.jupiter.api.Assertions.*;

/** Invariant 11: overwrite is atomic (PutMode.REPLACE), and puts of one key wait for each other. */
class StoreReplaceTest extends StoreFixture {
    /** Sizes that move a value between classes, inline in its header, one block, and many. */
    private static final int[] SIZES = {100, 3000, 5000, 70_000, 300_000};
    /** A thread per task: the common pool may have a single thread on a small machine. */
    static final java.util.concurrent.Executor THREAD = task -> Thread.ofPlatform().start(task);

    /** Generation {@code gen} of a value: its number in the first 4 bytes, then bytes only it has. */
    static byte[] generation(int gen, int size) {
        byte[] b = bytes(gen, Math.max(size, 4));
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(0, gen);
        return b;
    }

    /** The generation a loaded value claims, after checking that every byte is that generation's. */
    static int generationOf(byte[] loaded) {
        int gen = ByteBuffer.wrap(loaded).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        assertArrayEquals(generation(gen, loaded.length), loaded, "bytes of generation " + gen);
        return gen;
    }

    PutResult replace(String key, byte[] value) {
        return store.putMany(List.of(key(key)), List.of(MemorySegment.ofArray(value)), PutMode.REPLACE)[0];
    }

    @Test
    void replaceStoresTheNewValueInOneSlot() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        assertEquals(STORED, put("k", generation(0, 5000)));
        assertEquals(ALREADY_STORED, put("k", generation(1, 5000)), "FIRST keeps the first value");
        for (int i = 1; i <= 10; i++) {
            int size = SIZES[i % SIZES.length];
            assertEquals(STORED, replace("k", generation(i, size)));
            assertEquals(i, generationOf(load("k")));
            assertEquals(1, store.stats().entries());
            assertEquals(size, store.stats().payloadBytes());
            assertNoLeak();
        }
        assertEquals(STORED, replace("new", generation(99, 10)), "REPLACE of an absent key is a plain put");
        store.close();
        store = Store.open(device, StoreOptions.defaults());
        assertEquals(10, generationOf(load("k")), "the last value after reopening");
        assertNoLeak();
    }

    @Test
    void theLastOfOneKeyInABatchWinsWithReplaceAndTheFirstWithout() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        List<byte[]> keys = keys("a", "a", "a");
        List<MemorySegment> three = List.of(MemorySegment.ofArray(generation(1, 100)),
                MemorySegment.ofArray(generation(2, 9000)), MemorySegment.ofArray(generation(3, 100)));
        assertArrayEquals(new PutResult[] {STORED, STORED, STORED}, store.putMany(keys, three, PutMode.REPLACE));
        assertEquals(3, generationOf(load("a")));
        assertArrayEquals(new PutResult[] {STORED, STORED, STORED}, store.putMany(keys("b", "b", "b"), three));
        assertEquals(1, generationOf(load("b")));
        assertNoLeak();
    }

    /** Readers racing repeated replacements (which reuse each other's slots) see an old or a new value, never a miss. */
    @Test
    void concurrentLoadsNeverMissAKeyBeingReplaced() throws Exception {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults().withFlush(false));
        int rounds = 400;
        assertEquals(STORED, replace("hot", generation(0, SIZES[0])));
        AtomicBoolean done = new AtomicBoolean();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        Runnable batchReader = () -> {
            MemorySegment dst = Arena.ofAuto().allocate(512 * 1024, 4096);
            int last = 0;
            while (!done.get()) {
                long n = store.loadMany(keys("hot"), List.of(dst))[0];
                if (n < 0) {
                    problems.add("miss after generation " + last);
                    continue;
                }
                int gen = generationOf(dst.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                if (gen < last) problems.add("generation " + gen + " after " + last);
                last = gen;
            }
        };
        Runnable streamReader = () -> {
            while (!done.get()) {
                try (ValueReader r = store.openReader(key("hot"))) {
                    if (r == null) continue; // small generations live in the header: loaded whole above
                    if (!r.headerMatches()) {
                        problems.add("stream header of a replaced value");
                        continue;
                    }
                    MemorySegment dst = Arena.ofAuto().allocate(SlotHeader.roundUp(r.length(), r.block()), 4096);
                    r.read(0, dst).join();
                    r.check(dst.asSlice(0, r.length()));
                    if (!r.finish()) problems.add("stream of " + r.length() + " bytes failed its checksum");
                    else generationOf(dst.asSlice(0, r.length()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                }
            }
        };
        List<CompletableFuture<Void>> readers = List.of(CompletableFuture.runAsync(batchReader, THREAD),
                CompletableFuture.runAsync(streamReader, THREAD));
        for (int gen = 1; gen <= rounds; gen++) assertEquals(STORED, replace("hot", generation(gen, SIZES[gen % SIZES.length])));
        done.set(true);
        CompletableFuture.allOf(readers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertTrue(problems.isEmpty(), problems.size() + " problems, first: " + problems.peek());
        assertEquals(0, store.stats().checksumFailures(), "a race is not corruption");
        assertEquals(rounds, generationOf(load("hot")));
        assertNoLeak();
    }

    @Test
    void waitingModesWaitForAPutInFlightAndFirstIsBusy() throws Exception {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        byte[] streamed = generation(1, 300_000);
        try (Arena arena = Arena.ofShared(); PutStream s = store.beginPut(key("k"), streamed.length, PutMode.REPLACE, 0)) {
            assertEquals(BUSY, put("k", generation(2, 100)), "FIRST does not wait");
            CompletableFuture<PutResult> ifAbsent = CompletableFuture.supplyAsync(() ->
                    store.putMany(keys("k"), List.of(MemorySegment.ofArray(generation(3, 100))), PutMode.IF_ABSENT)[0], THREAD);
            CompletableFuture<PutResult> replace = CompletableFuture.supplyAsync(() -> replace("k", generation(4, 5000)), THREAD);
            Thread.sleep(200);
            assertFalse(ifAbsent.isDone() || replace.isDone(), "both wait for the stream");
            MemorySegment piece = arena.allocate(SlotHeader.roundUp(streamed.length, 4096), 4096);
            MemorySegment.copy(MemorySegment.ofArray(streamed), 0, piece, 0, streamed.length);
            s.write(0, piece).join();
            assertEquals(STORED, s.commit());
            assertEquals(STORED, replace.get(10, TimeUnit.SECONDS));
            PutResult nx = ifAbsent.get(10, TimeUnit.SECONDS);
            assertTrue(nx == ALREADY_STORED, "SET NX after a stored put: " + nx);
        }
        assertEquals(4, generationOf(load("k")), "the replace ran after the stream it waited for");
        assertNoLeak();
    }

    @Test
    void aDeleteDuringAReplacementRemovesTheKeyAndCancelsIt() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        assertEquals(STORED, put("k", generation(0, 5000)));
        store.existsMany(keys("k"), true); // pinned
        byte[] streamed = generation(1, 300_000);
        try (Arena arena = Arena.ofShared(); PutStream s = store.beginPut(key("k"), streamed.length, PutMode.REPLACE, 0)) {
            assertEquals(0, generationOf(load("k")), "the old value is served while the new one is written");
            assertArrayEquals(new boolean[] {false}, store.deleteMany(keys("k"), false), "pinned");
            assertArrayEquals(new boolean[] {true}, store.deleteMany(keys("k"), true));
            assertNull(load("k"));
            MemorySegment piece = arena.allocate(SlotHeader.roundUp(streamed.length, 4096), 4096);
            s.write(0, piece).join();
            assertEquals(CANCELED, s.commit());
        }
        assertNull(load("k"));
        assertEquals(0, store.stats().pinnedEntries());
        assertEquals(0, store.stats().entries());
        assertNoLeak();
        assertEquals(STORED, replace("k", generation(2, 100)));
        assertNoLeak();
    }

    @Test
    void aFailedReplacementKeepsTheOldValue() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        assertEquals(STORED, put("k", generation(0, 70_000)));
        failNextData(1);
        assertEquals(WRITE_FAILED, replace("k", generation(1, 70_000)));
        assertEquals(0, generationOf(load("k")));
        assertNoLeak();
    }

    /** A replacement never evicts the value it replaces, even when that value is the only thing to evict. */
    @Test
    void aReplacementInAFullClassDoesNotEvictItsOwnOldValue() throws IOException {
        open(capacityFor(1, MIB), MIB, StoreOptions.defaults());
        int size = 300 * 1024; // 3 slots per region
        for (int i = 0; i < 3; i++) assertEquals(STORED, put("k" + i, generation(i, size)));
        for (int gen = 3; gen < 12; gen++) {
            assertEquals(STORED, replace("k0", generation(gen, size)));
            assertEquals(gen, generationOf(load("k0")));
        }
        assertNoLeak();
    }

    /** Flips a byte {@code delta} bytes from the start of the payload that starts with {@code value}. */
    private void damage(byte[] value, int delta) throws IOException {
        byte[] image = java.nio.file.Files.readAllBytes(dir.resolve("store.img"));
        int at = indexOf(image, java.util.Arrays.copyOf(value, 256));
        assertTrue(at >= 4096, "the value is on the device");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(dir.resolve("store.img").toFile(), "rw")) {
            f.seek(at + delta);
            f.write(~image[at + delta]);
            f.getFD().sync();
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i += 4096) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    private void crashAndReopen() throws IOException {
        device.crash(1);
        assertThrows(IOException.class, store::close);
        device.revive();
        store = Store.open(device, StoreOptions.defaults());
    }

    /**
     * The journal's last group holds a replacement whose data did not reach the device (written,
     * not flushed, at the crash): the key keeps the value it replaced. Simulated by damaging the
     * new value's header, or only its payload, after the crash: recovery checks the whole slot of
     * the last group's replacements.
     */
    @ParameterizedTest(name = "damage at payload offset {0}")
    @ValueSource(ints = {-4096 + 8, 50_000}) // the header's checksum; a byte of the payload
    void aReplacementWhoseDataNeverLandedLeavesTheOldValue(int damageAt) throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        byte[] v1 = generation(1, 70_000), v2 = generation(2, 70_000);
        assertEquals(STORED, put("k", v1));
        assertEquals(STORED, replace("k", v2));
        crashAndReopen();
        assertArrayEquals(v2, load("k"), "the replacement is durable");
        crashAndReopen();
        damage(v2, damageAt);
        crashAndReopen();
        assertArrayEquals(v1, load("k"), store.recoverySummary());
        assertNoLeak();
    }

    /** A replacement of an earlier group was durable with its data: damage to it is damage, never a return to the old value. */
    @Test
    void aDamagedReplacementOfAnEarlierGroupIsDroppedNotRolledBack() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        byte[] v1 = generation(1, 70_000), v2 = generation(2, 70_000);
        assertEquals(STORED, put("k", v1));
        assertEquals(STORED, replace("k", v2));
        assertEquals(STORED, put("later", generation(3, 100))); // another group, in another class
        crashAndReopen();
        damage(v2, -4096 + 8); // the header's checksum
        crashAndReopen();
        assertNull(load("k"), "dropped, not served the value it replaced");
        assertArrayEquals(generation(3, 100), load("later"));
        assertNoLeak();
    }

    /**
     * A crash at a random point of a run of replacements leaves every key with its last
     * acknowledged value or the one in flight at the crash: never nothing, never an older one.
     */
    @Test
    void aCrashDuringReplacementsLeavesTheAcknowledgedOrTheInFlightValue() throws Exception {
        for (long seed = 1; seed <= 12; seed++) {
            open(64 * MIB, 4 * MIB, StoreOptions.defaults());
            Random rnd = new Random(seed);
            int keys = 4;
            int[] acked = new int[keys];
            int[] inFlight = new int[keys];
            for (int k = 0; k < keys; k++) assertEquals(STORED, replace("k" + k, generation(k, SIZES[k])));
            for (int k = 0; k < keys; k++) acked[k] = inFlight[k] = k;
            int stopAfter = 5 + rnd.nextInt(60);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (int gen = keys; ; gen++) {
                    int k = gen % keys;
                    inFlight[k] = gen;
                    PutResult r;
                    try {
                        r = replace("k" + k, generation(gen, SIZES[(gen * 7) % SIZES.length]));
                    } catch (IllegalStateException offline) {
                        return;
                    }
                    if (r == STORED) acked[k] = gen;
                    else return; // the device is gone
                }
            }, THREAD);
            while (store.stats().putsStored() < stopAfter && !writer.isDone()) Thread.onSpinWait();
            device.crash(seed);
            writer.get(30, TimeUnit.SECONDS);
            try {
                store.close();
            } catch (IOException expected) {
                // the final checkpoint cannot reach a crashed device
            }
            device.revive();
            store = Store.open(device, StoreOptions.defaults());
            for (int k = 0; k < keys; k++) {
                byte[] got = load("k" + k);
                assertNotNull(got, "seed " + seed + ": k" + k + " lost (acknowledged generation " + acked[k] + ", in flight "
                        + inFlight[k] + "); " + store.recoverySummary());
                int gen = generationOf(got);
                assertTrue(gen == acked[k] || gen == inFlight[k], "seed " + seed + ": k" + k + " holds generation "
                        + gen + ", acknowledged " + acked[k] + ", in flight " + inFlight[k]);
            }
            assertNoLeak();
            store.close();
            store = null;
            device.close();
            device = null;
            java.nio.file.Files.delete(dir.resolve("store.img"));
        }
    }
}
