package dev.rawblock.device;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A file or block device addressed by byte offset: the layer below the store, which knows
 * offsets, lengths and buffers, never keys.
 *
 * <p><b>Batches.</b> {@link #submit} takes any number of operations and returns one future per
 * operation, in order. Each operation succeeds or fails on its own: a misaligned, out-of-range
 * or failed operation never fails its neighbours. Short transfers are continued until the whole
 * buffer moved, so success always means every byte.
 *
 * <p><b>Threads.</b> Any thread may submit. Buffers must be readable from other threads (global,
 * shared or automatic arenas, or heap arrays); an engine thread that cannot touch a confined
 * segment fails that operation. Futures complete on the engine's I/O thread:
 * dependent actions run there and must be quick and must not block on another operation of
 * this device (use the {@code *Async} variants to hop to an executor).
 *
 * <p><b>Durability.</b> A completed write is in the device, perhaps in its volatile cache;
 * {@link #flush()} makes every write that completed before the flush was submitted durable.
 */
public interface BlockDevice extends AutoCloseable {

    /** Opens the device the options name with the engine they choose. */
    static BlockDevice open(DeviceOptions options) throws IOException {
        if (options.engine() == Engine.URING_CMD) return UringCmdDevice.open(options);
        DeviceFile file = DeviceFile.open(options);
        try {
            return switch (options.engine()) {
                case IO_URING -> new UringDevice(file, options);
                case POSIX -> new PosixDevice(file, options);
                case URING_CMD -> throw new IllegalStateException("unreachable");
            };
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * The block device of the NVMe namespace whose generic character device is {@code generic}:
     * {@code /dev/nvmeXnY} for {@code /dev/ngXnY}, in the same directory, whether or not it exists
     * (a namespace in a format the block layer cannot use has only its generic node); empty for
     * any other name. The same namespace through the block layer, for the io_uring engine.
     */
    static Optional<Path> nvmeBlockDevice(Path generic) {
        return NvmeNamespace.blockDeviceFor(generic);
    }

    /** The file or device path. */
    Path path();

    /** Discovered geometry: kind, size, logical block, alignment, max transfer. */
    Geometry geometry();

    /** Usable bytes: offsets run from 0 to {@code size()}. */
    default long size() {
        return geometry().size();
    }

    /** Offsets, lengths and (unless staged) buffer addresses must be multiples of this. */
    default int alignment() {
        return geometry().alignment();
    }

    /** Whether this open created the file (it did not exist before). */
    default boolean created() {
        return false;
    }

    /**
     * The first offset at or after {@code from}, a multiple of the alignment, where the device may
     * hold something other than zeros; {@link #size()} when nothing follows but holes. A sparse or
     * preallocated regular file answers from its extents (lseek SEEK_DATA), so that scanning it
     * for data costs what it holds, not its size; anything else answers {@code from}.
     */
    default long dataFrom(long from) {
        return Math.min(from, size());
    }

    /** The end of the data run that starts at {@code from} (the next hole), a multiple of the alignment. */
    default long holeFrom(long from) {
        return size();
    }

    /** The engine doing the I/O. */
    Engine engine();

    /** Aligned memory for I/O buffers; arena memory is transferred without copies. */
    BufferArena buffers();

    /** Starts every operation and returns one future per operation, in the same order. */
    List<CompletableFuture<Void>> submit(List<IoOp> ops);

    /** Makes writes completed before this call durable. */
    CompletableFuture<Void> flush();

    /**
     * The namespace's Flexible Data Placement setup when writes on this device can carry a
     * placement identifier ({@link IoOp#placement()}); empty otherwise (every engine but
     * uring_cmd, and namespaces without FDP).
     */
    default Optional<FdpConfig> fdp() {
        return Optional.empty();
    }

    /** Why {@link #fdp()} is empty, for reports; null when it is not. */
    default String fdpAbsence() {
        return "the " + engine().label() + " engine cannot place writes (FDP needs the uring_cmd engine on /dev/ngXnY)";
    }

    /**
     * The device's FDP statistics and reclaim unit handle status, read now (two NVMe commands);
     * empty without {@link #fdp()}.
     */
    default Optional<FdpStatus> fdpStatus() throws IOException {
        return Optional.empty();
    }

    /** Counters since open. */
    DeviceStats stats();

    /**
     * Stops accepting operations, lets those already started finish, fails those still queued
     * with {@link DeviceClosedException}, and releases the device. Never hangs: an operation the
     * kernel does not finish within a bounded time is failed and its memory left allocated.
     */
    @Override
    void close() throws IOException;
}
