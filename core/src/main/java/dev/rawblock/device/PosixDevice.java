package dev.rawblock.device;

import dev.rawblock.uring.Errno;
import dev.rawblock.uring.LibC;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The portable engine: each operation is a blocking pread/pwrite loop on one of
 * {@code queueDepth} platform threads (blocking native calls would pin virtual threads), so the
 * operations of a batch run in parallel.
 */
final class PosixDevice extends AbstractBlockDevice {
    private static final long CLOSE_WAIT_SECONDS = 30;
    private final ThreadPoolExecutor workers;

    PosixDevice(DeviceFile file, DeviceOptions options) {
        super(file, options);
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(options.queueDepth(), options.queueDepth(), 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> Thread.ofPlatform().daemon()
                .name("rawblock-posix-" + n.getAndIncrement()).unstarted(r));
    }

    @Override
    public Engine engine() {
        return Engine.POSIX;
    }

    /** A queued request; kept as its own type so that close can fail the ones never started. */
    private final class Task implements Runnable {
        final IoRequest request;

        Task(IoRequest request) {
            this.request = request;
        }

        @Override
        public void run() {
            Throwable error;
            try {
                error = perform(request);
            } catch (RuntimeException e) { // e.g. memory of a confined arena: fail the op, never leave it pending
                error = e;
            }
            finish(request, error);
        }
    }

    @Override
    protected void dispatch(List<IoRequest> requests) {
        for (IoRequest r : requests) {
            try {
                workers.execute(new Task(r));
            } catch (RejectedExecutionException e) {
                finish(r, closedError());
            }
        }
    }

    /** Runs a request to the end; returns its error or null. */
    private Throwable perform(IoRequest r) {
        if (r.isFlush()) {
            int res = file.fdatasync();
            return res < 0 ? failure(r, -res) : null;
        }
        while (r.remaining() > 0) {
            MemorySegment chunk = r.memory.asSlice(r.done, Math.min(r.remaining(), chunkLimit()));
            long offset = r.op.offset() + r.done;
            long res = r.isRead() ? LibC.pread(file.fd(), chunk, offset) : LibC.pwrite(file.fd(), chunk, offset);
            if (res == -Errno.EINTR || res == -Errno.EAGAIN) continue;
            if (res < 0) return failure(r, (int) -res);
            if (res == 0) return noProgress(r);
            r.done += res;
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        for (Runnable queued : workers.shutdownNow()) finish(((Task) queued).request, closedError());
        try {
            if (!workers.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                // Operations stuck in the kernel keep their memory: do not free the arena under them.
                throw new IOException("operations on " + file.path() + " did not finish within "
                        + CLOSE_WAIT_SECONDS + " s; closing anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while closing " + file.path(), e);
        }
        file.close();
        arena.close();
    }
}
