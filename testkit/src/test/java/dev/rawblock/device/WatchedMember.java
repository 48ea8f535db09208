package dev.rawblock.device;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A mirror member as the mirror tests see it: every write and flush, submitted and completed, goes
 * into a log shared by both members (in the order they happened), and a shared power switch
 * refuses everything once cut, so that two simulated members lose power at the same instant (no
 * completion of one can reach the other after the cut).
 */
final class WatchedMember implements BlockDevice {
    /** One write or flush, submitted or completed, on member {@code member}. */
    record Event(int member, boolean flush, boolean completed, long offset, long length, boolean ok) {}

    private final BlockDevice device;
    private final int member;
    private final List<Event> log;
    private final AtomicBoolean powerCut;

    WatchedMember(BlockDevice device, int member, List<Event> log, AtomicBoolean powerCut) {
        this.device = device;
        this.member = member;
        this.log = log;
        this.powerCut = powerCut;
    }

    @Override
    public List<CompletableFuture<Void>> submit(List<IoOp> ops) {
        if (powerCut.get()) {
            List<CompletableFuture<Void>> refused = new ArrayList<>();
            for (IoOp op : ops) refused.add(CompletableFuture.failedFuture(new DeviceIoException(op + ": power is cut")));
            return refused;
        }
        for (IoOp op : ops) if (op.kind() == IoOp.Kind.WRITE) record(new Event(member, false, false, op.offset(), op.length(), true));
        List<CompletableFuture<Void>> done = new ArrayList<>(device.submit(ops));
        for (int i = 0; i < ops.size(); i++) {
            IoOp op = ops.get(i);
            // The caller gets the recording future: its actions run after the completion is logged.
            if (op.kind() == IoOp.Kind.WRITE) {
                done.set(i, done.get(i).whenComplete((v, e) -> record(new Event(member, false, true, op.offset(), op.length(), e == null))));
            }
        }
        return done;
    }

    @Override
    public CompletableFuture<Void> flush() {
        if (powerCut.get()) return CompletableFuture.failedFuture(new DeviceIoException("flush: power is cut"));
        record(new Event(member, true, false, 0, 0, true));
        return device.flush().whenComplete((v, e) -> record(new Event(member, true, true, 0, 0, e == null)));
    }

    private void record(Event e) {
        synchronized (log) {
            log.add(e);
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
    public Engine engine() {
        return device.engine();
    }

    @Override
    public BufferArena buffers() {
        return device.buffers();
    }

    @Override
    public DeviceStats stats() {
        return device.stats();
    }

    @Override
    public void close() throws IOException {
        device.close();
    }
}
