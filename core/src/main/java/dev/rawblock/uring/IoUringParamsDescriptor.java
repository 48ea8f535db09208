package dev.rawblock.uring;

/**
 * Byte offsets of {@code struct io_uring_params} (120 bytes) and its nested
 * {@code io_sqring_offsets} / {@code io_cqring_offsets}, from the Linux UAPI.
 */
public final class IoUringParamsDescriptor {
    private IoUringParamsDescriptor() {}

    public static final int SIZE = 120;

    public static final int SQ_ENTRIES = 0;
    public static final int CQ_ENTRIES = 4;
    public static final int FLAGS = 8;
    public static final int SQ_THREAD_CPU = 12;
    public static final int SQ_THREAD_IDLE = 16;
    public static final int FEATURES = 20;
    public static final int WQ_FD = 24;

    /** struct io_sqring_offsets sq_off (40 bytes). */
    public static final int SQ_OFF = 40;
    public static final int SQ_OFF_HEAD = SQ_OFF;
    public static final int SQ_OFF_TAIL = SQ_OFF + 4;
    public static final int SQ_OFF_RING_MASK = SQ_OFF + 8;
    public static final int SQ_OFF_RING_ENTRIES = SQ_OFF + 12;
    public static final int SQ_OFF_FLAGS = SQ_OFF + 16;
    public static final int SQ_OFF_DROPPED = SQ_OFF + 20;
    public static final int SQ_OFF_ARRAY = SQ_OFF + 24;

    /** struct io_cqring_offsets cq_off (40 bytes). */
    public static final int CQ_OFF = 80;
    public static final int CQ_OFF_HEAD = CQ_OFF;
    public static final int CQ_OFF_TAIL = CQ_OFF + 4;
    public static final int CQ_OFF_RING_MASK = CQ_OFF + 8;
    public static final int CQ_OFF_RING_ENTRIES = CQ_OFF + 12;
    public static final int CQ_OFF_OVERFLOW = CQ_OFF + 16;
    public static final int CQ_OFF_CQES = CQ_OFF + 20;
    public static final int CQ_OFF_FLAGS = CQ_OFF + 24;
}
