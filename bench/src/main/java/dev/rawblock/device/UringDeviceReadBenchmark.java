package dev.rawblock.device;

import dev.rawblock.uring.IoUring;
import dev.rawblock.uring.LibC;
import dev.rawblock.uring.Sqe;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.rawblock.uring.IoUringConstants.IORING_SETUP_DEFER_TASKRUN;
import static dev.rawblock.uring.IoUringConstants.IORING_SETUP_NO_SQARRAY;
import static dev.rawblock.uring.IoUringConstants.IORING_SETUP_SINGLE_ISSUER;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * One 4 KiB read at a time from a small file in {@code java.io.tmpdir} (which must not be tmpfs
 * when {@code direct}: tmpfs has no O_DIRECT), two ways: through {@link BlockDevice#submit} of
 * the io_uring engine, and as the same READ_FIXED straight on a ring of the calling thread. Their
 * difference is the device layer's per-operation cost: the queue, the hand-off to the ring thread
 * and back, and the future. With O_DIRECT (the store's mode) the disk's latency dwarfs it; the
 * page-cache variant ({@code direct=false}) takes the disk away so that the difference shows.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class UringDeviceReadBenchmark {
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 256;
    private static final long FILE_BYTES = (long) BLOCKS * BLOCK;

    @Param({"true", "false"})
    public boolean direct;

    private Path dir;
    private Path file;
    private BlockDevice device;
    private IoBuffer deviceBuffer;
    private Arena arena;
    private int fd;
    private IoUring ring;
    private MemorySegment ringBuffer;
    private int next;
    private final IoUring.CompletionHandler requireFullBlock = (offset, res, flags) -> {
        if (res != BLOCK) throw new IllegalStateException("read at " + offset + " returned " + res);
    };

    @Setup
    public void open() throws IOException {
        dir = Files.createTempDirectory("rawblock-bench-");
        file = dir.resolve("device.img");
        device = BlockDevice.open(DeviceOptions.of(file).withCreateSize(FILE_BYTES).withArenaBytes(2 * FILE_BYTES)
                .withDirect(direct));
        deviceBuffer = device.buffers().allocate(BLOCK);
        if (device.buffers().fixedIndex(deviceBuffer.segment().address(), BLOCK) < 0) {
            throw new IllegalStateException("the read buffer is not a registered buffer: this would time a staged copy");
        }
        // fallocate leaves unwritten extents, which ext4 reads back as zeros without asking the
        // disk: write every block so that the reads are real ones.
        try (IoBuffer data = device.buffers().allocate(FILE_BYTES)) {
            for (long i = 0; i < FILE_BYTES; i++) data.segment().set(JAVA_BYTE, i, pattern(i));
            device.submit(List.of(IoOp.write(0, data.segment()))).getFirst().join();
            device.flush().join();
        }

        arena = Arena.ofShared();
        ringBuffer = arena.allocate(BLOCK, BLOCK);
        fd = LibC.open(file.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC | (direct ? LibC.O_DIRECT : 0), 0);
        if (fd < 0) throw new IOException("cannot open " + file + ": " + LibC.strerror(-fd));
        // The engine's own setup: flags, one registered buffer, the file as fixed file 0.
        ring = IoUring.create(8, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_NO_SQARRAY);
        ring.registerBuffers(ringBuffer);
        ring.registerFiles(fd);

        long last = BLOCKS - 1;
        requireBlock(readThroughDevice(last * BLOCK), last);
        requireBlock(readOnRing(last * BLOCK), last);
    }

    @Benchmark
    public MemorySegment throughDevice() {
        return readThroughDevice(nextOffset());
    }

    @Benchmark
    public MemorySegment ringOnly() {
        return readOnRing(nextOffset());
    }

    /** Cycles through the file's blocks, as a run of loads would visit different slots. */
    private long nextOffset() {
        return (long) (next++ & (BLOCKS - 1)) * BLOCK;
    }

    private MemorySegment readThroughDevice(long offset) {
        device.submit(List.of(IoOp.read(offset, deviceBuffer.segment()))).getFirst().join();
        return deviceBuffer.segment();
    }

    private MemorySegment readOnRing(long offset) {
        Sqe.readFixed(ring.nextSqe(), 0, true, ringBuffer.address(), BLOCK, offset, 0, offset);
        int submitted = ring.submit(1);
        if (submitted != 1) throw new IllegalStateException("io_uring_enter submitted " + submitted);
        if (ring.reap(requireFullBlock) != 1) throw new IllegalStateException("the read did not complete");
        return ringBuffer;
    }

    @TearDown
    public void close() throws IOException {
        ring.close();
        LibC.close(fd);
        arena.close();
        deviceBuffer.close();
        device.close();
        Files.delete(file);
        Files.delete(dir);
    }

    private static byte pattern(long i) {
        return (byte) (i * 31 + (i >>> 12));
    }

    private static void requireBlock(MemorySegment buffer, long block) {
        for (int i = 0; i < BLOCK; i++) {
            if (buffer.get(JAVA_BYTE, i) != pattern(block * BLOCK + i)) {
                throw new IllegalStateException("block " + block + " read back wrong at byte " + i);
            }
        }
    }
}
