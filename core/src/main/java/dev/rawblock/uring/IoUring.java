package dev.rawblock.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static dev.rawblock.uring.IoUringConstants.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One io_uring instance: the three shared-memory queues and the syscalls that drive them.
 *
 * <p><b>Threading.</b> A ring is owned by one thread, which creates it, registers resources,
 * fills SQEs, enters and reaps. That is what {@code IORING_SETUP_SINGLE_ISSUER} promises the
 * kernel, and with {@code DEFER_TASKRUN} completions are only posted while that thread enters
 * with {@code GETEVENTS}. Nothing here is thread-safe.
 *
 * <p><b>Memory order.</b> The SQ tail is published with a release store after the SQE is
 * written; the CQ tail is read with an acquire load before the CQEs; the CQ head is released
 * after they have been read, handing the slots back to the kernel.
 *
 * <p><b>Submission order.</b> With {@code NO_SQARRAY} (Linux 6.6+) the kernel consumes SQEs in
 * ring order. Without it the index array is filled with the identity mapping once, which is
 * equivalent, because SQEs are always handed out in ring order.
 */
public final class IoUring implements AutoCloseable {
    private static final VarHandle INT = JAVA_INT.varHandle();

    /** Receives one completion: the submitter's tag, the result ({@code -errno} on failure) and the CQE flags. */
    @FunctionalInterface
    public interface CompletionHandler {
        void onCompletion(long userData, int res, int flags);
    }

    private final int fd;
    private final int flags;
    private final int features;
    private final int sqEntries;
    private final int cqEntries;
    private final int sqeSize;
    private final int cqeSize;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final int sqHead, sqTail, sqMask, sqFlags;
    private final int cqHead, cqTail, cqMask, cqOverflow, cqes;

    /** SQEs handed out by {@link #nextSqe()}; the kernel sees them after {@link #submit}. */
    private int sqeTail;
    /** SQEs published to the kernel and consumed by it. */
    private int submittedTail;
    private boolean closed;

    private IoUring(int fd, MemorySegment params, int entriesRequested) {
        this.fd = fd;
        this.flags = params.get(JAVA_INT, IoUringParamsDescriptor.FLAGS);
        this.features = params.get(JAVA_INT, IoUringParamsDescriptor.FEATURES);
        this.sqEntries = params.get(JAVA_INT, IoUringParamsDescriptor.SQ_ENTRIES);
        this.cqEntries = params.get(JAVA_INT, IoUringParamsDescriptor.CQ_ENTRIES);
        this.sqeSize = (flags & IORING_SETUP_SQE128) != 0 ? SqeDescriptor.SIZE_128 : SqeDescriptor.SIZE;
        this.cqeSize = (flags & IORING_SETUP_CQE32) != 0 ? CqeDescriptor.SIZE_32 : CqeDescriptor.SIZE;
        this.sqHead = params.get(JAVA_INT, IoUringParamsDescriptor.SQ_OFF_HEAD);
        this.sqTail = params.get(JAVA_INT, IoUringParamsDescriptor.SQ_OFF_TAIL);
        this.sqFlags = params.get(JAVA_INT, IoUringParamsDescriptor.SQ_OFF_FLAGS);
        int sqArray = params.get(JAVA_INT, IoUringParamsDescriptor.SQ_OFF_ARRAY);
        this.cqHead = params.get(JAVA_INT, IoUringParamsDescriptor.CQ_OFF_HEAD);
        this.cqTail = params.get(JAVA_INT, IoUringParamsDescriptor.CQ_OFF_TAIL);
        this.cqOverflow = params.get(JAVA_INT, IoUringParamsDescriptor.CQ_OFF_OVERFLOW);
        this.cqes = params.get(JAVA_INT, IoUringParamsDescriptor.CQ_OFF_CQES);

        boolean hasArray = (flags & IORING_SETUP_NO_SQARRAY) == 0;
        long sqRingBytes = hasArray ? sqArray + 4L * sqEntries : 0;
        long cqRingBytes = cqes + (long) cqEntries * cqeSize;
        int prot = LibC.PROT_READ | LibC.PROT_WRITE;
        int mapFlags = LibC.MAP_SHARED | LibC.MAP_POPULATE;
        if ((features & IORING_FEAT_SINGLE_MMAP) != 0) {
            this.sqRing = LibC.mmap(Math.max(sqRingBytes, cqRingBytes), prot, mapFlags, fd, IORING_OFF_SQ_RING);
            this.cqRing = sqRing;
        } else {
            this.sqRing = LibC.mmap(Math.max(sqRingBytes, sqArray), prot, mapFlags, fd, IORING_OFF_SQ_RING);
            this.cqRing = LibC.mmap(cqRingBytes, prot, mapFlags, fd, IORING_OFF_CQ_RING);
        }
        this.sqes = LibC.mmap((long) sqEntries * sqeSize, prot, mapFlags, fd, IORING_OFF_SQES);
        this.sqMask = sqRing.get(JAVA_INT, params.get(JAVA_INT, IoUringParamsDescriptor.SQ_OFF_RING_MASK));
        this.cqMask = cqRing.get(JAVA_INT, params.get(JAVA_INT, IoUringParamsDescriptor.CQ_OFF_RING_MASK));
        if (hasArray) {
            for (int i = 0; i < sqEntries; i++) sqRing.set(JAVA_INT, sqArray + 4L * i, i);
        }
        this.sqeTail = (int) INT.getAcquire(sqRing, (long) sqTail);
        this.submittedTail = sqeTail;
        assert sqEntries >= entriesRequested;
    }

    /**
     * Creates a ring of at least {@code entries} SQEs. {@code SINGLE_ISSUER}, {@code DEFER_TASKRUN}
     * and {@code NO_SQARRAY} in {@code flags} are wishes: when the kernel refuses them (EINVAL on
     * older kernels) they are dropped, and {@link #flags()} tells what was granted. Every other flag,
     * e.g. {@code SQE128 | CQE32} for NVMe passthrough, is required.
     *
     * @throws NativeException when no acceptable ring can be created
     */
    public static IoUring create(int entries, int flags) {
        if (entries < 1) throw new IllegalArgumentException("ring entries must be >= 1, got " + entries);
        int[] attempts = {
                flags,
                flags & ~IORING_SETUP_NO_SQARRAY,
                flags & ~(IORING_SETUP_NO_SQARRAY | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN),
        };
        int errno = 0;
        int previous = -1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(IoUringParamsDescriptor.SIZE, 8);
            for (int attempt : attempts) {
                if (attempt == previous) continue;
                previous = attempt;
                params.fill((byte) 0);
                params.set(JAVA_INT, IoUringParamsDescriptor.FLAGS, attempt);
                long fd = LibC.syscall(SYS_IO_URING_SETUP, entries, params.address(), 0, 0, 0, 0);
                if (fd >= 0) {
                    try {
                        return new IoUring((int) fd, params, entries);
                    } catch (RuntimeException e) {
                        LibC.close((int) fd);
                        throw e;
                    }
                }
                errno = (int) -fd;
                if (errno != Errno.EINVAL) break;
            }
        }
        throw new NativeException("io_uring_setup(entries=" + entries + ", flags=0x" + Integer.toHexString(flags)
                + ")" + (errno == Errno.EPERM ? " (is /proc/sys/kernel/io_uring_disabled set?)" : ""), errno);
    }

    /** The ring's file descriptor. */
    public int fd() {
        return fd;
    }

    /** The setup flags the kernel granted. */
    public int flags() {
        return flags;
    }

    /** The kernel's {@code IORING_FEAT_*} bits. */
    public int features() {
        return features;
    }

    public int sqEntries() {
        return sqEntries;
    }

    public int cqEntries() {
        return cqEntries;
    }

    /** Bytes per SQE: 64, or 128 on an SQE128 ring. */
    public int sqeSize() {
        return sqeSize;
    }

    /** Bytes per CQE: 16, or 32 on a CQE32 ring. */
    public int cqeSize() {
        return cqeSize;
    }

    /** SQEs that can be handed out before the next {@link #submit}. */
    public int sqSpace() {
        int head = (int) INT.getAcquire(sqRing, (long) sqHead);
        return sqEntries - (sqeTail - head);
    }

    /** SQEs handed out but not yet consumed by the kernel. */
    public int pendingSubmissions() {
        return sqeTail - submittedTail;
    }

    /** The next free SQE, zeroed, or {@code null} when the submission queue is full. */
    public MemorySegment nextSqe() {
        if (sqSpace() == 0) return null;
        MemorySegment sqe = sqes.asSlice((long) (sqeTail & sqMask) * sqeSize, sqeSize);
        sqe.fill((byte) 0);
        sqeTail++;
        return sqe;
    }

    /**
     * Publishes the pending SQEs and enters the kernel once: submits them and, when
     * {@code minComplete > 0}, waits until that many completions are available. Always passes
     * {@code GETEVENTS}, which also runs deferred completion work ({@code DEFER_TASKRUN}).
     *
     * @return the number of SQEs the kernel consumed, or {@code -errno} (EINTR: interrupted before
     *         anything happened; EBUSY/EAGAIN: reap completions, then retry)
     */
    public int submit(int minComplete) {
        int toSubmit = sqeTail - submittedTail;
        INT.setRelease(sqRing, (long) sqTail, sqeTail);
        long r = LibC.syscall(SYS_IO_URING_ENTER, fd, toSubmit, minComplete, IORING_ENTER_GETEVENTS, 0, 0);
        if (r > 0) submittedTail += (int) r;
        return (int) r;
    }

    /** Completions posted to the CQ and not yet reaped (a handler inside {@link #reap} sees those after its own). */
    public int completionsReady() {
        return (int) INT.getAcquire(cqRing, (long) cqTail) - cqRing.get(JAVA_INT, cqHead);
    }

    /**
     * Hands every available completion to {@code handler}, in order, and returns how many there
     * were. Completions the kernel had to park because the CQ was full (overflow with
     * {@code IORING_FEAT_NODROP}) are flushed into the ring and delivered too.
     */
    public int reap(CompletionHandler handler) {
        int total = 0;
        while (true) {
            int head = cqRing.get(JAVA_INT, cqHead);
            int tail = (int) INT.getAcquire(cqRing, (long) cqTail);
            for (; head != tail; head++) {
                long cqe = cqes + (long) (head & cqMask) * cqeSize;
                long userData = cqRing.get(JAVA_LONG, cqe + CqeDescriptor.USER_DATA);
                int res = cqRing.get(JAVA_INT, cqe + CqeDescriptor.RES);
                int cqeFlags = cqRing.get(JAVA_INT, cqe + CqeDescriptor.FLAGS);
                // Release the slot before calling out, so a handler that throws cannot replay a CQE.
                INT.setRelease(cqRing, (long) cqHead, head + 1);
                total++;
                handler.onCompletion(userData, res, cqeFlags);
            }
            if (!overflowPending()) return total;
            // The kernel holds completions that did not fit; an enter with GETEVENTS moves them in.
            LibC.syscall(SYS_IO_URING_ENTER, fd, 0, 0, IORING_ENTER_GETEVENTS, 0, 0);
        }
    }

    private boolean overflowPending() {
        return ((int) INT.getAcquire(sqRing, (long) sqFlags) & IORING_SQ_CQ_OVERFLOW) != 0;
    }

    /** Completions the kernel dropped because the CQ was full (only without {@code FEAT_NODROP}). */
    public int droppedCompletions() {
        return (int) INT.getAcquire(cqRing, (long) cqOverflow);
    }

    /**
     * Registers buffers as fixed buffers 0..n-1 ({@code IORING_REGISTER_BUFFERS}). Each must be
     * native memory of at most {@link IoUringConstants#MAX_REGISTERED_BUFFER} bytes.
     *
     * @throws NativeException e.g. ENOMEM when RLIMIT_MEMLOCK is too low
     */
    public void registerBuffers(MemorySegment... buffers) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment iovecs = arena.allocate(16L * buffers.length, 8);
            for (int i = 0; i < buffers.length; i++) {
                iovecs.set(JAVA_LONG, 16L * i, buffers[i].address());
                iovecs.set(JAVA_LONG, 16L * i + 8, buffers[i].byteSize());
            }
            register(IORING_REGISTER_BUFFERS, iovecs.address(), buffers.length, "IORING_REGISTER_BUFFERS");
        }
    }

    /** Registers files as fixed files 0..n-1 ({@code IORING_REGISTER_FILES}). */
    public void registerFiles(int... fds) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment array = arena.allocateFrom(JAVA_INT, fds);
            register(IORING_REGISTER_FILES, array.address(), fds.length, "IORING_REGISTER_FILES");
        }
    }

    /**
     * Drops the fixed files ({@code IORING_UNREGISTER_FILES}). The ring holds a reference to each
     * registered file and the kernel tears a closed ring down asynchronously, so without this the
     * file (its flock, a block device's exclusive claim) could outlive {@link #close} for a moment.
     */
    public void unregisterFiles() {
        register(IORING_UNREGISTER_FILES, 0, 0, "IORING_UNREGISTER_FILES");
    }

    private void register(int opcode, long arg, int count, String what) {
        long r;
        do {
            r = LibC.syscall(SYS_IO_URING_REGISTER, fd, opcode, arg, count, 0, 0);
        } while (r == -Errno.EINTR);
        if (r < 0) throw new NativeException(what + " of " + count, (int) -r);
    }

    /** Unmaps the queues and closes the ring; the kernel cancels whatever is still in flight. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        LibC.munmap(sqes);
        if (cqRing != sqRing) LibC.munmap(cqRing);
        LibC.munmap(sqRing);
        LibC.close(fd);
    }
}
