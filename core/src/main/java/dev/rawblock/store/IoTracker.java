package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.IoOp;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every device operation of the store goes through here, so that one rule holds on every read and
 * write path: an operation counts as in flight from submission to completion, and the last-I/O
 * time moves only when an operation succeeded. It is also where metadata writes get their
 * placement: a write that carries none and lands before the first region (superblock, journal,
 * checkpoints) takes {@link Placement#metadata()}; value writes are tagged where they are made.
 */
final class IoTracker {
    private final BlockDevice device;
    private final Placement placement;
    private final long metadataEnd;
    private final AtomicLong inFlight = new AtomicLong();
    private volatile long lastSuccessNanos;

    /** @param metadataEnd offset of the first region: writes before it are metadata */
    IoTracker(BlockDevice device, Placement placement, long metadataEnd) {
        this.device = device;
        this.placement = placement;
        this.metadataEnd = metadataEnd;
    }

    /**
     * Submits one batch to the device. The returned futures complete after the accounting, so a
     * caller that waited on them sees the counters already updated.
     */
    List<CompletableFuture<Void>> submit(List<IoOp> ops) {
        if (placement.on()) ops = ops.stream().map(this::placed).toList();
        inFlight.addAndGet(ops.size());
        List<CompletableFuture<Void>> futures;
        try {
            futures = device.submit(ops);
        } catch (RuntimeException e) {
            inFlight.addAndGet(-ops.size()); // nothing was submitted
            throw e;
        }
        return futures.stream().map(f -> f.whenComplete(this::completed)).toList();
    }

    private IoOp placed(IoOp op) {
        boolean metadata = op.kind() == IoOp.Kind.WRITE && op.placement() == IoOp.NO_PLACEMENT && op.offset() < metadataEnd;
        return metadata ? op.withPlacement(placement.metadata()) : op;
    }

    /** Flushes the device, with the same accounting. */
    CompletableFuture<Void> flush() {
        inFlight.incrementAndGet();
        return device.flush().whenComplete(this::completed);
    }

    private void completed(Void ignored, Throwable error) {
        inFlight.decrementAndGet();
        if (error == null) lastSuccessNanos = System.nanoTime();
    }

    long inFlight() {
        return inFlight.get();
    }

    /** System.nanoTime() of the last successful operation, or 0 if none yet. */
    long lastSuccessNanos() {
        return lastSuccessNanos;
    }
}
