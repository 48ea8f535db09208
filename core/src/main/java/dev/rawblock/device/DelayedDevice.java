package dev.rawblock.device;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A device whose every operation completes a random time later than the wrapped one's: between
 * zero and {@code maxMicros}, uniformly, drawn per operation. For operators ({@code --io-delay}):
 * a fast local disk hides how batches behave when completions arrive late and out of order, as
 * they do on a loaded or remote drive; this shows it on any machine.
 *
 * <p>The operation itself is issued at once and runs as it would; only the completion the caller
 * sees is held back, on one timer thread, never by sleeping on the caller's or the ring's thread.
 * A failure is delayed like a success. Closing waits until every completion has been delivered,
 * then closes the wrapped device.
 */
public final class DelayedDevice implements BlockDevice {
    private final BlockDevice device;
    private final long maxNanos;
    /** Operations whose completion the caller has not seen yet. */
    private final AtomicLong held = new AtomicLong();
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
            Thread.ofPlatform().daemon().name("rawblock-io-delay").factory());

    /**
     * @param device    the device that does the I/O; closed with this one
     * @param maxMicros the largest delay added to a completion, at least 1
     */
    public DelayedDevice(BlockDevice device, long maxMicros) {
        if (maxMicros < 1) throw new IllegalArgumentException("the delay must be at least 1 µs, got " + maxMicros);
        this.device = device;
        this.maxNanos = TimeUnit.MICROSECONDS.toNanos(maxMicros);
    }

    @Override
    public List<CompletableFuture<Void>> submit(List<IoOp> ops) {
        List<CompletableFuture<Void>> issued = device.submit(ops);
        List<CompletableFuture<Void>> delayed = new ArrayList<>(issued.size());
        for (CompletableFuture<Void> f : issued) delayed.add(later(f));
        return delayed;
    }

    @Override
    public CompletableFuture<Void> flush() {
        return later(device.flush());
    }

    private CompletableFuture<Void> later(CompletableFuture<Void> done) {
        CompletableFuture<Void> seen = new CompletableFuture<>();
        held.incrementAndGet();
        seen.whenComplete((v, e) -> held.decrementAndGet());
        done.whenComplete((v, e) -> {
            Runnable deliver = () -> {
                if (e == null) seen.complete(null);
                else seen.completeExceptionally(e);
            };
            try {
                timer.schedule(deliver, ThreadLocalRandom.current().nextLong(maxNanos + 1), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closed) {
                deliver.run(); // completed only after close gave up waiting: no delay is owed any more
            }
        });
        return seen;
    }

    /**
     * Lets every operation submitted so far finish and be delivered, then closes the wrapped
     * device: a caller must never see a completion after the device's memory is gone.
     */
    @Override
    public void close() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        try {
            while (held.get() > 0 && System.nanoTime() < deadline) Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                device.close();
            } finally {
                timer.shutdown(); // what the close failed still arrives: queued completions run
            }
        }
    }

    @Override
    public Path path() {
        return device.path();
    }

    @Override
    public Geometry geometry() {
        return device.geometry();
    }

    @Override
    public boolean created() {
        return device.created();
    }

    @Override
    public long dataFrom(long from) {
        return device.dataFrom(from);
    }

    @Override
    public long holeFrom(long from) {
        return device.holeFrom(from);
    }

    @Override
    public Engine engine() {
        return device.engine();
    }

    @Override
    public BufferArena buffers() {
        return device.buffers();
    }

    @Override
    public Optional<FdpConfig> fdp() {
        return device.fdp();
    }

    @Override
    public String fdpAbsence() {
        return device.fdpAbsence();
    }

    @Override
    public Optional<FdpStatus> fdpStatus() throws IOException {
        return device.fdpStatus();
    }

    @Override
    public DeviceStats stats() {
        return device.stats();
    }
}
