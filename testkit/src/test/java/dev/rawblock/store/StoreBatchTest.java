package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.IoOp;
import dev.rawblock.testkit.store.StoreFixture;
import dev.rawblock.uring.Errno;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.rawblock.store.PutResult.*;
import static org.junit.jupiter.api.Assertions.*;

/** Checklist items 12 and 14-25: batched puts, per-key failures, and that nothing leaks. */
class StoreBatchTest extends StoreFixture {

    private List<MemorySegment> sized(int n, int size) {
        List<MemorySegment> v = new ArrayList<>();
        for (int i = 0; i < n; i++) v.add(value(i, size));
        return v;
    }

    private static List<byte[]> keyList(String prefix, int n) {
        return names(prefix, n).stream().map(StoreFixture::key).toList();
    }

    /** Item 14 and invariant 4: one device submission and two lock acquisitions for a batch of any size. */
    @Test
    void oneSubmissionAndTwoLocksPerBatch() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        for (int n : new int[] {1, 10, 200}) {
            StoreStats before = store.stats();
            PutResult[] r = store.putMany(keyList("n" + n + "-", n), sized(n, 5000));
            for (PutResult p : r) assertEquals(STORED, p);
            StoreStats after = store.stats();
            assertEquals(1, after.batchSubmissions() - before.batchSubmissions(), n + " keys");
            assertEquals(2, after.lockAcquisitions() - before.lockAcquisitions(), n + " keys");

            before = store.stats();
            List<MemorySegment> dst = new ArrayList<>();
            for (int i = 0; i < n; i++) dst.add(MemorySegment.ofArray(new byte[5000]));
            long[] got = store.loadMany(keyList("n" + n + "-", n), dst);
            for (int i = 0; i < n; i++) assertEquals(5000, got[i]);
            after = store.stats();
            assertEquals(1, after.batchSubmissions() - before.batchSubmissions(), "loads of " + n + " keys");
            assertEquals(2, after.lockAcquisitions() - before.lockAcquisitions(), "loads of " + n + " keys"
                    + " (look up and lease the slots, give them back)");
        }
    }

    /** Item 15: a batch above the per-submission cap goes out in several submissions; every key succeeds. */
    @Test
    void largeBatchesAreSplitBySize() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults().withMaxBatchBytes(64 * 8192));
        List<byte[]> keys = new ArrayList<>(keyList("k", 70));
        List<MemorySegment> values = new ArrayList<>(sized(70, 5000));
        keys.add(key("k3"));
        values.add(value(99, 5000));
        long before = store.stats().batchSubmissions();
        PutResult[] r = store.putMany(keys, values);
        for (PutResult p : r) assertEquals(STORED, p);
        assertEquals(2, store.stats().batchSubmissions() - before, "70 slots of 8 KiB in submissions of 64");
        assertEquals(70, store.stats().entries());
        assertNoLeak();
    }

    /** Item 16: duplicates in a batch are written once; both get the result; the first value is kept. */
    @Test
    void duplicatesInABatchAreWrittenOnce() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        long ops = dataOps();
        PutResult[] r = store.putMany(keys("d", "e", "d"), values(value(1, 5000), value(2, 5000), value(3, 5000)));
        assertArrayEquals(new PutResult[] {STORED, STORED, STORED}, r);
        assertEquals(2, dataOps() - ops);
        assertArrayEquals(bytes(1, 5000), load("d"));
    }

    /** Item 17: keys already stored are not resubmitted. */
    @Test
    void storedKeysAreNotResubmitted() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        put("a", bytes(1, 100));
        long ops = dataOps();
        PutResult[] r = store.putMany(keys("a", "b"), values(value(5, 100), value(2, 100)));
        assertArrayEquals(new PutResult[] {ALREADY_STORED, STORED}, r);
        assertEquals(1, dataOps() - ops);
    }

    /** Items 18, 19: random sizes round-trip; every transfer is block aligned and fully buffered. */
    @Test
    void variableSizesRoundTrip() throws IOException {
        open(256 * MIB, MIB, StoreOptions.defaults());
        List<IoOp> seen = new ArrayList<>();
        device.failWhen(op -> {
            synchronized (seen) {
                if (op.offset() >= dataStart) seen.add(op);
            }
            return false;
        }, Errno.EIO);
        java.util.Random rnd = new java.util.Random(7);
        List<byte[]> keys = new ArrayList<>();
        List<MemorySegment> values = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int size = 1 + rnd.nextInt(i % 3 == 0 ? 100 : 300_000);
            keys.add(key("v" + i));
            values.add(value(i, size));
        }
        for (PutResult p : store.putMany(keys, values)) assertEquals(STORED, p);
        for (int i = 0; i < keys.size(); i++) {
            assertArrayEquals(values.get(i).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), load("v" + i));
        }
        int block = store.superblock().blockBytes();
        for (IoOp op : seen) {
            assertEquals(0, op.offset() % block, op.toString());
            assertEquals(0, op.length() % block, op.toString());
            assertTrue(op.buffer().byteSize() >= op.length());
        }
    }

    /** Item 20: with room for 3 slots, a 5-key batch stores the first 3 in one submission and fills the class. */
    @Test
    void partialExhaustionFailsTheRest() throws IOException {
        // One region of 1 MiB; 300 KiB values take 304 KiB slots: 3 per region.
        open(capacityFor(1, MIB), MIB,
                StoreOptions.defaults().withEviction(Eviction.NONE));
        assertEquals(1, store.superblock().regionCount());
        long before = store.stats().batchSubmissions();
        PutResult[] r = store.putMany(keyList("p", 5), sized(5, 300 * 1024));
        assertArrayEquals(new PutResult[] {STORED, STORED, STORED, NO_SPACE, NO_SPACE}, r);
        assertEquals(1, store.stats().batchSubmissions() - before);
        StoreStats.ClassStats c = store.stats().classes().getFirst();
        assertEquals(c.totalSlots(), c.usedSlots(), "no free slot left");
        assertNoLeak();
    }

    /** Item 21: an oversize key fails alone and takes no slot. */
    @Test
    void oversizeFailsAlone() throws IOException {
        open(64 * MIB, MIB, StoreOptions.defaults());
        List<MemorySegment> v = new ArrayList<>(sized(5, 1000));
        v.set(2, value(2, (int) store.maxValueBytes() + 1));
        long before = store.stats().batchSubmissions();
        PutResult[] r = store.putMany(keyList("o", 5), v);
        assertArrayEquals(new PutResult[] {STORED, STORED, TOO_LARGE, STORED, STORED}, r);
        assertEquals(1, store.stats().batchSubmissions() - before);
        assertEquals(4, store.stats().entries());
        assertEquals(STORED, put("max", bytes(1, (int) store.maxValueBytes())), "the largest value fits");
        assertNoLeak();
    }

    /** Item 22: a preparation failure fails its key only, leaves no entry and frees the slot for the next put. */
    @Test
    void preparationFailureFailsOneKey() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        MemorySegment gone;
        try (Arena arena = Arena.ofConfined()) {
            gone = arena.allocate(5000);
        } // reading it now throws: the value cannot be prepared
        PutResult[] r = store.putMany(keys("a", "b", "c"), values(value(1, 5000), gone, value(3, 5000)));
        assertArrayEquals(new PutResult[] {STORED, WRITE_FAILED, STORED}, r);
        assertNull(load("b"));
        assertEquals(2, store.stats().entries());
        assertNoLeak();
        long used = store.stats().usedSlotBytes();
        assertEquals(STORED, put("b", bytes(2, 5000)));
        assertEquals(used + 4096 + 8192, store.stats().usedSlotBytes(), "one header block and two payload blocks");
        assertArrayEquals(bytes(2, 5000), load("b"));
    }

    /** Item 23: when the submission itself throws, no key of it is indexed and space returns. */
    @Test
    void submissionThatThrowsLeavesNothing() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        store.close();
        boolean[] throwing = {false};
        // A device whose submit throws for data batches once asked to (the journal keeps working).
        BlockDevice thrower = new BlockDevice() {
            public java.nio.file.Path path() { return device.path(); }
            public dev.rawblock.device.Geometry geometry() { return device.geometry(); }
            public dev.rawblock.device.Engine engine() { return device.engine(); }
            public dev.rawblock.device.BufferArena buffers() { return device.buffers(); }
            public CompletableFuture<Void> flush() { return device.flush(); }
            public dev.rawblock.device.DeviceStats stats() { return device.stats(); }
            public void close() { }
            public List<CompletableFuture<Void>> submit(List<IoOp> ops) {
                if (throwing[0] && ops.getFirst().offset() >= dataStart) throw new IllegalStateException("submit refused");
                return device.submit(ops);
            }
        };
        store = Store.open(thrower, StoreOptions.defaults());
        put("before", bytes(1, 100));
        long used = store.stats().usedSlotBytes();
        throwing[0] = true;
        PutResult[] r = store.putMany(keys("x", "y"), values(value(1, 5000), value(2, 5000)));
        assertArrayEquals(new PutResult[] {WRITE_FAILED, WRITE_FAILED}, r);
        assertEquals(1, store.stats().entries());
        assertEquals(used, store.stats().usedSlotBytes());
        assertNoLeak();
        throwing[0] = false;
        assertEquals(STORED, put("x", bytes(1, 5000)), "the store keeps working");
    }

    /** Item 24: a failed completion fails its key alone (the reference fails the whole chunk). */
    @Test
    void failedWriteFailsOnlyItsKey() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        store.putMany(keys("warm"), values(value(0, 5000))); // creates the class, so offsets are predictable
        device.failNext(1, op -> op.kind() == IoOp.Kind.WRITE && op.length() == 12288 && op.offset() >= dataStart,
                Errno.EIO);
        PutResult[] r = store.putMany(keys("a", "b", "c"), values(value(1, 5000), value(2, 5000), value(3, 5000)));
        assertEquals(1, java.util.Arrays.stream(r).filter(p -> p == WRITE_FAILED).count());
        assertEquals(2, java.util.Arrays.stream(r).filter(p -> p == STORED).count());
        assertEquals(3, store.stats().entries());
        assertEquals(1, store.stats().writeErrors());
        assertNoLeak();
    }

    /** Item 12: a delete while the put is writing cancels it; the key is absent and its slot free. */
    @Test
    void deleteDuringPutCancelsIt() throws Exception {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        device.delay(Duration.ofMillis(300));
        CompletableFuture<PutResult> put = CompletableFuture.supplyAsync(() -> put("slow", bytes(1, 5000)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        boolean[] deleted = {false};
        while (!deleted[0] && System.nanoTime() < deadline) deleted = store.deleteMany(keys("slow"), false);
        assertTrue(deleted[0], "the in-flight put was found and canceled");
        assertEquals(CANCELED, put.get(5, TimeUnit.SECONDS));
        device.delay(Duration.ZERO);
        assertNull(load("slow"));
        assertEquals(0, store.stats().entries());
        assertEquals(0, store.stats().usedSlotBytes());
        assertNoLeak();
    }

    /** A second writer of a key that is being written is told BUSY, not silently dropped. */
    @Test
    void concurrentPutOfTheSameKeyIsBusy() throws Exception {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        device.delay(Duration.ofMillis(300));
        CompletableFuture<PutResult> first = CompletableFuture.supplyAsync(() -> put("k", bytes(1, 5000)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (store.stats().inFlightIo() == 0 && System.nanoTime() < deadline) Thread.onSpinWait();
        assertEquals(BUSY, put("k", bytes(2, 5000)));
        assertEquals(STORED, first.get(5, TimeUnit.SECONDS));
        device.delay(Duration.ZERO);
        assertArrayEquals(bytes(1, 5000), load("k"));
    }

    /** Item 25 restated: the posix engine gives the same results through the same single batch. */
    @Test
    void posixEngineBehavesTheSame() throws IOException {
        open(64 * MIB, 4 * MIB, 0, StoreOptions.defaults(), dev.rawblock.device.Engine.POSIX);
        long before = store.stats().batchSubmissions();
        for (PutResult p : store.putMany(keyList("q", 10), sized(10, 7000))) assertEquals(STORED, p);
        assertEquals(1, store.stats().batchSubmissions() - before);
        assertArrayEquals(bytes(4, 7000), load("q4"));
    }

    /** A corrupt slot is a miss, counted, and the entry is dropped; it is never served. */
    @Test
    void corruptSlotsAreNeverServed() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        put("a", bytes(1, 10_000));
        put("b", bytes(2, 10_000));
        // Flip one payload byte of "a" directly on the device, behind the store's back.
        StoreStats s = store.stats();
        long offset = store.superblock().regionBase(); // first slot of the first region holds "a"
        try (var buf = raw.buffers().allocate(4096)) {
            raw.submit(List.of(IoOp.read(offset + 8192, buf.segment()))).getFirst().join();
            buf.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, 17,
                    (byte) ~buf.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 17));
            raw.submit(List.of(IoOp.write(offset + 8192, buf.segment()))).getFirst().join();
        }
        assertNull(load("a"));
        assertEquals(1, store.stats().checksumFailures());
        assertArrayEquals(new boolean[] {false, true}, store.existsMany(keys("a", "b"), false), "dropped");
        assertArrayEquals(bytes(2, 10_000), load("b"));
        assertEquals(s.entries() - 1, store.stats().entries());
        assertNoLeak();
    }

    /** Aligned native values go to and from the device without a staging copy, and are still verified. */
    @Test
    void alignedMemoryTravelsZeroCopyAndIsStillVerified() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        try (Arena shared = Arena.ofShared(); Arena confined = Arena.ofConfined()) {
            MemorySegment value = shared.allocate(64 * 1024, 4096).copyFrom(value(5, 64 * 1024));
            MemorySegment confinedValue = confined.allocate(64 * 1024, 4096).copyFrom(value(6, 64 * 1024));
            long ops = dataOps();
            assertArrayEquals(new PutResult[] {STORED, STORED},
                    store.putMany(keys("zc", "confined"), List.of(value, confinedValue)));
            assertEquals(3, dataOps() - ops, "header + payload for the shared value, one staged slot for the confined one");
            MemorySegment dst = shared.allocate(64 * 1024, 4096);
            MemorySegment confinedDst = confined.allocate(64 * 1024, 4096);
            assertArrayEquals(new long[] {64 * 1024, 64 * 1024},
                    store.loadMany(keys("zc", "confined"), List.of(dst, confinedDst)));
            assertEquals(-1, dst.mismatch(value(5, 64 * 1024)));
            assertEquals(-1, confinedDst.mismatch(value(6, 64 * 1024)));

            // A flipped payload byte is caught on the zero-copy path too.
            long payload = store.superblock().regionBase() + 4096; // "zc" took the class's first slot
            try (var buf = raw.buffers().allocate(4096)) {
                raw.submit(List.of(IoOp.read(payload, buf.segment()))).getFirst().join();
                buf.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, 7,
                        (byte) ~buf.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 7));
                raw.submit(List.of(IoOp.write(payload, buf.segment()))).getFirst().join();
            }
            assertArrayEquals(new long[] {Store.MISS}, store.loadMany(keys("zc"), List.of(dst)));
            assertEquals(1, store.stats().checksumFailures());
        }
        assertNoLeak();
    }
}
