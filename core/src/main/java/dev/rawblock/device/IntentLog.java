package dev.rawblock.device;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Makes a {@link MirrorDevice}'s write-intent bits durable before the data they cover is written,
 * with group commit, and clears them lazily (the seeds' ublk RAID1 batch protocol).
 *
 * <p><b>Rounds.</b> A batch of writes {@link #mark}s its zones. When they are all durable already
 * it goes on at once; otherwise it waits for the next <i>round</i>: the bitmap blocks holding the
 * bits not yet durable are written to every writable member, then each of those members is
 * flushed, and the round's waiters go on. One round is in flight at a time; batches that mark
 * meanwhile wait for the next one, which carries all of their bits, so N concurrent batches cost
 * one or two rounds, not N.
 *
 * <p><b>One bitmap write at a time.</b> Rounds and the rewrites that clear bits share one queue,
 * and each encodes the blocks from the bits as they are when it starts: a block's writes therefore
 * reach the members one after the other, never two at once, so a stale version can never land
 * after a newer one. A clear is written without a flush: a clear lost by a crash only costs a
 * resync of that zone; and a later round's flush makes it durable, because it completed before.
 *
 * <p><b>Clearing.</b> {@link #sweep} clears the bits of quiet zones ({@link IntentBitmap#clearQuiet})
 * and rewrites their blocks.
 */
final class IntentLog {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final IntentBitmap bits;
    private final MirrorHealth health;
    private final Supplier<CompletableFuture<Void>> futures;
    // Guarded by this.
    private CompletableFuture<Void> next;
    private final BitSet clearedBlocks = new BitSet();
    private boolean busy;
    private CompletableFuture<Void> idle;
    private long rounds;

    /** @param futures makes the futures callers wait on, of the members' type (see {@link MirrorDevice}) */
    IntentLog(IntentBitmap bits, MirrorHealth health, Supplier<CompletableFuture<Void>> futures) {
        this.bits = bits;
        this.health = health;
        this.futures = futures;
    }

    /** A write into zones {@code first..last} was submitted: its zones may not be cleared until it {@link #end}s. */
    synchronized void begin(int first, int last) {
        bits.begin(first, last);
    }

    synchronized void end(int first, int last, long nanos) {
        bits.end(first, last, nanos);
    }

    synchronized long completions() {
        return bits.completions();
    }

    synchronized void flushed(long upTo) {
        bits.flushed(upTo);
    }

    /** Zones marked now. */
    synchronized int marked() {
        return bits.marked();
    }

    /** Rounds (bitmap writes with a flush) since open. */
    synchronized long rounds() {
        return rounds;
    }

    /**
     * Sets the bits of {@code zones} (every one already {@link #begin}-counted); the future
     * completes when they are durable on every writable member.
     */
    CompletableFuture<Void> mark(BitSet zones) {
        CompletableFuture<Void> round;
        boolean start;
        synchronized (this) {
            bits.want(zones);
            if (bits.allDurable(zones)) return DONE;
            if (next == null) next = new CompletableFuture<>();
            round = next;
            start = !busy;
            busy = true;
        }
        if (start) pump();
        return round;
    }

    /**
     * Clears the bits of quiet zones and queues their blocks' rewrite; true when some quiet zone
     * waits only for a flush of the members.
     */
    boolean sweep(long nowNanos, long quietNanos) {
        boolean start, needsFlush;
        synchronized (this) {
            IntentBitmap.Sweep s = bits.clearQuiet(nowNanos, quietNanos);
            clearedBlocks.or(s.blocks());
            needsFlush = s.needsFlush();
            start = !busy && !clearedBlocks.isEmpty();
            if (start) busy = true;
        }
        if (start) pump();
        return needsFlush;
    }

    /**
     * Clears every bit a flush covers, quiet or not (a close, after flushing the members), and
     * returns when the rewrites are written, not flushed.
     */
    CompletableFuture<Void> clearSettled() {
        boolean start;
        CompletableFuture<Void> drained;
        synchronized (this) {
            clearedBlocks.or(bits.clearSettled());
            start = !busy && !clearedBlocks.isEmpty();
            if (start) busy = true;
            if (!busy) return DONE;
            if (idle == null) idle = futures.get();
            drained = idle;
        }
        if (start) pump();
        return drained;
    }

    /** Runs the queue: the next round, else the pending clears, else goes idle. One at a time. */
    private void pump() {
        CompletableFuture<Void> round, drained = null;
        RuntimeException refused = null;
        BitSet publish;
        int[] blocks = null;
        IoBuffer buf = null;
        List<IoOp> writes = null;
        int[] targets = health.writable();
        synchronized (this) {
            round = next;
            next = null;
            publish = round == null ? new BitSet() : bits.pending();
            BitSet dirty = (BitSet) clearedBlocks.clone();
            clearedBlocks.clear();
            dirty.or(bits.blocksOf(publish));
            if (dirty.isEmpty()) {
                busy = false;
                drained = idle;
                idle = null;
            } else {
                blocks = dirty.stream().toArray();
                if (round != null) rounds++;
                try {
                    buf = health.member(targets[0]).buffers().allocate((long) blocks.length * bits.blockBytes());
                    writes = bits.encodeWrites(blocks, buf.segment());
                } catch (RuntimeException e) { // out of memory, or the member closed: the queue must not stall
                    refused = e;
                    busy = false;
                    drained = idle;
                    idle = null;
                }
            }
        }
        if (blocks == null || refused != null) {
            if (drained != null) drained.complete(null);
            if (round == null) return;
            if (refused != null) round.completeExceptionally(refused);
            else round.complete(null); // its bits became durable through an earlier round
            return;
        }
        IoBuffer images = buf;
        List<CompletableFuture<Void>> parts = new ArrayList<>(targets.length);
        for (int m : targets) {
            BlockDevice d = health.member(m);
            CompletableFuture<Void> written = CompletableFuture.allOf(d.submit(writes).toArray(CompletableFuture[]::new));
            parts.add(round == null ? written : written.thenCompose(v -> d.flush()));
        }
        health.settle(targets, parts).whenComplete((v, e) -> {
            images.close();
            if (round != null) {
                if (e == null) {
                    synchronized (this) {
                        bits.published(publish);
                    }
                    round.complete(null);
                } else {
                    round.completeExceptionally(MirrorHealth.cause(e));
                }
            }
            pump();
        });
    }
}
