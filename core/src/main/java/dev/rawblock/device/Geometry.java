package dev.rawblock.device;

/**
 * What discovery learned about a device.
 *
 * @param kind             a regular file, a block device or an NVMe namespace (generic char device)
 * @param size             usable bytes (file size or BLKGETSIZE64)
 * @param logicalBlockSize the device's logical block (BLKSSZGET; for files the filesystem's
 *                         direct-I/O offset alignment)
 * @param alignment        what offsets, lengths and buffer addresses must be multiples of for
 *                         direct I/O (1 when the page cache is used)
 * @param maxTransfer      largest single transfer the hardware takes, from
 *                         {@code /sys/.../queue/max_hw_sectors_kb}; engines that need it (NVMe
 *                         passthrough) split by it, the kernel splits plain reads and writes itself
 */
public record Geometry(Kind kind, long size, int logicalBlockSize, int alignment, long maxTransfer) {
    /** The kind of file behind a device path. */
    public enum Kind { FILE, BLOCK_DEVICE, NVME_NAMESPACE }
}
