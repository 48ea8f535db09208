package dev.rawblock.testkit.device;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceClosedException;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.DeviceStats;
import dev.rawblock.device.IoOp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The behaviour every {@link BlockDevice} must show: engines on every kind of target, wrappers, the
 * simulated device. A subclass says how to make a target and how to open a device on it
 * ({@link #newDevice}); every test opens its devices through that factory, so whatever the factory
 * returns is what is tested (Lucene's {@code BaseDirectoryTestCase} works the same way).
 *
 * <p>What the factory must honour: the target ({@link DeviceOptions#path()}), which keeps its bytes
 * from one open to the next (a test may close a device and open the same target again);
 * {@code readOnly}, {@code stageUnaligned} and {@code maxTransfer} as {@link BlockDevice} and
 * {@link DeviceOptions} define them. {@code queueDepth} and {@code direct} are hints a device may
 * ignore (the tests vary them to reach an engine's ring-splitting and page-cache paths).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class BlockDeviceContract {
    /** Bytes of every target. */
    public static final long TARGET_SIZE = 32L << 20;

    @TempDir
    protected Path dir;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    /** A target of exactly {@link #TARGET_SIZE} bytes in {@code dir} (made before each test). */
    protected abstract Path target(Path dir) throws IOException;

    /** Opens the device under test on {@code options.path()}, a target {@link #target} made. */
    protected abstract BlockDevice newDevice(DeviceOptions options) throws IOException;

    /** The options every test starts from: the target, an 8 MiB arena. */
    protected DeviceOptions options() {
        return DeviceOptions.of(target).withArenaBytes(8 << 20);
    }

    /** The size the device should report for the target. */
    protected long expectedSize() {
        return TARGET_SIZE;
    }

    private Path target;

    @BeforeEach
    void createTarget() throws IOException {
        target = target(dir);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    /** Closes {@code c} after the test (in the reverse order of tracking). */
    protected <T extends AutoCloseable> T track(T c) {
        cleanup.add(c);
        return c;
    }

    /** A device from the factory, closed after the test. */
    protected BlockDevice open(DeviceOptions options) throws IOException {
        return track(newDevice(options));
    }

    public static MemorySegment pattern(MemorySegment seg, long seed) {
        Random rnd = new Random(seed);
        for (long i = 0; i < seg.byteSize(); i += 8) seg.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i, rnd.nextLong());
        return seg;
    }

    public static void await(List<CompletableFuture<Void>> futures) {
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
    }

    public static Throwable failureOf(CompletableFuture<Void> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        return e.getCause();
    }

    protected MemorySegment aligned(BlockDevice dev, long bytes) {
        return track(dev.buffers().allocate(bytes)).segment();
    }

    // ------------------------------------------------------------------ tests

    @Test
    public void reportsTheTargetsSizeAndAlignment() throws IOException {
        BlockDevice dev = open(options());
        assertEquals(expectedSize(), dev.size());
        assertTrue(dev.alignment() >= 512 && Integer.bitCount(dev.alignment()) == 1, "alignment " + dev.alignment());
        assertTrue(dev.geometry().maxTransfer() >= dev.alignment());
        assertNotNull(dev.engine());
        assertEquals(target, dev.path());
    }

    @Test
    public void writesAndReadsBackEveryByte() throws IOException {
        BlockDevice dev = open(options());
        int a = dev.alignment();
        long[] sizes = {a, 4096, 64 << 10, 1 << 20, 3 * a};
        List<IoOp> writes = new ArrayList<>();
        List<IoOp> reads = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < sizes.length; i++) {
            writes.add(IoOp.write(offset, pattern(aligned(dev, sizes[i]), i)));
            reads.add(IoOp.read(offset, aligned(dev, sizes[i])));
            offset += sizes[i] + a; // leave gaps: the ops are not one contiguous run
        }
        await(dev.submit(writes));
        await(List.of(dev.flush()));
        await(dev.submit(reads));
        for (int i = 0; i < sizes.length; i++) {
            assertEquals(-1, writes.get(i).buffer().mismatch(reads.get(i).buffer()), "op " + i);
        }
        DeviceStats s = dev.stats();
        assertEquals(sum(sizes), s.bytesWritten());
        assertEquals(sum(sizes), s.bytesRead());
        assertEquals(0, s.failed());
        assertEquals(0, s.inFlight());
    }

    private static long sum(long[] v) {
        long t = 0;
        for (long x : v) t += x;
        return t;
    }

    /** Checklist item 34: read batches of 16x the ring depth, three times in a row, with and without O_DIRECT. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 64})
    public void batchesLargerThanTheQueueComplete(int depth) throws IOException {
        for (boolean direct : new boolean[] {true, false}) {
            try (BlockDevice dev = newDevice(options().withQueueDepth(depth).withDirect(direct))) {
                int block = 4096;
                int n = 16 * depth;
                List<IoOp> writes = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    writes.add(IoOp.write((long) i * block, pattern(dev.buffers().allocate(block).segment(), i * 7L + depth)));
                }
                await(dev.submit(writes));
                for (int round = 0; round < 3; round++) {
                    List<IoOp> reads = new ArrayList<>();
                    for (int i = 0; i < n; i++) reads.add(IoOp.read((long) i * block, dev.buffers().allocate(block).segment()));
                    await(dev.submit(reads));
                    for (int i = 0; i < n; i++) {
                        assertEquals(-1, writes.get(i).buffer().mismatch(reads.get(i).buffer()),
                                "depth " + depth + " direct " + direct + " round " + round + " op " + i);
                    }
                }
            }
        }
    }

    @Test
    public void eachOperationFailsAlone() throws IOException {
        BlockDevice dev = open(options());
        int a = dev.alignment();
        MemorySegment good1 = pattern(aligned(dev, a), 1);
        MemorySegment good2 = pattern(aligned(dev, a), 2);
        List<CompletableFuture<Void>> f = dev.submit(List.of(
                IoOp.write(0, good1),
                IoOp.write(a + 1, aligned(dev, a)),               // misaligned offset
                IoOp.write(2L * a, aligned(dev, a + a / 2)),      // misaligned length
                IoOp.read(dev.size(), aligned(dev, a)),           // past the end
                IoOp.write(3L * a, good2)));
        f.get(0).join();
        f.get(4).join();
        assertMessage(failureOf(f.get(1)), IllegalArgumentException.class, "offset " + (a + 1), "alignment " + a);
        assertMessage(failureOf(f.get(2)), IllegalArgumentException.class, "length " + (a + a / 2), "alignment " + a);
        assertMessage(failureOf(f.get(3)), IllegalArgumentException.class, "past the end", "" + dev.size());
        MemorySegment back = aligned(dev, a);
        await(dev.submit(List.of(IoOp.read(3L * a, back))));
        assertEquals(-1, good2.mismatch(back));
        assertEquals(3, dev.stats().failed());
    }

    public static void assertMessage(Throwable t, Class<? extends Throwable> type, String... parts) {
        assertInstanceOf(type, t, String.valueOf(t));
        for (String p : parts) assertTrue(t.getMessage().contains(p), "'" + t.getMessage() + "' should mention " + p);
    }

    /** Checklist item 32: a read past the end fails; it never returns short data. */
    @Test
    public void readsPastTheEndFailWithTheSizes() throws IOException {
        BlockDevice dev = open(options());
        long size = dev.size();
        int a = dev.alignment();
        Throwable t = failureOf(dev.submit(List.of(IoOp.read(size - a, aligned(dev, 2L * a)))).getFirst());
        assertMessage(t, IllegalArgumentException.class, "read of " + (2 * a) + " bytes at offset " + (size - a),
                "ends at " + (size + a), size + " bytes");
    }

    @Test
    public void unalignedMemoryIsStagedOrRefused() throws IOException {
        BlockDevice dev = open(options());
        int a = dev.alignment();
        // Shared memory: a device may hand it to another thread (BlockDevice's rule for buffers).
        try (Arena arena = Arena.ofShared()) {
            MemorySegment odd = pattern(arena.allocate(a + 64, 4096).asSlice(64, a), 5); // native, misaligned
            MemorySegment heap = MemorySegment.ofArray(new byte[a]);                   // heap memory
            await(dev.submit(List.of(IoOp.write(0, odd))));
            await(dev.submit(List.of(IoOp.read(0, heap))));
            assertEquals(-1, odd.mismatch(heap));
            assertEquals(2, dev.stats().staged());
        }
        dev.close(); // one owner at a time: the strict device is a second open of the same target
        try (BlockDevice strict = newDevice(options().withStageUnaligned(false)); Arena arena = Arena.ofShared()) {
            MemorySegment odd = arena.allocate(a + 64, 4096).asSlice(64, a);
            Throwable t = failureOf(strict.submit(List.of(IoOp.write(0, odd))).getFirst());
            assertMessage(t, IllegalArgumentException.class, "0x" + Long.toHexString(odd.address()), "not aligned to " + a);
            t = failureOf(strict.submit(List.of(IoOp.read(0, MemorySegment.ofArray(new byte[a])))).getFirst());
            assertMessage(t, IllegalArgumentException.class, "heap memory");
        }
    }

    /** A transfer larger than the max transfer goes out as several kernel calls, continued where each stopped. */
    @Test
    public void transfersAreSplitAndContinued() throws IOException {
        int a;
        try (BlockDevice probe = newDevice(options())) {
            a = probe.alignment();
        }
        BlockDevice dev = open(options().withMaxTransfer(4096L * Math.max(1, a / 4096)).withQueueDepth(2));
        MemorySegment data = pattern(aligned(dev, 1 << 20), 9);
        MemorySegment back = aligned(dev, 1 << 20);
        await(dev.submit(List.of(IoOp.write(8192, data))));
        await(dev.submit(List.of(IoOp.read(8192, back))));
        assertEquals(-1, data.mismatch(back));
    }

    @Test
    public void manyThreadsSubmitAtOnce() throws Exception {
        BlockDevice dev = open(options().withQueueDepth(8));
        int threads = 8, perThread = 64, block = 16 << 10;
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        long offset = ((long) id * perThread + i) * block;
                        MemorySegment w = pattern(MemorySegment.ofArray(new byte[block]), offset);
                        MemorySegment r = MemorySegment.ofArray(new byte[block]);
                        dev.submit(List.of(IoOp.write(offset, w))).getFirst().join();
                        dev.submit(List.of(IoOp.read(offset, r))).getFirst().join();
                        assertEquals(-1, w.mismatch(r), "thread " + id + " op " + i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        }
        assertEquals((long) threads * perThread * block, dev.stats().bytesWritten());
        assertEquals(0, dev.stats().inFlight());
    }

    @Test
    public void closeWithOperationsInFlightFinishesOrFailsEveryOne() throws IOException {
        BlockDevice dev = newDevice(options().withQueueDepth(4));
        int block = 64 << 10;
        List<IoOp> ops = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            ops.add(IoOp.read((long) (i % 256) * block, MemorySegment.ofArray(new byte[block])));
        }
        List<CompletableFuture<Void>> futures = dev.submit(ops);
        long start = System.nanoTime();
        dev.close();
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "close must not hang");
        int ok = 0, closed = 0;
        for (CompletableFuture<Void> f : futures) {
            assertTrue(f.isDone(), "every future completes by the time close returns");
            if (!f.isCompletedExceptionally()) ok++;
            else {
                assertInstanceOf(DeviceClosedException.class, failureOf(f));
                closed++;
            }
        }
        assertEquals(ops.size(), ok + closed);
        Throwable after = failureOf(dev.submit(List.of(IoOp.read(0, MemorySegment.ofArray(new byte[block])))).getFirst());
        assertInstanceOf(DeviceClosedException.class, after);
        assertInstanceOf(DeviceClosedException.class, failureOf(dev.flush()));
        dev.close(); // idempotent
    }

    @Test
    public void flushCompletes() throws IOException {
        BlockDevice dev = open(options());
        await(dev.submit(List.of(IoOp.write(0, pattern(aligned(dev, 4096), 3)))));
        dev.flush().join();
        assertEquals(0, dev.stats().failed());
    }

    @Test
    public void readOnlyDevicesRefuseWrites() throws IOException {
        BlockDevice dev = open(options().withReadOnly(true));
        Throwable t = failureOf(dev.submit(List.of(IoOp.write(0, aligned(dev, 4096)))).getFirst());
        assertMessage(t, IllegalArgumentException.class, "read-only");
        dev.submit(List.of(IoOp.read(0, aligned(dev, 4096)))).getFirst().join();
    }

    @Test
    public void randomBatchesMatchAModel() throws IOException {
        BlockDevice dev = open(options().withQueueDepth(4));
        int block = 4096;
        int blocks = 512;
        byte[] model = new byte[blocks * block];
        Random rnd = new Random(42);
        for (int round = 0; round < 40; round++) {
            List<IoOp> ops = new ArrayList<>();
            boolean[] used = new boolean[blocks];
            int n = 1 + rnd.nextInt(24);
            for (int i = 0; i < n; i++) {
                int first = rnd.nextInt(blocks - 8), count = 1 + rnd.nextInt(8);
                boolean clash = false;
                for (int b = first; b < first + count; b++) clash |= used[b];
                if (clash) continue; // ops of one batch may run in any order: keep their ranges apart
                for (int b = first; b < first + count; b++) used[b] = true;
                MemorySegment buf = MemorySegment.ofArray(new byte[count * block]);
                if (rnd.nextBoolean()) {
                    pattern(buf, rnd.nextLong());
                    MemorySegment.copy(buf, 0, MemorySegment.ofArray(model), (long) first * block, buf.byteSize());
                    ops.add(IoOp.write((long) first * block, buf));
                } else {
                    ops.add(IoOp.read((long) first * block, buf));
                }
            }
            // Reads see the model as it was before this batch's writes to other ranges: compare after.
            await(dev.submit(ops));
            for (IoOp op : ops) {
                if (op.kind() == IoOp.Kind.READ) {
                    MemorySegment expected = MemorySegment.ofArray(model).asSlice(op.offset(), op.length());
                    assertEquals(-1, expected.mismatch(op.buffer()), "round " + round + " " + op);
                }
            }
        }
    }

    /**
     * Memory of a confined arena, aligned or not, read into and written from: a device thread may
     * be unable to touch it, but the operation never hangs.
     */
    @Test
    public void confinedMemoryNeverLeavesAnOperationPending() throws Exception {
        BlockDevice dev = open(options());
        int a = dev.alignment();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment aligned = arena.allocate(a, a);
            MemorySegment odd = arena.allocate(a + 64, a).asSlice(64, a);
            for (IoOp op : List.of(IoOp.read(0, aligned), IoOp.write(0, aligned), IoOp.read(a, odd), IoOp.write(a, odd))) {
                CompletableFuture<Void> f = dev.submit(List.of(op)).getFirst();
                try {
                    f.get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException refused) {
                    // the device's threads may not touch confined memory: a clear failure is fine
                }
                assertTrue(f.isDone(), op.toString());
            }
        }
        assertEquals(0, dev.stats().inFlight());
    }
}
