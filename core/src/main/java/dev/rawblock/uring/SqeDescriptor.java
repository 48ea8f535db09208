package dev.rawblock.uring;

/**
 * Byte offsets of {@code struct io_uring_sqe}: 64 bytes, or 128 with {@code IORING_SETUP_SQE128}
 * where the command area ({@link #CMD}) grows from 16 to 80 bytes.
 */
public final class SqeDescriptor {
    private SqeDescriptor() {}

    public static final int SIZE = 64;
    public static final int SIZE_128 = 128;

    public static final int OPCODE = 0;      // u8
    public static final int FLAGS = 1;       // u8
    public static final int IOPRIO = 2;      // u16
    public static final int FD = 4;          // s32
    public static final int OFF = 8;         // u64 (also cmd_op u32 for URING_CMD)
    public static final int CMD_OP = 8;      // u32
    public static final int ADDR = 16;       // u64
    public static final int LEN = 24;        // u32
    public static final int OP_FLAGS = 28;   // u32: rw_flags, fsync_flags, cancel_flags, uring_cmd_flags
    public static final int USER_DATA = 32;  // u64
    public static final int BUF_INDEX = 40;  // u16
    public static final int PERSONALITY = 42;// u16
    public static final int SPLICE_FD_IN = 44;// s32
    public static final int CMD = 48;        // 16 bytes, or 80 with SQE128

    public static final int CMD_SIZE = 16;
    public static final int CMD_SIZE_128 = 80;
}
