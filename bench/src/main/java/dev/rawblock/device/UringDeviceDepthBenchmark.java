package dev.rawblock.device;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * 4 KiB reads from the page cache at queue depth {@code qd}, the way {@code bench device} drives
 * the engine: every lane submits its next read from the completion callback of the previous one,
 * on the ring thread. The score is the time per read with the queue kept full, which is the ring
 * thread's CPU per operation (the page cache takes the disk away): what bounds 4 KiB QD32 IOPS
 * once the disk is fast enough.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class UringDeviceDepthBenchmark {
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 1024;
    private static final long FILE_BYTES = (long) BLOCKS * BLOCK;
    /** Reads per invocation: long enough that the start and the drain of the lanes do not count. */
    static final int READS = 16384;

    @Param({"32"})
    public int qd;

    private Path dir;
    private Path file;
    private BlockDevice device;
    private final List<IoBuffer> buffers = new ArrayList<>();

    @Setup
    public void open() throws IOException {
        dir = Files.createTempDirectory("rawblock-bench-");
        file = dir.resolve("device.img");
        device = BlockDevice.open(DeviceOptions.of(file).withCreateSize(FILE_BYTES).withArenaBytes(FILE_BYTES + qd * BLOCK)
                .withDirect(false).withQueueDepth(qd));
        try (IoBuffer data = device.buffers().allocate(FILE_BYTES)) {
            for (long i = 0; i < FILE_BYTES; i++) data.segment().set(JAVA_BYTE, i, (byte) (i * 31 + 7));
            device.submit(List.of(IoOp.write(0, data.segment()))).getFirst().join();
            device.flush().join();
        }
        for (int i = 0; i < qd; i++) buffers.add(device.buffers().allocate(BLOCK));
        closedLoop(); // proves that the loop completes and reads what was written
        for (IoBuffer b : buffers) {
            if (b.segment().get(JAVA_BYTE, 1) == 0) throw new IllegalStateException("read returned zeros");
        }
    }

    @Benchmark
    @OperationsPerInvocation(READS)
    public int closedLoop() {
        Loop loop = new Loop();
        loop.start();
        try {
            if (!loop.done.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("the reads stalled");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (loop.failure.get() != null) throw new IllegalStateException(loop.failure.get());
        return loop.next.get();
    }

    /** One invocation's lanes; a lane's callback issues its next read, as DeviceWorkload's lanes do. */
    private final class Loop {
        final AtomicInteger next = new AtomicInteger();
        final CountDownLatch done = new CountDownLatch(qd);
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        void start() {
            List<IoOp> first = new ArrayList<>(qd);
            for (int lane = 0; lane < qd; lane++) first.add(op(next.getAndIncrement(), lane));
            List<CompletableFuture<Void>> futures = device.submit(first);
            for (int lane = 0; lane < qd; lane++) {
                int l = lane;
                futures.get(lane).whenComplete((v, e) -> completed(l, e));
            }
        }

        IoOp op(int index, int lane) {
            // A fixed stride through the file: cheap, and every block gets visited.
            long block = (index * 97L) & (BLOCKS - 1);
            return IoOp.read(block * BLOCK, buffers.get(lane).segment());
        }

        void completed(int lane, Throwable error) {
            if (error != null) {
                failure.compareAndSet(null, error);
                done.countDown();
                return;
            }
            int index = next.getAndIncrement();
            if (index >= READS) {
                done.countDown();
                return;
            }
            device.submit(List.of(op(index, lane))).getFirst().whenComplete((v, e) -> completed(lane, e));
        }
    }

    @TearDown
    public void close() throws IOException {
        for (IoBuffer b : buffers) b.close();
        buffers.clear();
        device.close();
        Files.delete(file);
        Files.delete(dir);
    }
}
