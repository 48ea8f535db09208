package dev.rawblock.device;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.rawblock.testkit.device.BlockDeviceContract.await;
import static dev.rawblock.testkit.device.BlockDeviceContract.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writers on several threads sharing zones, flushes, and a sweeper clearing quiet zones every few
 * milliseconds, all at once on io_uring files: rounds, clears and data writes interleave as
 * threads make them, not as a simulation orders them. Nothing may hang, fail or go missing, and
 * the members must end equal.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MirrorDeviceConcurrencyTest {
    private static final long SET_BYTES = 32L << 20, ZONE = 256 << 10;
    private static final int BLOCK = 16 << 10, THREADS = 4, BATCHES = 150;

    @TempDir
    Path dir;

    @Test
    void writersFlushesAndTheSweeperInterleaveSafely() throws Exception {
        MirrorDevice.format(List.of(MirrorFiles.member(dir, "a.img", SET_BYTES), MirrorFiles.member(dir, "b.img", SET_BYTES)),
                ZONE, 4096, 5, 6).close();
        byte[] model = new byte[(int) SET_BYTES];
        MirrorDevice.Settings eager = MirrorDevice.Settings.DEFAULT.withQuiet(Duration.ofMillis(2));
        boolean clearedWhileWriting = false;
        try (MirrorDevice dev = MirrorDevice.open(List.of(MirrorFiles.member(dir, "a.img", SET_BYTES),
                MirrorFiles.member(dir, "b.img", SET_BYTES)), eager);
             ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                writers.add(pool.submit(() -> {
                    Random r = new Random(thread);
                    int blocks = (int) (SET_BYTES / BLOCK);
                    for (int i = 0; i < BATCHES; i++) {
                        List<IoOp> batch = new ArrayList<>();
                        for (int n = 1 + r.nextInt(3); n > 0; n--) {
                            // Blocks of this thread only (so the model's order is the thread's), zones shared by all.
                            long offset = (long) (r.nextInt(blocks / THREADS) * THREADS + thread) * BLOCK;
                            if (batch.stream().anyMatch(op -> op.offset() == offset)) continue;
                            MemorySegment data = pattern(MemorySegment.ofArray(new byte[BLOCK]), r.nextLong());
                            batch.add(IoOp.write(offset, data));
                        }
                        await(dev.submit(batch));
                        for (IoOp op : batch) MemorySegment.copy(op.buffer(), 0, MemorySegment.ofArray(model), op.offset(), BLOCK);
                        if (r.nextInt(8) == 0) dev.flush().join();
                        if (r.nextInt(16) == 0) Thread.sleep(5); // let zones go quiet, so the sweeper clears while others write
                    }
                    return null;
                }));
            }
            int marked = 0;
            while (!writers.stream().allMatch(Future::isDone)) {
                int now = dev.state().markedZones();
                clearedWhileWriting |= now < marked;
                marked = now;
                Thread.sleep(1);
            }
            for (Future<?> w : writers) w.get();
            assertEquals("healthy", dev.state().state());
            assertEquals(0, dev.stats().failed());
            assertTrue(dev.state().rounds() > 1, dev.state().rounds() + " rounds");
            assertTrue(clearedWhileWriting, "the sweeper cleared zones while the writers wrote");
            MirrorFiles.assertHolds(dev, model);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (dev.state().markedZones() > 0 && System.nanoTime() < deadline) Thread.sleep(5);
            assertEquals(0, dev.state().markedZones(), "every zone went quiet and was cleared");
        }
        try (BlockDevice a = MirrorFiles.member(dir, "a.img", SET_BYTES); BlockDevice b = MirrorFiles.member(dir, "b.img", SET_BYTES)) {
            for (long at = 0; at < SET_BYTES; at += 1 << 20) {
                MemorySegment x = MemorySegment.ofArray(new byte[1 << 20]), y = MemorySegment.ofArray(new byte[1 << 20]);
                await(a.submit(List.of(IoOp.read(MemberHeader.DATA_OFFSET + at, x))));
                await(b.submit(List.of(IoOp.read(MemberHeader.DATA_OFFSET + at, y))));
                assertEquals(-1, x.mismatch(y), "the members differ at " + at);
            }
        }
    }
}
