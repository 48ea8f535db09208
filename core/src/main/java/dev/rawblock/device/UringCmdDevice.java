package dev.rawblock.device;

import dev.rawblock.uring.Errno;
import dev.rawblock.uring.IoUring;
import dev.rawblock.uring.NativeException;
import dev.rawblock.uring.NvmeCommand;
import dev.rawblock.uring.NvmeConstants;
import dev.rawblock.uring.Sqe;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

import static dev.rawblock.uring.IoUringConstants.*;

/**
 * The NVMe passthrough engine ({@link Engine#URING_CMD}): NVMe READ, WRITE and FLUSH commands
 * sent with {@code IORING_OP_URING_CMD} on the namespace's generic character device, on an
 * SQE128/CQE32 ring owned by one thread ({@link RingDevice}). Nothing of the block layer is in
 * the way: no splitting, no merging, no page cache; rawblock cuts and aligns commands itself.
 *
 * <p><b>Commands in flight.</b> An operation larger than the controller's limit
 * ({@link Geometry#maxTransfer()}) becomes several commands, and they are all issued at once, as
 * far as the queue depth allows, not one after another: a 32 MiB read at a 512 KiB limit is 64
 * commands in flight. (LMCache's passthrough load waited for each piece before sending the next,
 * which is why it ran at a queue depth of about one.) Each command has a slot; an operation
 * completes when its last command does, and fails, alone, if any of its commands failed.
 *
 * <p><b>Results.</b> A passthrough completion carries the NVMe status in {@code res} (0 is
 * success, a positive value is the status field, a negative one an errno from the driver). There
 * are no short transfers: a command moves all its bytes or fails. EAGAIN and EINTR (a command
 * the driver cancelled) are retried a few times.
 *
 * <p><b>Memory.</b> The arena is registered as fixed buffers, in pieces of at most
 * {@code max_segments} pages ({@link #registrationPiece}); a command whose memory lies inside the
 * arena, at any offset, is sent with {@code IORING_URING_CMD_FIXED} and its piece's index, so the
 * kernel pins and maps no pages for it. Other memory is mapped by the driver page by page, which
 * is why such a command whose buffer does not start on a page boundary is cut one page shorter.
 *
 * <p><b>Placement.</b> A write carrying a placement identifier gets the Data Placement directive
 * (DTYPE 2, DSPEC = the identifier); the identifier must be one the namespace reported.
 */
final class UringCmdDevice extends RingDevice {
    private static final String WHAT = "uring_cmd engine";
    private static final long PROBE_TAG = -2L;
    private static final int MAX_ATTEMPTS = 4;
    /** The kernel's limit on registered buffers per ring (IORING_MAX_REG_BUFFERS). */
    private static final int MAX_REGISTERED_BUFFERS = 1 << 14;

    private final NvmeNamespace namespace;
    private final int lbaBytes;
    private final Set<Integer> placementIds;
    /** Bytes of each registered piece of the arena (see the class comment). */
    private final long piece;
    private final LongAdder commands = new LongAdder();
    private final LongAdder fixedCommands = new LongAdder();

    // Owned by the ring thread.
    private final Command[] slots;
    private final int[] freeSlots;
    private int freeCount;
    private final ArrayDeque<Command> retries = new ArrayDeque<>();
    /** The request being cut into commands, or null. */
    private Transfer current;
    private boolean fixedFile;
    private int registeredPieces;

    /** One request on its way: how much of it has been issued, how many commands are out, the first error. */
    private static final class Transfer {
        final IoRequest request;
        final long total;
        long issued;
        int outstanding;
        Throwable error;

        Transfer(IoRequest request) {
            this.request = request;
            this.total = request.isFlush() ? 1 : request.memory.byteSize(); // a flush is one command of no data
        }

        boolean fullyIssued() {
            return issued == total;
        }

        boolean done() {
            return fullyIssued() && outstanding == 0;
        }
    }

    /** One NVMe command of a transfer: {@code length} bytes at {@code at} within the request (0 for a flush). */
    private record Command(Transfer transfer, long at, int length, int attempt, int bufIndex) {
        Command retry() {
            return new Command(transfer, at, length, attempt + 1, bufIndex);
        }
    }

    static UringCmdDevice open(DeviceOptions options) throws IOException {
        NvmeNamespace ns = NvmeNamespace.open(options);
        try {
            return new UringCmdDevice(ns, options);
        } catch (IOException | RuntimeException e) {
            ns.file.close();
            throw e;
        }
    }

    private UringCmdDevice(NvmeNamespace namespace, DeviceOptions options) throws IOException {
        super(namespace.file, options, "rawblock-uring-cmd-" + namespace.file.path().getFileName(), WHAT);
        this.namespace = namespace;
        this.lbaBytes = namespace.file.geometry().logicalBlockSize();
        this.placementIds = namespace.fdp == null ? Set.of() : new HashSet<>(namespace.fdp.placementIds());
        this.piece = registrationPiece(namespace.maxSegments);
        this.slots = new Command[depth];
        this.freeSlots = new int[depth];
        for (int i = 0; i < depth; i++) freeSlots[i] = depth - 1 - i;
        this.freeCount = depth;
        start(WHAT);
    }

    @Override
    public Engine engine() {
        return Engine.URING_CMD;
    }

    @Override
    public Optional<FdpConfig> fdp() {
        return Optional.ofNullable(namespace.fdp);
    }

    @Override
    public String fdpAbsence() {
        return namespace.fdp == null ? namespace.fdpAbsence : null;
    }

    @Override
    public Optional<FdpStatus> fdpStatus() throws IOException {
        if (namespace.fdp == null) return Optional.empty();
        return Optional.of(NvmeNamespace.Fdp.status(file.fd(), file.path().toString(), namespace.nsid, namespace.fdp,
                lbaBytes));
    }

    /** The namespace id. */
    int namespaceId() {
        return namespace.nsid;
    }

    /** The controller's own limit per command (before an explicit, smaller {@link DeviceOptions#maxTransfer()}). */
    long hardwareLimit() {
        return namespace.hardwareLimit;
    }

    /**
     * The largest power-of-two number of pages within {@code maxSegments}, in bytes. Linux 6.1
     * counts a fixed buffer's segments from the command's address to the end of the registered
     * buffer, not to the end of the command, and refuses (EINVAL) a command with more than the
     * queue's max_segments: registering the arena in pieces this small keeps every command
     * within the limit, wherever in a piece it starts. Commands are cut at piece boundaries.
     */
    static long registrationPiece(int maxSegments) {
        return (long) Integer.highestOneBit(Math.max(1, maxSegments)) * NvmeNamespace.PAGE;
    }

    /** NVMe commands sent since open (an operation larger than the limit is several). */
    long commands() {
        return commands.sum();
    }

    /** Of those, the ones whose memory was a registered buffer (IORING_URING_CMD_FIXED). */
    long fixedCommands() {
        return fixedCommands.sum();
    }

    @Override
    protected String placementProblem(int id) {
        if (namespace.fdp == null) return "placement needs FDP, and " + file.path() + " has none: " + namespace.fdpAbsence;
        return placementIds.contains(id) ? null
                : "placement identifier " + id + " is not one of the namespace's " + namespace.fdp.placementIds();
    }

    // ---------------------------------------------------------------- ring thread

    @Override
    protected IoUring createRing() throws IOException {
        try {
            return IoUring.create(depth + 1, IORING_SETUP_SQE128 | IORING_SETUP_CQE32 | IORING_SETUP_SINGLE_ISSUER
                    | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_NO_SQARRAY);
        } catch (NativeException e) {
            if (e.errno() != Errno.EINVAL) throw e;
            throw new IOException("this kernel refuses io_uring rings with 128-byte SQEs and 32-byte CQEs (Linux 5.19+),"
                    + " which NVMe passthrough on " + file.path() + " needs: " + instead(), e);
        }
    }

    private String instead() {
        return "use the io_uring engine on " + NvmeNamespace.blockDeviceOf(file.path());
    }

    @Override
    protected void setUp() throws IOException {
        if (arena.capacity() > 0) {
            MemorySegment[] pieces = arena.registrationPieces(piece, MAX_REGISTERED_BUFFERS);
            ring.registerBuffers(pieces);
            registeredPieces = pieces.length;
        }
        ring.registerFiles(file.fd());
        fixedFile = true;
        probe();
    }

    /**
     * Reads the first block with one passthrough command before anything else, so that a kernel
     * without NVMe passthrough over io_uring, or a caller without the right to send NVMe
     * commands, gets one clear error at open rather than a failure on every operation.
     */
    private void probe() throws IOException {
        try (IoBuffer block = arena.allocate(lbaBytes)) {
            MemorySegment sqe = ring.nextSqe();
            MemorySegment cmd = Sqe.uringCmd(sqe, 0, true, NvmeConstants.NVME_URING_CMD_IO, -1, PROBE_TAG);
            NvmeCommand.readWrite(cmd, false, namespace.nsid, 0, 1, block.segment().address(), lbaBytes,
                    NvmeCommand.NO_PLACEMENT);
            int[] result = {Integer.MIN_VALUE};
            while (result[0] == Integer.MIN_VALUE) {
                int r = ring.submit(1);
                if (r < 0 && r != -Errno.EINTR && r != -Errno.EAGAIN && r != -Errno.EBUSY) {
                    throw new DeviceIoException("io_uring_enter for NVMe passthrough on " + file.path(), -r);
                }
                ring.reap((userData, res, flags) -> {
                    if (userData == PROBE_TAG) result[0] = res;
                });
            }
            int res = result[0];
            if (res == 0) return;
            String p = file.path().toString();
            if (res == -Errno.EOPNOTSUPP || res == -Errno.EINVAL || res == -Errno.ENOTTY) {
                throw new DeviceIoException("this kernel does not support NVMe passthrough over io_uring"
                        + " (IORING_OP_URING_CMD, Linux 5.19+) on " + p + ": " + instead(), -res);
            }
            if (res == -Errno.EACCES || res == -Errno.EPERM) {
                throw new DeviceIoException("no permission to send NVMe commands to " + p + " (passthrough needs"
                        + " CAP_SYS_ADMIN on this kernel): " + instead(), -res);
            }
            if (res < 0) throw new DeviceIoException("an NVMe read of block 0 of " + p + " failed", -res);
            throw new IOException("an NVMe read of block 0 of " + p + " failed: " + NvmeIoctl.status(res));
        }
    }

    @Override
    protected void tearDown() {
        if (!fixedFile) return;
        try {
            ring.unregisterFiles();
        } catch (RuntimeException ignored) {
            // closing the ring drops the file anyway, only later
        }
    }

    @Override
    protected boolean busy() {
        return freeCount < depth || current != null || !retries.isEmpty();
    }

    @Override
    protected void failInFlight(Throwable t) {
        java.util.Set<Transfer> failed = new java.util.HashSet<>();
        for (int i = 0; i < depth; i++) {
            if (slots[i] != null && failed.add(slots[i].transfer)) finish(slots[i].transfer.request, t);
        }
        for (Command c : retries) {
            if (failed.add(c.transfer)) finish(c.transfer.request, t);
        }
        if (current != null && failed.add(current)) finish(current.request, t);
    }

    @Override
    protected void fill() {
        if (stopping) abandonUnissued();
        while (freeCount > 0) {
            if (retries.isEmpty() && current == null) {
                IoRequest r = backlog.poll();
                if (r == null) return;
                current = new Transfer(r);
            }
            MemorySegment sqe = ring.nextSqe();
            if (sqe == null) return;
            Command c = retries.isEmpty() ? next(current) : retries.poll();
            if (current != null && current.fullyIssued()) current = null;
            int slot = freeSlots[--freeCount];
            slots[slot] = c;
            encode(sqe, slot, c);
        }
    }

    /** The next command of {@code t}: as much as one command may carry from where it got to. */
    private Command next(Transfer t) {
        t.outstanding++;
        if (t.request.isFlush()) {
            t.issued = t.total;
            return new Command(t, 0, 0, 1, -1);
        }
        long address = t.request.memory.address() + t.issued;
        long limit = file.geometry().maxTransfer();
        long toPieceEnd = registeredPieces == 0 ? -1 : arena.toPieceEnd(address, piece);
        int bufIndex = -1;
        if (toPieceEnd > 0 && arena.fixedIndex(address, 1, piece) < registeredPieces) {
            // Registered memory: a command stays inside one piece and names it.
            bufIndex = arena.fixedIndex(address, 1, piece);
            limit = Math.min(limit, toPieceEnd / lbaBytes * lbaBytes);
            if (limit == 0) { // a piece boundary that is not LBA-aligned: send this part unregistered
                bufIndex = -1;
                limit = file.geometry().maxTransfer();
            }
        }
        if (bufIndex < 0 && address % NvmeNamespace.PAGE != 0 && limit > NvmeNamespace.PAGE) {
            // Memory off a page boundary touches one more page than its length: keep within max_segments.
            limit = (limit - NvmeNamespace.PAGE) / lbaBytes * lbaBytes;
        }
        int length = (int) Math.min(t.total - t.issued, limit);
        Command c = new Command(t, t.issued, length, 1, bufIndex);
        t.issued += length;
        return c;
    }

    private void encode(MemorySegment sqe, int slot, Command c) {
        IoRequest r = c.transfer.request;
        int fd = fixedFile ? 0 : file.fd();
        MemorySegment cmd = Sqe.uringCmd(sqe, fd, fixedFile, NvmeConstants.NVME_URING_CMD_IO, c.bufIndex, slot);
        commands.increment();
        if (c.bufIndex >= 0) fixedCommands.increment();
        if (r.isFlush()) {
            NvmeCommand.flush(cmd, namespace.nsid);
            return;
        }
        long lba = (r.op.offset() + c.at) / lbaBytes;
        boolean write = !r.isRead();
        NvmeCommand.readWrite(cmd, write, namespace.nsid, lba, c.length / lbaBytes, r.memory.address() + c.at,
                c.length, write ? r.op.placement() : NvmeCommand.NO_PLACEMENT);
    }

    /** At close: the unissued rest of the current transfer and the retries are not sent; they fail as closed. */
    private void abandonUnissued() {
        for (Command c; (c = retries.poll()) != null; ) {
            c.transfer.outstanding--;
            settle(c.transfer, closedError());
        }
        if (current != null) {
            Transfer t = current;
            current = null;
            t.issued = t.total;
            settle(t, closedError());
        }
    }

    @Override
    protected void complete(long userData, int res) {
        int slot = (int) userData;
        Command c = slots[slot];
        slots[slot] = null;
        freeSlots[freeCount++] = slot;
        Transfer t = c.transfer;
        if ((res == -Errno.EINTR || res == -Errno.EAGAIN) && c.attempt < MAX_ATTEMPTS && !stopping) {
            retries.add(c.retry());
            return;
        }
        t.outstanding--;
        Throwable error = null;
        if (res < 0) error = failure(t.request, -res);
        else if (res > 0) error = nvmeFailure(c, res);
        settle(t, error);
    }

    /** Records a command's error and finishes the transfer when its last command is back. */
    private void settle(Transfer t, Throwable error) {
        if (error != null && t.error == null) {
            t.error = error;
            if (t == current) { // send no more of a transfer that has failed
                t.issued = t.total;
                current = null;
            }
        }
        if (t.done() && t != current) finish(t.request, t.error);
    }

    private DeviceIoException nvmeFailure(Command c, int status) {
        IoRequest r = c.transfer.request;
        String what = r.isFlush() ? "NVMe flush" : "NVMe " + (r.isRead() ? "read" : "write") + " of " + c.length
                + " bytes at offset " + (r.op.offset() + c.at);
        return new DeviceIoException(r.describe() + " on " + file.path() + " failed: " + what + ": " + NvmeIoctl.status(status));
    }
}
