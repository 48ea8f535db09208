package dev.rawblock.uring;

/**
 * Byte offsets of {@code struct nvme_passthru_cmd} (the ioctl form, 72 bytes) and of
 * {@code struct nvme_uring_cmd} (the io_uring form, 72 bytes, carried in the command area of a
 * 128-byte SQE), from {@code include/uapi/linux/nvme_ioctl.h}. The two share every offset up to
 * {@link #TIMEOUT_MS}; the ioctl form then has the command's result dword where the io_uring form
 * has a reserved word (io_uring returns the status in the CQE instead).
 */
public final class NvmeCommandDescriptor {
    private NvmeCommandDescriptor() {}

    public static final int SIZE = 72;

    public static final int OPCODE = 0;       // u8
    public static final int FLAGS = 1;        // u8
    public static final int NSID = 4;         // u32
    public static final int CDW2 = 8;         // u32
    public static final int CDW3 = 12;        // u32
    public static final int METADATA = 16;    // u64
    public static final int ADDR = 24;        // u64: user address of the data buffer
    public static final int METADATA_LEN = 32;// u32
    public static final int DATA_LEN = 36;    // u32
    public static final int CDW10 = 40;       // u32
    public static final int CDW11 = 44;       // u32
    public static final int CDW12 = 48;       // u32
    public static final int CDW13 = 52;       // u32
    public static final int CDW14 = 56;       // u32
    public static final int CDW15 = 60;       // u32
    public static final int TIMEOUT_MS = 64;  // u32
    /** nvme_passthru_cmd only: dword 0 of the completion (e.g. a Get Features value). */
    public static final int RESULT = 68;      // u32
}
