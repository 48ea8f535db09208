package dev.rawblock.device;

import dev.rawblock.uring.Errno;
import dev.rawblock.uring.IoUring;
import dev.rawblock.uring.LibC;
import dev.rawblock.uring.NativeException;
import dev.rawblock.uring.Sqe;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.rawblock.uring.IoUringConstants.*;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The io_uring engine: one ring, owned by one platform thread (the ring thread), fed by a
 * lock-free queue.
 *
 * <p><b>Ring thread loop.</b> Move queued requests into free in-flight slots as SQEs (at most
 * {@code queueDepth} in flight; a larger batch simply waits for slots), then one
 * {@code io_uring_enter} both submits them and, when there is nothing else to do, waits for a
 * completion. Completions free their slot, continue short transfers from where they stopped,
 * and finish the request. Creating the ring on this thread is what lets the kernel grant
 * {@code SINGLE_ISSUER | DEFER_TASKRUN}.
 *
 * <p><b>Waking without polling.</b> A read of an eventfd is always pending in the ring. A
 * submitter that finds the ring thread asleep in {@code io_uring_enter} writes the eventfd; the
 * read completes and the thread wakes. The {@code sleeping} flag is set before the thread's last
 * look at the queue and read after the submitter's enqueue, so no request is left behind and a
 * busy ring pays no syscall for new work.
 *
 * <p><b>Memory.</b> The device's {@link BufferArena} is registered as fixed buffers, and the
 * file as fixed file 0, so arena memory is transferred with READ_FIXED/WRITE_FIXED.
 */
final class UringDevice extends AbstractBlockDevice {
    private static final long WAKE_TAG = -1L;
    private static final long CLOSE_WAIT_SECONDS = 30;

    private final int depth;
    private final ConcurrentLinkedQueue<IoRequest> incoming = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final Thread ringThread;
    private final int eventFd;
    private final MemorySegment wakeValue;
    private final MemorySegment wakeBuffer;

    // Owned by the ring thread.
    private IoUring ring;
    private final ArrayDeque<IoRequest> backlog = new ArrayDeque<>();
    private final IoRequest[] slots;
    private final int[] freeSlots;
    private int freeCount;
    private boolean fixedFile;
    private boolean wakeArmed;
    private volatile boolean stopping;

    UringDevice(DeviceFile file, DeviceOptions options) throws IOException {
        super(file, options);
        this.depth = options.queueDepth();
        this.slots = new IoRequest[depth];
        this.freeSlots = new int[depth];
        for (int i = 0; i < depth; i++) freeSlots[i] = depth - 1 - i;
        this.freeCount = depth;
        Arena global = Arena.global();
        this.wakeValue = global.allocate(JAVA_LONG);
        this.wakeValue.set(JAVA_LONG, 0, 1L);
        this.wakeBuffer = global.allocate(JAVA_LONG);
        this.eventFd = LibC.eventfd(0, LibC.EFD_CLOEXEC);
        if (eventFd < 0) {
            arena.close();
            throw new DeviceIoException("eventfd for the io_uring engine of " + file.path(), -eventFd);
        }
        this.ringThread = Thread.ofPlatform().daemon().name("rawblock-uring-" + file.path().getFileName())
                .start(this::run);
        try {
            started.get();
        } catch (ExecutionException e) {
            LibC.close(eventFd);
            arena.close();
            Throwable cause = e.getCause();
            throw new IOException("cannot start the io_uring engine for " + file.path() + ": " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the io_uring engine", e);
        }
    }

    @Override
    public Engine engine() {
        return Engine.IO_URING;
    }

    @Override
    protected void dispatch(List<IoRequest> requests) {
        incoming.addAll(requests);
        wake();
        // A close that raced this enqueue may have missed these requests; fail what is left.
        if (closed && !ringThread.isAlive()) failIncoming();
    }

    private void wake() {
        if (sleeping.get() && sleeping.compareAndSet(true, false)) LibC.write(eventFd, wakeValue);
    }

    private void failIncoming() {
        for (IoRequest r; (r = incoming.poll()) != null; ) finish(r, closedError());
    }

    // ---------------------------------------------------------------- ring thread

    private void run() {
        try {
            ring = IoUring.create(depth + 1, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN
                    | IORING_SETUP_NO_SQARRAY);
            arm();
            if (arena.capacity() > 0) ring.registerBuffers(arena.registrationPieces());
            ring.registerFiles(file.fd());
            fixedFile = true;
        } catch (Throwable t) {
            if (ring != null) ring.close();
            started.completeExceptionally(t);
            return;
        }
        started.complete(null);
        try {
            loop();
        } catch (Throwable t) {
            // A bug or a kernel refusal: fail everything rather than leave callers waiting.
            stopping = true;
            for (int i = 0; i < depth; i++) {
                if (slots[i] != null) finish(slots[i], t);
            }
            for (IoRequest r : backlog) finish(r, t);
            failIncoming();
        } finally {
            // The file goes back before the ring: its lock and exclusive claim end when this device closes.
            if (fixedFile) {
                try {
                    ring.unregisterFiles();
                } catch (RuntimeException ignored) {
                    // closing the ring drops the file anyway, only later
                }
            }
            ring.close();
        }
    }

    private void arm() {
        Sqe.read(ring.nextSqe(), eventFd, false, wakeBuffer.address(), 8, 0, WAKE_TAG);
        wakeArmed = true;
    }

    private void loop() {
        while (true) {
            for (IoRequest r; (r = incoming.poll()) != null; ) backlog.add(r);
            if (stopping) {
                for (IoRequest r; (r = backlog.poll()) != null; ) finish(r, closedError());
            }
            fill();
            if (stopping && freeCount == depth) {
                if (!wakeArmed) return;
                LibC.write(eventFd, wakeValue); // completes our own pending read
            }
            if (ring.reap(this::complete) > 0) continue;
            // Nothing completed: submit what is pending and wait for a completion or a wake-up.
            sleeping.set(true);
            int waitFor = incoming.isEmpty() ? 1 : 0;
            int r = ring.submit(waitFor);
            sleeping.set(false);
            if (r < 0 && r != -Errno.EINTR && r != -Errno.EBUSY && r != -Errno.EAGAIN) {
                throw new NativeException("io_uring_enter on the ring of " + file.path(), -r);
            }
        }
    }

    /** Turns backlog requests into SQEs while slots and SQEs last. */
    private void fill() {
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

    private void complete(long userData, int res, int flags) {
        if (userData == WAKE_TAG) {
            wakeArmed = false;
            if (!stopping) arm();
            return;
        }
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

    // ---------------------------------------------------------------- close

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        stopping = true;
        sleeping.set(false);
        LibC.write(eventFd, wakeValue);
        try {
            ringThread.join(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failIncoming();
        if (ringThread.isAlive()) {
            // Operations stuck in the kernel keep their memory: do not free the arena under them.
            throw new IOException("operations on " + file.path() + " did not finish within " + CLOSE_WAIT_SECONDS
                    + " s; closing anyway");
        }
        LibC.close(eventFd);
        file.close();
        arena.close();
    }
}
