package dev.rawblock.device;

import dev.rawblock.uring.Errno;
import dev.rawblock.uring.IoUring;
import dev.rawblock.uring.Sqe;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

import static dev.rawblock.uring.IoUringConstants.*;

/**
 * The io_uring engine on a file or block device: READ/WRITE (READ_FIXED/WRITE_FIXED for arena
 * memory) and FSYNC on the ring of a {@link RingDevice}, at most {@code queueDepth} in flight (a
 * larger batch simply waits for slots). Completions free their slot, continue short transfers
 * from where they stopped, and finish the request.
 *
 * <p><b>Memory.</b> The device's {@link BufferArena} is registered as fixed buffers, and the
 * file as fixed file 0, so arena memory is transferred with READ_FIXED/WRITE_FIXED.
 */
final class UringDevice extends RingDevice {
    private static final String WHAT = "io_uring engine";

    // Owned by the ring thread.
    private final IoRequest[] slots;
    private final int[] freeSlots;
    private int freeCount;
    private boolean fixedFile;

    UringDevice(DeviceFile file, DeviceOptions options) throws IOException {
        super(file, options, "rawblock-uring-" + file.path().getFileName(), WHAT);
        this.slots = new IoRequest[depth];
        this.freeSlots = new int[depth];
        for (int i = 0; i < depth; i++) freeSlots[i] = depth - 1 - i;
        this.freeCount = depth;
        start(WHAT);
    }

    @Override
    public Engine engine() {
        return Engine.IO_URING;
    }

    @Override
    protected IoUring createRing() {
        return IoUring.create(depth + 1, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN
                | IORING_SETUP_NO_SQARRAY);
    }

    @Override
    protected void setUp() {
        if (arena.capacity() > 0) ring.registerBuffers(arena.registrationPieces());
        ring.registerFiles(file.fd());
        fixedFile = true;
    }

    @Override
    protected void tearDown() {
        // The file goes back before the ring: its lock and exclusive claim end when this device closes.
        if (!fixedFile) return;
        try {
            ring.unregisterFiles();
        } catch (RuntimeException ignored) {
            // closing the ring drops the file anyway, only later
        }
    }

    @Override
    protected boolean busy() {
        return freeCount < depth;
    }

    @Override
    protected void failInFlight(Throwable t) {
        for (int i = 0; i < depth; i++) {
            if (slots[i] != null) finish(slots[i], t);
        }
    }

    /** Turns backlog requests into SQEs while slots and SQEs last. */
    @Override
    protected void fill() {
        while (!backlog.isEmpty() && freeCount > 0) {
            MemorySegment sqe = ring.nextSqe();
            if (sqe == null) return;
            IoRequest r = backlog.poll();
            int slot = freeSlots[--freeCount];
            slots[slot] = r;
            int fd = fixedFile ? 0 : file.fd();
            if (r.isFlush()) {
                Sqe.fsync(sqe, fd, fixedFile, true, slot);
                continue;
            }
            long address = r.memory.address() + r.done;
            int length = (int) Math.min(r.remaining(), chunkLimit());
            long offset = r.op.offset() + r.done;
            if (r.fixedIndex >= 0) {
                if (r.isRead()) Sqe.readFixed(sqe, fd, fixedFile, address, length, offset, r.fixedIndex, slot);
                else Sqe.writeFixed(sqe, fd, fixedFile, address, length, offset, r.fixedIndex, slot);
            } else {
                if (r.isRead()) Sqe.read(sqe, fd, fixedFile, address, length, offset, slot);
                else Sqe.write(sqe, fd, fixedFile, address, length, offset, slot);
            }
        }
    }

    @Override
    protected void complete(long userData, int res) {
        int slot = (int) userData;
        IoRequest r = slots[slot];
        slots[slot] = null;
        freeSlots[freeCount++] = slot;
        if (res == -Errno.EINTR || res == -Errno.EAGAIN) {
            backlog.addFirst(r);
        } else if (res < 0) {
            finish(r, failure(r, -res));
        } else if (r.isFlush()) {
            finish(r, null);
        } else if (res == 0) {
            finish(r, noProgress(r));
        } else {
            r.done += res;
            if (r.remaining() > 0) backlog.addFirst(r); // short transfer: continue where it stopped
            else finish(r, null);
        }
    }
}
