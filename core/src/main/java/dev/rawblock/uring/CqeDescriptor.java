package dev.rawblock.uring;

/** Byte offsets of {@code struct io_uring_cqe}: 16 bytes, or 32 with {@code IORING_SETUP_CQE32}. */
public final class CqeDescriptor {
    private CqeDescriptor() {}

    public static final int SIZE = 16;
    public static final int SIZE_32 = 32;

    public static final int USER_DATA = 0; // u64
    public static final int RES = 8;       // s32
    public static final int FLAGS = 12;    // u32
    /** The extra 16 bytes of a CQE32 (big_cqe[]), e.g. NVMe result dwords. */
    public static final int BIG_CQE = 16;
}
