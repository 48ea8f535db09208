package dev.rawblock.device;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What every engine shares: validation of operations, staging of unaligned memory, counters,
 * and the one place an operation completes ({@link #finish}). Engines only move bytes.
 */
abstract class AbstractBlockDevice implements BlockDevice {
    protected final DeviceFile file;
    protected final DeviceOptions options;
    protected final BufferArena arena;
    protected volatile boolean closed;

    private final LongAdder batches = new LongAdder();
    private final LongAdder operations = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder staged = new LongAdder();
    private final AtomicLong inFlight = new AtomicLong();

    AbstractBlockDevice(DeviceFile file, DeviceOptions options) {
        this.file = file;
        this.options = options;
        this.arena = new BufferArena(options.arenaBytes(), file.geometry().alignment());
    }

    /** Hands accepted requests to the engine; each must eventually reach {@link #finish}. */
    protected abstract void dispatch(List<IoRequest> requests);

    @Override
    public final Path path() {
        return file.path();
    }

    @Override
    public final Geometry geometry() {
        return file.geometry();
    }

    @Override
    public final BufferArena buffers() {
        return arena;
    }

    @Override
    public final boolean created() {
        return file.created();
    }

    @Override
    public final long dataFrom(long from) {
        return file.dataFrom(from, Math.max(1, file.geometry().alignment()));
    }

    @Override
    public final long holeFrom(long from) {
        return file.holeFrom(from, Math.max(1, file.geometry().alignment()));
    }

    @Override
    public final List<CompletableFuture<Void>> submit(List<IoOp> ops) {
        batches.increment();
        int n = ops.size();
        operations.add(n);
        if (n == 1) {
            // A lane of a closed loop resubmitting: the common case, without the lists of a batch.
            IoOp op = ops.getFirst();
            CompletableFuture<Void> refused = refusal(op);
            if (refused != null) return List.of(refused);
            IoRequest r = prepare(op);
            inFlight.incrementAndGet();
            dispatch(List.of(r));
            return List.of(r);
        }
        List<CompletableFuture<Void>> futures = new ArrayList<>(n);
        List<IoRequest> accepted = new ArrayList<>(n);
        for (IoOp op : ops) {
            CompletableFuture<Void> refused = refusal(op);
            if (refused != null) {
                futures.add(refused);
            } else {
                IoRequest r = prepare(op);
                accepted.add(r);
                futures.add(r);
            }
        }
        if (!accepted.isEmpty()) {
            inFlight.addAndGet(accepted.size());
            dispatch(accepted);
        }
        return futures;
    }

    /** A failed future when {@code op} cannot run (invalid here, or the device is closed), else null. */
    private CompletableFuture<Void> refusal(IoOp op) {
        String problem = problem(op);
        if (problem == null && !closed) return null;
        failed.increment();
        return CompletableFuture.failedFuture(problem != null ? new IllegalArgumentException(problem)
                : new DeviceClosedException(file.path().toString()));
    }

    @Override
    public final CompletableFuture<Void> flush() {
        batches.increment();
        operations.increment();
        if (closed) {
            failed.increment();
            return CompletableFuture.failedFuture(new DeviceClosedException(file.path().toString()));
        }
        IoRequest flush = new IoRequest(null, MemorySegment.NULL, null, -1);
        inFlight.incrementAndGet();
        dispatch(List.of(flush));
        return flush;
    }

    @Override
    public final DeviceStats stats() {
        return new DeviceStats(batches.sum(), operations.sum(), failed.sum(), bytesRead.sum(), bytesWritten.sum(),
                staged.sum(), inFlight.get());
    }

    /** Why {@code op} cannot run on this device, or null when it can. */
    private String problem(IoOp op) {
        Geometry g = file.geometry();
        long align = g.alignment();
        String where = " on " + file.path();
        if (op.kind() == IoOp.Kind.WRITE && file.readOnly()) return op + where + ": the device is open read-only";
        if (op.length() == 0) return op + where + ": length is 0";
        if (op.offset() < 0) return op + where + ": offset is negative";
        if (op.offset() % align != 0) {
            return op + where + ": offset " + op.offset() + " is not a multiple of the device alignment " + align;
        }
        if (op.length() % align != 0) {
            return op + where + ": length " + op.length() + " is not a multiple of the device alignment " + align;
        }
        if (op.offset() > g.size() - op.length()) {
            return op + where + " runs past the end of the device: it ends at " + (op.offset() + op.length())
                    + ", the device has " + g.size() + " bytes";
        }
        if (op.kind() == IoOp.Kind.WRITE && op.placement() != IoOp.NO_PLACEMENT) {
            String refused = placementProblem(op.placement());
            if (refused != null) return op + where + ": " + refused;
        }
        if (!options.stageUnaligned() && needsStaging(op.buffer())) {
            return op + where + ": buffer " + (op.buffer().isNative()
                    ? "at address 0x" + Long.toHexString(op.buffer().address()) + " is not aligned to " + align
                    : "is heap memory, not native") + " and staging is off";
        }
        return null;
    }

    /** Why a write cannot carry placement identifier {@code id} here, or null when it can. */
    protected String placementProblem(int id) {
        return "the " + engine().label() + " engine cannot place writes (FDP placement needs the uring_cmd engine on"
                + " an NVMe namespace with FDP)";
    }

    private boolean needsStaging(MemorySegment buffer) {
        return !buffer.isNative() || buffer.address() % file.geometry().alignment() != 0;
    }

    private IoRequest prepare(IoOp op) {
        MemorySegment memory = op.buffer();
        IoBuffer staging = null;
        if (needsStaging(memory)) {
            staged.increment();
            staging = arena.allocate(op.length());
            memory = staging.segment();
            if (op.kind() == IoOp.Kind.WRITE) memory.copyFrom(op.buffer());
        }
        return new IoRequest(op, memory, staging, arena.fixedIndex(memory.address(), memory.byteSize()));
    }

    /**
     * Completes a request: copies staged reads back, returns staging memory, counts, and
     * completes the caller's future. The only place that does any of this.
     */
    protected final void finish(IoRequest r, Throwable error) {
        inFlight.decrementAndGet();
        try {
            if (error == null && r.isRead() && r.staging != null) r.op.buffer().copyFrom(r.memory);
        } catch (RuntimeException e) {
            error = e;
        } finally {
            if (r.staging != null) r.staging.close();
        }
        if (error != null) {
            failed.increment();
            r.completeExceptionally(error);
            return;
        }
        if (r.op != null) (r.isRead() ? bytesRead : bytesWritten).add(r.op.length());
        r.complete(null);
    }

    /** The error for a request the kernel failed with {@code errno}. */
    protected final DeviceIoException failure(IoRequest r, int errno) {
        return new DeviceIoException(r.describe() + " on " + file.path() + " failed", errno);
    }

    /** The error for a transfer that made no progress (a read at the end of a file that shrank). */
    protected final DeviceIoException noProgress(IoRequest r) {
        return new DeviceIoException(r.describe() + " on " + file.path() + " stopped after " + r.done
                + " bytes: unexpected end of device");
    }

    /** The error for a request that was queued when the device closed. */
    protected final DeviceClosedException closedError() {
        return new DeviceClosedException(file.path().toString());
    }

    /**
     * Bytes one read or write call moves at most: one syscall's limit, unless
     * {@link DeviceOptions#maxTransfer} asks for less. Not the hardware's limit
     * ({@link Geometry#maxTransfer}): the kernel cuts a plain read or write there itself and sends
     * the pieces together, where cutting here would send them one after another, each on the
     * completion of the last (a 4 MiB read from a loop device of 1280 KiB requests: 0.78 of fio's
     * throughput at QD 1). NVMe commands, which the kernel does not split, use the geometry's.
     */
    protected final long chunkLimit() {
        return options.maxTransfer() > 0 ? file.geometry().maxTransfer() : DeviceFile.MAX_SYSCALL_BYTES;
    }
}
