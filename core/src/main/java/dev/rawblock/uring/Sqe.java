package dev.rawblock.uring;

import java.lang.foreign.MemorySegment;

import static dev.rawblock.uring.IoUringConstants.*;
import static dev.rawblock.uring.SqeDescriptor.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Encoders for submission queue entries. Each writes one operation into an SQE slot that
 * {@link IoUring#nextSqe()} handed out already zeroed, so only the fields that matter are set.
 * A {@code fixedFile} flag means {@code fd} is an index into the ring's registered files.
 */
public final class Sqe {
    private Sqe() {}

    /** A no-op that completes with res 0; useful to wake or probe a ring. */
    public static void nop(MemorySegment sqe, long userData) {
        header(sqe, IORING_OP_NOP, -1, false, userData);
    }

    /** read(2) of {@code length} bytes at {@code offset} into native memory at {@code address}. */
    public static void read(MemorySegment sqe, int fd, boolean fixedFile, long address, int length, long offset,
                            long userData) {
        rw(sqe, IORING_OP_READ, fd, fixedFile, address, length, offset, userData);
    }

    /** write(2) of {@code length} bytes at {@code offset} from native memory at {@code address}. */
    public static void write(MemorySegment sqe, int fd, boolean fixedFile, long address, int length, long offset,
                             long userData) {
        rw(sqe, IORING_OP_WRITE, fd, fixedFile, address, length, offset, userData);
    }

    /** A read into registered buffer {@code bufIndex}; {@code address} may be anywhere inside it. */
    public static void readFixed(MemorySegment sqe, int fd, boolean fixedFile, long address, int length, long offset,
                                 int bufIndex, long userData) {
        rw(sqe, IORING_OP_READ_FIXED, fd, fixedFile, address, length, offset, userData);
        sqe.set(JAVA_SHORT, BUF_INDEX, (short) bufIndex);
    }

    /** A write from registered buffer {@code bufIndex}; {@code address} may be anywhere inside it. */
    public static void writeFixed(MemorySegment sqe, int fd, boolean fixedFile, long address, int length, long offset,
                                  int bufIndex, long userData) {
        rw(sqe, IORING_OP_WRITE_FIXED, fd, fixedFile, address, length, offset, userData);
        sqe.set(JAVA_SHORT, BUF_INDEX, (short) bufIndex);
    }

    /** fsync(2), or fdatasync(2) when {@code dataOnly}. */
    public static void fsync(MemorySegment sqe, int fd, boolean fixedFile, boolean dataOnly, long userData) {
        header(sqe, IORING_OP_FSYNC, fd, fixedFile, userData);
        sqe.set(JAVA_INT, OP_FLAGS, dataOnly ? IORING_FSYNC_DATASYNC : 0);
    }

    /** Cancels the request submitted with {@code targetUserData}. */
    public static void cancel(MemorySegment sqe, long targetUserData, long userData) {
        header(sqe, IORING_OP_ASYNC_CANCEL, -1, false, userData);
        sqe.set(JAVA_LONG, ADDR, targetUserData);
    }

    /**
     * A driver command ({@code IORING_OP_URING_CMD}, e.g. {@code NVME_URING_CMD_IO}) and returns
     * the command area for the caller to fill: 16 bytes, or 80 on an SQE128 ring.
     *
     * @param bufIndex a registered buffer index, or -1 when the command's buffer is not registered
     */
    public static MemorySegment uringCmd(MemorySegment sqe, int fd, boolean fixedFile, int cmdOp, int bufIndex,
                                         long userData) {
        header(sqe, IORING_OP_URING_CMD, fd, fixedFile, userData);
        sqe.set(JAVA_INT, CMD_OP, cmdOp);
        if (bufIndex >= 0) {
            sqe.set(JAVA_INT, OP_FLAGS, IORING_URING_CMD_FIXED);
            sqe.set(JAVA_SHORT, BUF_INDEX, (short) bufIndex);
        }
        return sqe.asSlice(CMD, sqe.byteSize() - CMD);
    }

    private static void rw(MemorySegment sqe, byte opcode, int fd, boolean fixedFile, long address, int length,
                           long offset, long userData) {
        header(sqe, opcode, fd, fixedFile, userData);
        sqe.set(JAVA_LONG, OFF, offset);
        sqe.set(JAVA_LONG, ADDR, address);
        sqe.set(JAVA_INT, LEN, length);
    }

    private static void header(MemorySegment sqe, byte opcode, int fd, boolean fixedFile, long userData) {
        sqe.set(JAVA_BYTE, OPCODE, opcode);
        sqe.set(JAVA_BYTE, FLAGS, fixedFile ? IOSQE_FIXED_FILE : 0);
        sqe.set(JAVA_INT, FD, fd);
        sqe.set(JAVA_LONG, USER_DATA, userData);
    }
}
