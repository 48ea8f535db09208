package dev.rawblock.uring;

/**
 * io_uring ABI constants, written from the kernel UAPI header {@code include/uapi/linux/io_uring.h}
 * as of Linux 6.18. Values newer than the 6.1-era headers installed on Debian 12 note the kernel
 * that introduced them; {@code IoUringAbiTest} compares the rest with the machine's header.
 */
public final class IoUringConstants {
    private IoUringConstants() {}

    // syscall numbers (identical on every architecture since 5.1)
    public static final int SYS_IO_URING_SETUP = 425;
    public static final int SYS_IO_URING_ENTER = 426;
    public static final int SYS_IO_URING_REGISTER = 427;

    // io_uring_setup flags
    /** 5.x: SQEs are 128 bytes (NVMe passthrough commands need the 80-byte command area). */
    public static final int IORING_SETUP_SQE128 = 1 << 10;
    /** 5.x: CQEs are 32 bytes. */
    public static final int IORING_SETUP_CQE32 = 1 << 11;
    /** 6.0: only one task submits; lets the kernel skip synchronisation. */
    public static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    /** 6.1: completions run when the issuer enters with GETEVENTS, not at interrupt time. */
    public static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;
    /** 6.6 (not in Debian 12's header): no SQ index array; SQEs are consumed in ring order. */
    public static final int IORING_SETUP_NO_SQARRAY = 1 << 16;

    // features reported by io_uring_setup
    public static final int IORING_FEAT_SINGLE_MMAP = 1;
    public static final int IORING_FEAT_NODROP = 1 << 1;

    // mmap offsets
    public static final long IORING_OFF_SQ_RING = 0L;
    public static final long IORING_OFF_CQ_RING = 0x8000000L;
    public static final long IORING_OFF_SQES = 0x10000000L;

    // io_uring_enter flags
    public static final int IORING_ENTER_GETEVENTS = 1;

    // sq_ring flags
    public static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;

    // io_uring_register opcodes
    public static final int IORING_REGISTER_BUFFERS = 0;
    public static final int IORING_UNREGISTER_BUFFERS = 1;
    public static final int IORING_REGISTER_FILES = 2;
    public static final int IORING_UNREGISTER_FILES = 3;

    // opcodes
    public static final byte IORING_OP_NOP = 0;
    public static final byte IORING_OP_FSYNC = 3;
    public static final byte IORING_OP_READ_FIXED = 4;
    public static final byte IORING_OP_WRITE_FIXED = 5;
    public static final byte IORING_OP_ASYNC_CANCEL = 14;
    public static final byte IORING_OP_READ = 22;
    public static final byte IORING_OP_WRITE = 23;
    public static final byte IORING_OP_URING_CMD = 46;

    // sqe flags
    public static final byte IOSQE_FIXED_FILE = 1;

    /** fsync_flags: fdatasync semantics. */
    public static final int IORING_FSYNC_DATASYNC = 1;

    /** uring_cmd_flags: the command's buffer is a registered (fixed) buffer, see buf_index. */
    public static final int IORING_URING_CMD_FIXED = 1;

    /** The kernel refuses a single registered buffer larger than this (io_uring/rsrc.c). */
    public static final long MAX_REGISTERED_BUFFER = 1L << 30;
}
