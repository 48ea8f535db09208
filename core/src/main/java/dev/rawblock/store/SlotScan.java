package dev.rawblock.store;

import dev.rawblock.device.BufferArena;
import dev.rawblock.device.IoBuffer;
import dev.rawblock.device.IoOp;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Reads the start of many slots' images in batched submissions and hands each to a check, in
 * order: the one loop behind key listing, fsck and recovery's check of replayed slots.
 *
 * <p>The slots are cut into batches of at most {@code maxBatchSlots} slots and at most
 * {@code maxBatchBytes} of buffers (a batch always holds at least one slot); one submission each.
 * Up to {@code batchesInFlight} batches are read at once: a batch is checked once the next ones are
 * submitted, or all of them are. The check of a slot runs as soon as its own reads are done and
 * before the next slot's are waited for, so that a check that reads more (a longer header, a read
 * again after a fault) submits it at the same point every time. A slot's memory is the check's only
 * during the call; every read is waited for before its memory is given back, even after a failure.
 */
final class SlotScan {
    /** One slot to read: where its image lives, and how many bytes of it to read from its start. */
    interface Target {
        SlotLayout.Place place();

        long readBytes();
    }

    /** Told each slot's bytes, or why they could not be read. */
    interface Check {
        /**
         * @param i       the slot's place in the list
         * @param image   the bytes read (valid during the call only); anything at all when a read failed
         * @param failure the first read of the slot that failed, or null
         */
        void check(int i, MemorySegment image, RuntimeException failure);
    }

    private final BufferArena buffers;
    private final Function<List<IoOp>, List<CompletableFuture<Void>>> submit;
    private final long maxBatchBytes;
    private final int maxBatchSlots;
    private final int batchesInFlight;

    SlotScan(BufferArena buffers, Function<List<IoOp>, List<CompletableFuture<Void>>> submit, long maxBatchBytes,
             int maxBatchSlots, int batchesInFlight) {
        if (maxBatchBytes < 1 || maxBatchSlots < 1 || batchesInFlight < 1) {
            throw new IllegalArgumentException("batches need room for a slot, and one in flight");
        }
        this.buffers = buffers;
        this.submit = submit;
        this.maxBatchBytes = maxBatchBytes;
        this.maxBatchSlots = maxBatchSlots;
        this.batchesInFlight = batchesInFlight;
    }

    /** A batch being read: its slots {@code [start, end)}, their buffers, and where each slot's operations end. */
    private record Batch(int start, int end, List<IoBuffer> memory, int[] opEnd, List<CompletableFuture<Void>> done) {}

    /**
     * Reads {@code targets} and checks each; {@code progress} is told, after each batch, how many
     * slots have been checked.
     */
    void read(List<? extends Target> targets, Check check, IntConsumer progress) {
        ArrayDeque<Batch> flying = new ArrayDeque<>();
        try {
            for (int[] run : runs(targets.size(), i -> targets.get(i).readBytes(), maxBatchBytes, maxBatchSlots)) {
                flying.add(submit(targets, run[0], run[1]));
                if (flying.size() == batchesInFlight) finish(flying.poll(), check, progress);
            }
            while (!flying.isEmpty()) finish(flying.poll(), check, progress);
        } finally {
            for (Batch b : flying) release(b); // only after a failure
        }
    }

    /**
     * Cuts {@code [0, n)} into runs of at most {@code maxBytes} (by {@code bytesOf}; a run always
     * holds at least one item) and {@code maxItems}: one submission each.
     */
    static List<int[]> runs(int n, java.util.function.IntToLongFunction bytesOf, long maxBytes, int maxItems) {
        List<int[]> runs = new ArrayList<>();
        for (int start = 0; start < n; ) {
            int end = start;
            long bytes = 0;
            while (end < n && end - start < maxItems
                    && (end == start || bytes + bytesOf.applyAsLong(end) <= maxBytes)) {
                bytes += bytesOf.applyAsLong(end++);
            }
            runs.add(new int[] {start, end});
            start = end;
        }
        return runs;
    }

    private Batch submit(List<? extends Target> targets, int start, int end) {
        List<IoBuffer> memory = new ArrayList<>(end - start);
        List<IoOp> ops = new ArrayList<>(end - start);
        int[] opEnd = new int[end - start];
        try {
            for (int i = start; i < end; i++) {
                IoBuffer b = buffers.allocate(targets.get(i).readBytes());
                memory.add(b);
                ops.addAll(targets.get(i).place().read(0, b.segment()));
                opEnd[i - start] = ops.size();
            }
        } catch (RuntimeException e) {
            memory.forEach(IoBuffer::close); // nothing submitted yet
            throw e;
        }
        return new Batch(start, end, memory, opEnd, submit.apply(ops));
    }

    private void finish(Batch b, Check check, IntConsumer progress) {
        try {
            for (int i = b.start; i < b.end; i++) {
                RuntimeException failure = null;
                for (int op = i == b.start ? 0 : b.opEnd[i - b.start - 1]; op < b.opEnd[i - b.start]; op++) {
                    try {
                        b.done.get(op).join();
                    } catch (RuntimeException e) {
                        if (failure == null) failure = e;
                    }
                }
                check.check(i, b.memory.get(i - b.start).segment(), failure);
            }
        } finally {
            release(b);
        }
        progress.accept(b.end);
    }

    /** Waits for every read of the batch (the kernel may still write into its memory), then frees it. */
    private static void release(Batch b) {
        for (CompletableFuture<Void> f : b.done) f.handle((v, e) -> null).join();
        b.memory.forEach(IoBuffer::close);
    }
}
