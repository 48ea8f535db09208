package dev.rawblock.device;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to open a {@link BlockDevice}. Start from {@link #of(Path)} and adjust with the
 * {@code with*} methods; every value is validated when the device opens.
 *
 * @param path         a regular file, a block device or an NVMe generic device ({@code /dev/ngXnY})
 * @param engine       io_uring (default), posix, or uring_cmd (the default for {@code /dev/ngXnY})
 * @param queueDepth   operations in flight at once: ring size for io_uring, threads for posix
 * @param readOnly     open without write access; writes then fail per operation
 * @param direct       O_DIRECT (default): bypass the page cache, so alignment rules apply
 * @param createSize   when the path does not exist (or is an empty regular file), create a file
 *                     of this many bytes, preallocated with fallocate; 0 means a missing path is
 *                     an error
 * @param minSize      refuse a device smaller than this
 * @param arenaBytes   size of the aligned buffer arena registered with the ring
 * @param stageUnaligned copy buffers that are not native and aligned through arena buffers;
 *                     when false such operations fail with a message naming the address
 * @param maxTransfer  split transfers into kernel calls of at most this many bytes (a multiple of
 *                     the alignment); 0: reads and writes go to the kernel whole, which splits them
 *                     at the hardware's limit itself, and NVMe commands are cut at that limit
 */
public record DeviceOptions(Path path, Engine engine, int queueDepth, boolean readOnly, boolean direct,
                            long createSize, long minSize, long arenaBytes, boolean stageUnaligned,
                            long maxTransfer) {
    public static final int DEFAULT_QUEUE_DEPTH = 64;
    public static final long DEFAULT_ARENA_BYTES = 64L << 20;

    public DeviceOptions {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(engine, "engine");
        if (queueDepth < 1 || queueDepth > 4096) {
            throw new IllegalArgumentException("queue depth must be in 1..4096, got " + queueDepth);
        }
        if (createSize < 0) throw new IllegalArgumentException("create size must be >= 0, got " + createSize);
        if (minSize < 0) throw new IllegalArgumentException("minimum size must be >= 0, got " + minSize);
        if (arenaBytes < 0) throw new IllegalArgumentException("arena size must be >= 0, got " + arenaBytes);
        if (maxTransfer < 0) throw new IllegalArgumentException("max transfer must be >= 0, got " + maxTransfer);
    }

    /**
     * Defaults: io_uring (uring_cmd for an NVMe generic device, see {@link Engine#forPath}), depth
     * 64, read-write, O_DIRECT, no creation, 64 MiB arena, staging on.
     */
    public static DeviceOptions of(Path path) {
        return new DeviceOptions(path, Engine.forPath(path), DEFAULT_QUEUE_DEPTH, false, true, 0, 0,
                DEFAULT_ARENA_BYTES, true, 0);
    }

    /** The same options for another path (the engine stays as chosen). */
    public DeviceOptions withPath(Path p) {
        return new DeviceOptions(p, engine, queueDepth, readOnly, direct, createSize, minSize, arenaBytes, stageUnaligned, maxTransfer);
    }

    public DeviceOptions withEngine(Engine e) {
        return new DeviceOptions(path, e, queueDepth, readOnly, direct, createSize, minSize, arenaBytes, stageUnaligned, maxTransfer);
    }

    public DeviceOptions withQueueDepth(int d) {
        return new DeviceOptions(path, engine, d, readOnly, direct, createSize, minSize, arenaBytes, stageUnaligned, maxTransfer);
    }

    public DeviceOptions withReadOnly(boolean r) {
        return new DeviceOptions(path, engine, queueDepth, r, direct, createSize, minSize, arenaBytes, stageUnaligned, maxTransfer);
    }

    public DeviceOptions withDirect(boolean d) {
        return new DeviceOptions(path, engine, queueDepth, readOnly, d, createSize, minSize, arenaBytes, stageUnaligned, maxTransfer);
    }

    public DeviceOptions withCreateSize(long s) {
        return new DeviceOptions(path, engine, queueDepth, readOnly, direct, s, minSize, arenaBytes, stageUnaligned, maxTransfer);
    }

    public DeviceOptions withMinSize(long s) {
        return new DeviceOptions(path, engine, queueDepth, readOnly, direct, createSize, s, arenaBytes, stageUnaligned, maxTransfer);
    }

    public DeviceOptions withArenaBytes(long b) {
        return new DeviceOptions(path, engine, queueDepth, readOnly, direct, createSize, minSize, b, stageUnaligned, maxTransfer);
    }

    public DeviceOptions withStageUnaligned(boolean s) {
        return new DeviceOptions(path, engine, queueDepth, readOnly, direct, createSize, minSize, arenaBytes, s, maxTransfer);
    }

    public DeviceOptions withMaxTransfer(long m) {
        return new DeviceOptions(path, engine, queueDepth, readOnly, direct, createSize, minSize, arenaBytes,
                stageUnaligned, m);
    }
}
