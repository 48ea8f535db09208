package dev.rawblock.device;

import dev.rawblock.testkit.device.FaultInjectingDevice;
import dev.rawblock.uring.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.junit.jupiter.api.Assertions.*;

class FaultInjectingDeviceTest {
    @TempDir
    Path dir;

    private BlockDevice real;
    private FaultInjectingDevice dev;
    private int align;
    private final List<IoBuffer> buffers = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        real = BlockDevice.open(DeviceOptions.of(dir.resolve("dev.img")).withCreateSize(4 << 20));
        dev = new FaultInjectingDevice(real);
        align = dev.alignment();
    }

    @AfterEach
    void close() throws Exception {
        for (IoBuffer b : buffers) b.close();
        dev.close();
    }

    // ---------------------------------------------------------------- helpers

    private MemorySegment buffer(int blocks) {
        IoBuffer b = dev.buffers().allocate((long) blocks * align);
        buffers.add(b);
        return b.segment();
    }

    private long offset(long block) {
        return block * align;
    }

    /** Content that says which version of which block it is, in every 8-byte word. */
    private static long word(long block, int version, long index) {
        return ((long) version << 48) ^ (block << 20) ^ index ^ 0x5A5A_0000_0000_0000L;
    }

    /** A buffer holding {@code version} of blocks {@code first .. first + blocks - 1}. */
    private MemorySegment pattern(long first, int blocks, int version) {
        MemorySegment seg = buffer(blocks);
        for (int b = 0; b < blocks; b++) {
            for (int w = 0; w < align / 8; w++) {
                seg.set(JAVA_LONG_UNALIGNED, (long) b * align + w * 8L, word(first + b, version, w));
            }
        }
        return seg;
    }

    /** Which of {@code candidates} block {@code block} holds (version 0 means all zero), or -1 for none. */
    private int versionOf(MemorySegment blockBytes, long block, Set<Integer> candidates) {
        for (int v : candidates) {
            MemorySegment expected = v == 0 ? buffer(1).fill((byte) 0) : pattern(block, 1, v);
            if (expected.mismatch(blockBytes) == -1) return v;
        }
        return -1;
    }

    private void write(long firstBlock, int blocks, int version) throws Exception {
        get(dev.submit(List.of(IoOp.write(offset(firstBlock), pattern(firstBlock, blocks, version)))).getFirst());
    }

    private MemorySegment read(BlockDevice d, long firstBlock, int blocks) throws Exception {
        MemorySegment seg = buffer(blocks);
        get(d.submit(List.of(IoOp.read(offset(firstBlock), seg))).getFirst());
        return seg;
    }

    private void assertContent(long firstBlock, int blocks, int version) throws Exception {
        MemorySegment actual = read(real, firstBlock, blocks);
        MemorySegment expected = version == 0 ? buffer(blocks).fill((byte) 0) : pattern(firstBlock, blocks, version);
        assertEquals(-1, expected.mismatch(actual),
                "blocks " + firstBlock + ".." + (firstBlock + blocks - 1) + " should hold version " + version);
    }

    private static void get(CompletableFuture<Void> f) throws Exception {
        f.get(10, TimeUnit.SECONDS);
    }

    private static DeviceIoException failure(CompletableFuture<Void> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(DeviceIoException.class, e.getCause());
    }

    // ---------------------------------------------------------------- errors

    @Test
    void injectedErrorFailsOnlyItsOpAndNamesIt() throws Exception {
        write(0, 8, 1);
        get(dev.flush());
        long bad = offset(2);
        dev.failWhen(op -> op.kind() == IoOp.Kind.WRITE && op.offset() == bad, Errno.EIO);

        List<IoOp> ops = new ArrayList<>();
        for (int b = 0; b < 4; b++) ops.add(IoOp.write(offset(b), pattern(b, 1, 2)));
        ops.add(IoOp.read(offset(6), buffer(1)));
        List<CompletableFuture<Void>> results = dev.submit(ops);

        assertEquals(ops.size(), results.size());
        DeviceIoException e = failure(results.get(2));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains(ops.get(2).toString()), e.getMessage());
        assertTrue(e.getMessage().contains("injected"), e.getMessage());
        for (int i : new int[] {0, 1, 3, 4}) get(results.get(i));

        assertContent(0, 2, 2);
        assertContent(2, 1, 1); // the failed write never reached the device
        assertContent(3, 1, 2);
        assertEquals(-1, pattern(6, 1, 1).mismatch(ops.get(4).buffer()), "the read in the same batch got its data");
        assertEquals(1, dev.injectedFailures());

        dev.clearFaults();
        write(2, 1, 3);
        assertContent(2, 1, 3);
    }

    @Test
    void failNextFailsExactlyTheNextOperations() throws Exception {
        dev.failNext(2, Errno.ENOSPC);
        assertEquals(Errno.ENOSPC, failure(dev.submit(List.of(IoOp.write(0, pattern(0, 1, 1)))).getFirst()).errno());
        assertEquals(Errno.ENOSPC, failure(dev.submit(List.of(IoOp.read(0, buffer(1)))).getFirst()).errno());
        write(0, 1, 1);
        assertContent(0, 1, 1);

        // Counted and filtered: only reads are taken, writes pass.
        dev.failNext(1, op -> op.kind() == IoOp.Kind.READ, Errno.EIO);
        write(1, 1, 1);
        DeviceIoException e = failure(dev.submit(List.of(IoOp.read(offset(1), buffer(1)))).getFirst());
        assertTrue(e.getMessage().startsWith("read of " + align + " bytes at offset " + offset(1)), e.getMessage());
        assertContent(1, 1, 1);

        // Misaligned operations are refused by the real device, without using up a rule.
        dev.failNext(1, Errno.EIO);
        MemorySegment odd = buffer(1).asSlice(0, align - 1);
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> dev.submit(List.of(IoOp.read(0, odd))).getFirst().get(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalArgumentException.class, refused.getCause());
        assertEquals(Errno.EIO, failure(dev.submit(List.of(IoOp.read(0, buffer(1)))).getFirst()).errno());
        assertEquals(4, dev.injectedFailures());
    }

    @Test
    void failedFlushMakesNothingDurable() throws Exception {
        write(0, 4, 1);
        get(dev.flush());
        write(0, 4, 2);
        dev.failNextFlush(1, Errno.EIO);
        DeviceIoException e = failure(dev.flush());
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().startsWith("flush") && e.getMessage().contains("injected"), e.getMessage());
        assertEquals(1, dev.unflushedWrites());

        dev.failFlush(Errno.EROFS);
        assertEquals(Errno.EROFS, failure(dev.flush()).errno());
        assertEquals(Errno.EROFS, failure(dev.flush()).errno());
        dev.clearFaults();

        dev.dropUnflushed();
        dev.revive();
        assertContent(0, 4, 1);
        assertEquals(3, dev.injectedFailures());
    }

    // ---------------------------------------------------------------- delays

    @Test
    void delayDelaysCompletion() throws Exception {
        Duration delay = Duration.ofMillis(300);
        dev.delay(delay);

        long t0 = System.nanoTime();
        CompletableFuture<Void> read = dev.submit(List.of(IoOp.read(0, buffer(1)))).getFirst();
        assertFalse(read.isDone(), "a 4 KiB read on a file does not take 300 ms");
        get(read);
        assertTrue(System.nanoTime() - t0 >= delay.toNanos(), "completed before the delay");

        t0 = System.nanoTime();
        CompletableFuture<Void> flush = dev.flush();
        assertFalse(flush.isDone());
        get(flush);
        assertTrue(System.nanoTime() - t0 >= delay.toNanos());

        dev.failNext(1, Errno.EIO);
        t0 = System.nanoTime();
        CompletableFuture<Void> failed = dev.submit(List.of(IoOp.read(0, buffer(1)))).getFirst();
        assertEquals(Errno.EIO, failure(failed).errno());
        assertTrue(System.nanoTime() - t0 >= delay.toNanos(), "injected failures are delayed too");

        dev.delay(Duration.ZERO);
        write(0, 1, 1); // still works without delay
        assertContent(0, 1, 1);
    }

    // ---------------------------------------------------------------- torn writes

    @Test
    void tornWriteLeavesBlockAlignedPrefixAndFails() throws Exception {
        write(0, 8, 1);
        get(dev.flush());

        dev.tearNext(3);
        IoOp op = IoOp.write(0, pattern(0, 8, 2));
        DeviceIoException e = failure(dev.submit(List.of(op)).getFirst());
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains(op.toString()) && e.getMessage().contains("injected"), e.getMessage());
        assertTrue(e.getMessage().contains("torn after " + 3L * align), e.getMessage());
        assertContent(0, 3, 2);
        assertContent(3, 5, 1);

        // A rule: every write to block 8 and beyond keeps nothing, other writes are untouched.
        dev.tearWhen(w -> w.offset() >= offset(8), 0);
        assertEquals(Errno.EIO, failure(dev.submit(List.of(IoOp.write(offset(8), pattern(8, 4, 2)))).getFirst()).errno());
        assertContent(8, 4, 0);
        write(4, 2, 3);
        assertContent(4, 2, 3);
        // Reads are never torn.
        get(dev.submit(List.of(IoOp.read(offset(8), buffer(4)))).getFirst());
        assertEquals(2, dev.injectedFailures());

        // A torn prefix is an unflushed write like any other: a power loss takes it back.
        dev.clearFaults();
        dev.dropUnflushed();
        dev.revive();
        assertContent(0, 8, 1);
    }

    // ---------------------------------------------------------------- crash

    @Test
    void crashAfterFlushKeepsFlushedDataByteExact() throws Exception {
        for (long seed = 0; seed < 20; seed++) {
            write(0, 16, (int) seed + 1);
            write(20, 4, 50);
            get(dev.flush());
            assertEquals(0, dev.unflushedWrites());
            write(32, 16, 100);     // unflushed, elsewhere
            write(20, 4, 51);       // unflushed, over a flushed write
            assertEquals(2, dev.unflushedWrites());

            dev.crash(seed);
            assertTrue(dev.isCrashed());
            dev.revive();

            assertContent(0, 16, (int) seed + 1);
            MemorySegment over = read(real, 20, 4);
            for (int b = 0; b < 4; b++) {
                int v = versionOf(over.asSlice((long) b * align, align), 20 + b, Set.of(50, 51));
                assertNotEquals(-1, v, "seed " + seed + ", block " + (20 + b) + " holds bytes nobody wrote");
            }
        }
    }

    @Test
    void dropUnflushedRestoresOldContentsByteExact() throws Exception {
        write(0, 16, 1);
        get(dev.flush());
        write(4, 8, 2);   // over flushed data
        write(0, 8, 3);   // over flushed data and the unflushed write before
        write(6, 2, 4);   // and again
        write(40, 4, 5);  // over never written (zero) blocks
        CompletableFuture<Void> inFlight = dev.submit(List.of(IoOp.write(offset(60), pattern(60, 8, 6)))).getFirst();
        assertContent(6, 2, 4);

        dev.dropUnflushed();
        assertTrue(inFlight.isDone(), "a write in flight at the crash is completed (or failed) by it");
        assertEquals(0, dev.unflushedWrites());
        dev.revive();

        assertContent(0, 16, 1);
        assertContent(40, 4, 0);
        assertContent(60, 8, 0);
        assertEquals(1, dev.crashes());
    }

    @Test
    void crashLeavesEveryBlockOldOrNewAndFlushedWritesIntact() throws Exception {
        int region = 64;
        // Which versions each block may hold after a crash.
        List<Set<Integer>> allowed = new ArrayList<>();
        Set<Set<Integer>> outcomes = new HashSet<>();
        int mixedRegions = 0;
        for (long seed = 0; seed < 30; seed++) {
            allowed.clear();
            for (int b = 0; b < region; b++) allowed.add(new HashSet<>(Set.of(1)));
            write(0, region, 1);
            write(100, 32, 1);
            get(dev.flush());
            write(100, 32, 2);  // flushed update
            get(dev.flush());

            int[][] writes = {{0, 32, 3}, {16, 32, 4}, {40, 24, 5}, {8, 8, 6}, {0, 8, 7}};
            for (int[] w : writes) {
                write(w[0], w[1], w[2]);
                for (int b = w[0]; b < w[0] + w[1]; b++) allowed.get(b).add(w[2]);
            }
            // Writes in flight at the crash.
            List<CompletableFuture<Void>> inFlight = new ArrayList<>();
            for (int[] w : new int[][] {{4, 40, 8}, {48, 16, 9}}) {
                inFlight.add(dev.submit(List.of(IoOp.write(offset(w[0]), pattern(w[0], w[1], w[2])))).getFirst());
                for (int b = w[0]; b < w[0] + w[1]; b++) allowed.get(b).add(w[2]);
            }

            dev.crash(seed);
            for (CompletableFuture<Void> f : inFlight) assertTrue(f.isDone());
            dev.revive();

            assertContent(100, 32, 2);
            MemorySegment actual = read(real, 0, region);
            Set<Integer> seen = new HashSet<>();
            for (int b = 0; b < region; b++) {
                int v = versionOf(actual.asSlice((long) b * align, align), b, allowed.get(b));
                assertNotEquals(-1, v, "seed " + seed + ": block " + b + " holds bytes none of "
                        + allowed.get(b) + " wrote");
                seen.add(v);
            }
            outcomes.add(seen);
            if (seen.size() > 1) mixedRegions++;
        }
        assertTrue(outcomes.size() > 1, "different seeds give different outcomes: " + outcomes);
        assertTrue(mixedRegions > 0, "some crashes keep some writes and lose others");
    }

    @Test
    void sameSeedSameOutcome() throws Exception {
        MemorySegment[] results = new MemorySegment[2];
        for (int run = 0; run < 2; run++) {
            write(0, 32, 1);
            get(dev.flush());
            for (int v = 2; v < 8; v++) write(v * 3L, 8, v);
            dev.crash(42);
            dev.revive();
            results[run] = read(real, 0, 32);
        }
        assertEquals(-1, results[0].mismatch(results[1]));
    }

    @Test
    void operationsAfterCrashFailUntilRevived() throws Exception {
        write(0, 2, 1);
        get(dev.flush());
        dev.crash(7);
        assertTrue(dev.isCrashed());

        List<CompletableFuture<Void>> after = dev.submit(List.of(IoOp.read(0, buffer(1)), IoOp.write(0, pattern(0, 1, 2))));
        for (CompletableFuture<Void> f : after) {
            assertTrue(failure(f).getMessage().contains("device crashed"));
        }
        assertTrue(failure(dev.flush()).getMessage().contains("device crashed"));
        assertContent(0, 2, 1); // the refused write did nothing

        dev.revive();
        assertFalse(dev.isCrashed());
        write(0, 1, 3);
        get(dev.flush());
        MemorySegment back = read(dev, 0, 1);
        assertEquals(-1, pattern(0, 1, 3).mismatch(back));
    }

    // ---------------------------------------------------------------- counters

    @Test
    void countersCount() throws Exception {
        assertEquals(0, dev.batches());
        dev.submit(List.of(IoOp.write(0, pattern(0, 1, 1)), IoOp.write(offset(1), pattern(1, 1, 1)),
                IoOp.read(offset(2), buffer(1)))).forEach(f -> assertDoesNotThrow(() -> get(f)));
        assertEquals(1, dev.batches());
        assertEquals(3, dev.operations());
        assertEquals(2, dev.unflushedWrites());

        get(dev.flush());
        get(dev.flush());
        assertEquals(2, dev.flushes());
        assertEquals(0, dev.unflushedWrites());

        dev.failNext(1, Errno.EIO).failNextFlush(1, Errno.EIO).tearNext(0);
        failure(dev.submit(List.of(IoOp.read(0, buffer(1)))).getFirst());
        failure(dev.flush());
        failure(dev.submit(List.of(IoOp.write(0, pattern(0, 1, 2)))).getFirst());
        assertEquals(3, dev.batches());
        assertEquals(5, dev.operations());
        assertEquals(3, dev.flushes());
        assertEquals(3, dev.injectedFailures());

        dev.crash(1);
        assertEquals(1, dev.crashes());
        assertTrue(dev.stats().bytesRead() > 0, "the real device's counters are passed through");
    }
}
