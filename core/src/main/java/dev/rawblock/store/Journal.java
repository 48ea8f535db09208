package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.IoBuffer;
import dev.rawblock.device.IoOp;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * The append-only record of changes since the last checkpoint, with group commit.
 *
 * <p><b>Group commit.</b> Changes are appended in memory, under the store lock, in the order they
 * happen; each append returns a ticket. One writer (an {@link Agent}: a thread of its own, or a
 * simulation's steps) takes everything pending, writes it as one run of blocks (one device
 * submission), flushes once, and then completes every {@link #sync} waiting for a ticket it
 * covered. Concurrent batches therefore share one journal write and one flush.
 *
 * <p><b>Ring.</b> Blocks go to a ring of {@code journalBytes}, addressed by a logical byte position
 * that only grows. Space before the start of the newest durable checkpoint is free
 * ({@link #reclaim}); when the ring is full the writer waits for a checkpoint (and asks for one).
 *
 * <pre>
 * block (4 KiB):  0 magic u32 "RBJ1" | 4 crc u32 of bytes 8..end | 8 position u64 | 16 store id u64
 *                24 change count u32 | 28 block of its group u31 (0: the group's first), its top bit set
 *                when the writer flushes every group before the next | 32 changes, {@value Change#BYTES}
 *                bytes each
 * </pre>
 * A block is valid only with its magic, checksum, store id and the position it was expected at,
 * so replay stops at a torn block or at a stale block from the ring's previous lap.
 */
final class Journal implements Agent, AutoCloseable {
    static final int MAGIC = 0x314a4252; // "RBJ1"
    static final int HEADER = 32;
    /** In a block's group word: written by a writer that flushes each group before it writes the next. */
    static final int FLUSHED = 1 << 31;

    private final BlockDevice device;
    private final IoTracker io;
    private final MetadataLayout layout;
    private final int block;
    private final long storeId;
    private final boolean flush;
    private final Runnable wantCheckpoint;
    private final int perBlock;
    private final StoreRuntime runtime;
    private final StoreRuntime.Running writer;

    // Guarded by this.
    private final List<Change> pending = new ArrayList<>();
    private long appended;       // tickets handed out
    private long durableTicket;  // every change up to this ticket is durable
    private long writePosition;  // logical position of the next block
    private long reclaimed;      // logical position before which the ring is free
    private final List<Waiter> waiters = new ArrayList<>();
    private Throwable failure;
    private long groups;
    private boolean closing;
    private boolean woken;

    private record Waiter(long ticket, CompletableFuture<Void> done) {}

    /**
     * @param start          logical position where the next block goes (after the replayed tail)
     * @param checkpointFrom logical position the newest checkpoint replays from (the ring is free before it)
     * @param wantCheckpoint asked (from the writer thread) when the ring is getting full
     */
    Journal(BlockDevice device, IoTracker io, MetadataLayout layout, int block, long storeId, boolean flush,
            long start, long checkpointFrom, Runnable wantCheckpoint, StoreRuntime runtime) {
        this.device = device;
        this.io = io;
        this.layout = layout;
        this.block = block;
        this.storeId = storeId;
        this.flush = flush;
        this.writePosition = start;
        this.reclaimed = checkpointFrom;
        this.wantCheckpoint = wantCheckpoint;
        this.perBlock = (block - HEADER) / Change.BYTES;
        this.runtime = runtime;
        this.writer = runtime.run("rawblock-journal", this);
    }

    /** Appends a change (call under the store lock, in the order changes happen); returns its ticket. */
    synchronized long append(Change change) {
        pending.add(change);
        wake();
        return ++appended;
    }

    /** The ticket of the last change appended. */
    synchronized long lastTicket() {
        return appended;
    }

    /** Whether everything up to {@code ticket} is durable. */
    synchronized boolean isDurable(long ticket) {
        return durableTicket >= ticket;
    }

    /** Completes when every change up to {@code ticket} is durable; fails if the journal failed. */
    synchronized CompletableFuture<Void> sync(long ticket) {
        if (durableTicket >= ticket) return CompletableFuture.completedFuture(null);
        if (failure != null) return CompletableFuture.failedFuture(failure);
        CompletableFuture<Void> done = runtime.newFuture();
        waiters.add(new Waiter(ticket, done));
        return done;
    }

    /** Logical position of the first block not yet durable: a checkpoint started now replays from here. */
    synchronized long durableEnd() {
        return writePosition;
    }

    /** A checkpoint replaying from {@code position} is durable: the ring before it may be overwritten. */
    synchronized void reclaim(long position) {
        reclaimed = Math.max(reclaimed, position);
        wake();
    }

    /** Fraction of the ring holding changes a crash would need (written since the newest checkpoint). */
    synchronized double fill() {
        return (double) (writePosition - reclaimed) / layout.journalBytes();
    }

    /** Groups written (one device submission and one flush each). */
    synchronized long groups() {
        return groups;
    }

    /** The failure that stopped the journal, or null. */
    synchronized Throwable failure() {
        return failure;
    }

    /** Writes one group: everything pending, if the ring has room for it (else asks for a checkpoint). */
    @Override
    public int doWork() {
        List<Change> group;
        long ticket;
        long position;
        int blocks;
        synchronized (this) {
            if (pending.isEmpty() || failure != null) return 0;
            blocks = (pending.size() + perBlock - 1) / perBlock;
            if (writePosition + (long) blocks * block - reclaimed > layout.journalBytes()) {
                if (closing) failAll(new IOException("journal is full and the store is closing"));
                else wantCheckpoint.run();
                return 0;
            }
            group = new ArrayList<>(pending);
            pending.clear();
            ticket = appended;
            position = writePosition;
        }
        try {
            write(group, position, blocks);
            synchronized (this) {
                writePosition = position + (long) blocks * block;
                groups++;
                durableTicket = ticket;
                List<Waiter> done = waiters.stream().filter(w -> w.ticket <= ticket).toList();
                waiters.removeAll(done);
                done.forEach(w -> w.done.complete(null));
            }
            if (fill() > 0.5) wantCheckpoint.run();
        } catch (Throwable t) {
            synchronized (this) {
                failAll(t);
            }
        }
        return 1;
    }

    /** Waits for a change to write, or for room in the ring (a checkpoint {@link #reclaim}s it). */
    @Override
    public synchronized void idle() throws InterruptedException {
        if (!woken) wait();
        woken = false;
    }

    @Override
    public synchronized void wake() {
        woken = true;
        notifyAll();
    }

    private void failAll(Throwable t) {
        failure = t;
        waiters.forEach(w -> w.done.completeExceptionally(t));
        waiters.clear();
    }

    /** Encodes the group into blocks at {@code position} and writes them (two ops if the ring wraps), then flushes. */
    private void write(List<Change> group, long position, int blocks) throws IOException {
        try (IoBuffer buf = device.buffers().allocate((long) blocks * block)) {
            MemorySegment all = buf.segment();
            for (int b = 0; b < blocks; b++) {
                MemorySegment blk = all.asSlice((long) b * block, block);
                int from = b * perBlock, to = Math.min(group.size(), from + perBlock);
                blk.fill((byte) 0);
                for (int i = from; i < to; i++) group.get(i).encode(blk.asSlice(HEADER + (long) (i - from) * Change.BYTES));
                seal(blk, position + (long) b * block, to - from, b);
            }
            long ring = layout.journalBytes();
            long first = position % ring;
            long firstBytes = Math.min(all.byteSize(), ring - first);
            List<IoOp> ops = new ArrayList<>(2);
            ops.add(IoOp.write(layout.journal() + first, all.asSlice(0, firstBytes)));
            if (firstBytes < all.byteSize()) ops.add(IoOp.write(layout.journal(), all.asSlice(firstBytes)));
            for (CompletableFuture<Void> f : io.submit(ops)) StoreFormat.await(f, "write the journal");
            if (flush) StoreFormat.await(io.flush(), "flush the journal");
        }
    }

    private void seal(MemorySegment blk, long position, int count, int blockOfGroup) {
        blk.set(JAVA_INT_UNALIGNED, 0, MAGIC);
        blk.set(JAVA_LONG_UNALIGNED, 8, position);
        blk.set(JAVA_LONG_UNALIGNED, 16, storeId);
        blk.set(JAVA_INT_UNALIGNED, 24, count);
        blk.set(JAVA_INT_UNALIGNED, 28, blockOfGroup | (flush ? FLUSHED : 0));
        blk.set(JAVA_INT_UNALIGNED, 4, SlotHeader.crc(blk.asSlice(8)));
    }

    /** Told each replayed change and the logical position of the block that holds it. */
    interface ReplaySink {
        void accept(Change change, long blockPosition);
    }

    /**
     * What a replay found.
     *
     * @param end            the logical position after the last valid block (where writing resumes)
     * @param lastGroupStart where the last group that was written begins: every change before it
     *                       is durable (the writer flushes a group before it writes the next),
     *                       while one from it on may have reached the device without the data it
     *                       names (written, not yet flushed, when the process or the power died)
     * @param lastUnflushed  the position of the last block written by a writer that does not flush
     *                       (-1: none): a change at or before it may name data that never landed
     *                       even outside the last group
     */
    record Replayed(long end, long lastGroupStart, long lastUnflushed) {
        /** Whether the data a PUT in the block at {@code position} names may not have landed: it must be checked. */
        boolean mayLackData(long position) {
            return position >= lastGroupStart || position <= lastUnflushed;
        }
    }

    /** Reads the ring from {@code from} and hands every change of every valid block, in order, to {@code sink}. */
    static Replayed replay(BlockDevice device, MetadataLayout layout, int block, long storeId, long from,
                           ReplaySink sink) throws IOException {
        long ring = layout.journalBytes();
        long chunk = Math.min(ring, 4L << 20);
        long position = from;
        long lastGroupStart = from;
        long lastUnflushed = -1;
        try (IoBuffer buf = device.buffers().allocate(chunk)) {
            while (position - from < ring) {
                long physical = position % ring;
                long bytes = Math.min(chunk, Math.min(ring - physical, ring - (position - from)));
                MemorySegment seg = buf.segment().asSlice(0, bytes);
                StoreFormat.await(device.submit(List.of(IoOp.read(layout.journal() + physical, seg))).getFirst(),
                        "read the journal");
                for (long off = 0; off < bytes; off += block) {
                    MemorySegment blk = seg.asSlice(off, block);
                    if (!valid(blk, position, storeId)) {
                        // The end of the journal, or a fault in transit: read the block once more to tell.
                        StoreFormat.await(device.submit(List.of(IoOp.read(layout.journal() + physical + off, blk))).getFirst(),
                                "read the journal");
                        if (!valid(blk, position, storeId)) return new Replayed(position, lastGroupStart, lastUnflushed);
                    }
                    int group = blk.get(JAVA_INT_UNALIGNED, 28);
                    if ((group & ~FLUSHED) == 0) lastGroupStart = position;
                    if ((group & FLUSHED) == 0) lastUnflushed = position;
                    int count = blk.get(JAVA_INT_UNALIGNED, 24);
                    for (int i = 0; i < count; i++) {
                        Change c = Change.decode(blk.asSlice(HEADER + (long) i * Change.BYTES, Change.BYTES));
                        if (c == null) return new Replayed(position, lastGroupStart, lastUnflushed); // unknown record type: the end
                        sink.accept(c, position);
                    }
                    position += block;
                }
            }
        }
        return new Replayed(position, lastGroupStart, lastUnflushed);
    }

    private static boolean valid(MemorySegment blk, long position, long storeId) {
        if (blk.get(JAVA_INT_UNALIGNED, 0) != MAGIC) return false;
        if (blk.get(JAVA_LONG_UNALIGNED, 8) != position || blk.get(JAVA_LONG_UNALIGNED, 16) != storeId) return false;
        int count = blk.get(JAVA_INT_UNALIGNED, 24);
        if (count < 0 || HEADER + (long) count * Change.BYTES > blk.byteSize()) return false;
        return SlotHeader.crc(blk.asSlice(8)) == blk.get(JAVA_INT_UNALIGNED, 4);
    }

    /** Writes what is pending, then stops the writer. */
    @Override
    public void close() {
        synchronized (this) {
            closing = true;
        }
        writer.stop();
    }
}
