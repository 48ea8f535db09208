package dev.rawblock.device;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Which members of a {@link MirrorDevice} are up to date, and the one place that turns a member's
 * I/O error into the degraded state (Kafka's log directory failure channel plays this part).
 *
 * <p>A member is <i>out of date</i> when the set's newest header says so (its bit in
 * {@link MemberHeader#failedMask()}): it failed, or it is a replacement not yet rebuilt. An
 * out-of-date member is never read; it is written only while it is being rebuilt. Failing a member
 * raises the set's generation and writes the new state to the survivor's header, flushed, and
 * every operation that saw the failure completes only after that: else a crash could leave the
 * failed member's stale header looking as current as the survivor's.
 *
 * <p>Errors are sorted in {@link #settle}: an {@link IOException} (other than a closed device) is
 * the member's fault and fails it; anything else (an invalid or refused operation, memory the
 * member's thread may not touch, a closed device) is the operation's, fails the operation and
 * leaves the member alone.
 */
final class MirrorHealth {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final List<BlockDevice> members;
    // Guarded by this.
    private final MemberHeader[] headers;
    private long generation;
    private int outOfDate;
    private boolean rebuilding;
    /** The header write that records the newest failure; the last header write of all. */
    private CompletableFuture<Void> recorded = DONE, headerChain = DONE;

    /**
     * @param members   the two members in their places
     * @param headers   their headers as read (or written)
     * @param outOfDate the member the newest header marks out of date, or -1
     */
    MirrorHealth(List<BlockDevice> members, List<MemberHeader> headers, int outOfDate) {
        this.members = members;
        this.headers = headers.toArray(MemberHeader[]::new);
        this.generation = Math.max(this.headers[0].generation(), this.headers[1].generation());
        this.outOfDate = outOfDate;
    }

    BlockDevice member(int m) {
        return members.get(m);
    }

    /** Members that take writes: both, unless one is out of date and not being rebuilt. */
    synchronized int[] writable() {
        return outOfDate < 0 || rebuilding ? new int[] {0, 1} : new int[] {1 - outOfDate};
    }

    /** Members that may be read: the up-to-date ones. */
    synchronized int[] readable() {
        return outOfDate < 0 ? new int[] {0, 1} : new int[] {1 - outOfDate};
    }

    synchronized int outOfDate() {
        return outOfDate;
    }

    /** The out-of-date member starts taking writes: a rebuild is copying the survivor onto it. */
    synchronized void startRebuild() {
        if (outOfDate < 0) throw new IllegalStateException("no member is out of date");
        rebuilding = true;
    }

    /**
     * The rebuilt member is up to date: a new generation with no member failed, written to both
     * headers and flushed; only then does the member serve reads. Fails when the member failed
     * meanwhile (that failure's header, of a later generation, is written after these).
     */
    CompletableFuture<Void> finishRebuild() {
        HeaderWrite write;
        synchronized (this) {
            if (!rebuilding) return CompletableFuture.failedFuture(new IOException("the member being rebuilt failed"));
            generation++;
            for (int m = 0; m < 2; m++) headers[m] = headers[m].withState(generation, 0);
            write = record(new int[] {0, 1});
        }
        return write.start().thenRun(() -> {
            synchronized (this) {
                if (!rebuilding) throw new CompletionException(new IOException("the member being rebuilt failed"));
                outOfDate = -1;
                rebuilding = false;
            }
        });
    }

    /**
     * Marks member {@code m} out of date because of {@code cause}; the future completes when the
     * survivor's header says so durably. A member already out of date is not recorded again; one
     * being rebuilt stops taking writes and is recorded. The last up-to-date member is never
     * failed: there is no one left to record it on, so the future fails and the operation with it.
     */
    CompletableFuture<Void> fail(int m, Throwable cause) {
        HeaderWrite write;
        synchronized (this) {
            if (outOfDate == m && !rebuilding) return recorded;
            if (outOfDate >= 0 && outOfDate != m) return CompletableFuture.failedFuture(cause);
            outOfDate = m;
            rebuilding = false;
            generation++;
            int s = 1 - m;
            headers[s] = headers[s].withState(generation, 1 << m); // the whole state: only m is out of date
            write = record(new int[] {s});
            recorded = write.done;
        }
        return write.start();
    }

    /** A header write queued behind the previous one; {@link #start} it once the lock is released. */
    private final class HeaderWrite {
        final int[] targets;
        final MemberHeader[] snapshot;
        final CompletableFuture<Void> previous, done = new CompletableFuture<>();

        HeaderWrite(int[] targets, MemberHeader[] snapshot, CompletableFuture<Void> previous) {
            this.targets = targets;
            this.snapshot = snapshot;
            this.previous = previous;
        }

        CompletableFuture<Void> start() {
            previous.handle((v, e) -> null).thenCompose(v -> {
                List<CompletableFuture<Void>> writes = new ArrayList<>();
                for (int t : targets) writes.add(DeviceSet.write(members.get(t), snapshot[t]));
                return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
            }).thenCompose(v -> {
                List<CompletableFuture<Void>> flushes = new ArrayList<>();
                for (int t : targets) flushes.add(members.get(t).flush());
                return CompletableFuture.allOf(flushes.toArray(CompletableFuture[]::new));
            }).whenComplete((v, e) -> {
                if (e == null) done.complete(null);
                else done.completeExceptionally(cause(e));
            });
            return done;
        }
    }

    /**
     * Queues a write of the current headers of {@code targets}, and a flush, behind every header
     * write queued before (under the lock): so headers land in generation order, and the newest
     * state is the last one written.
     */
    private HeaderWrite record(int[] targets) {
        HeaderWrite w = new HeaderWrite(targets, headers.clone(), headerChain);
        headerChain = w.done;
        return w;
    }

    /**
     * The outcome of one operation sent to the members {@code targets}, whose parts are
     * {@code parts} (same order): it succeeds when no part was refused and at least one member did
     * its part; a member whose part failed with an I/O error is failed first, and the outcome
     * waits until that is recorded.
     */
    CompletableFuture<Void> settle(int[] targets, List<CompletableFuture<Void>> parts) {
        return whenAllDone(parts).thenCompose(x -> {
            Throwable refusal = null, ioError = null;
            boolean done = false;
            List<CompletableFuture<Void>> recording = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                Throwable t = failure(parts.get(i));
                if (t == null) done = true;
                else if (isMemberFailure(t)) {
                    if (ioError == null) ioError = t;
                    recording.add(fail(targets[i], t));
                } else if (refusal == null) refusal = t;
            }
            if (recording.isEmpty()) return refusal == null ? DONE : CompletableFuture.failedFuture(refusal);
            // The operation's error, not the recording's: the caller asked for the operation.
            Throwable first = refusal != null ? refusal : ioError;
            boolean ok = done && refusal == null;
            return CompletableFuture.allOf(recording.toArray(CompletableFuture[]::new)).handle((r, recordError) -> {
                if (recordError != null || !ok) throw new CompletionException(first);
                return (Void) null;
            });
        });
    }

    /**
     * Completes, normally, once every part has, however it did. Built on the parts' own futures
     * ({@code thenCombine}, not {@code allOf}), so that it is of the members' future type: a
     * simulated member's futures drive the simulation when joined.
     */
    static CompletableFuture<Void> whenAllDone(List<CompletableFuture<Void>> parts) {
        CompletableFuture<Void> all = parts.getFirst().handle((v, e) -> null);
        for (int i = 1; i < parts.size(); i++) all = all.thenCombine(parts.get(i).handle((v, e) -> null), (a, b) -> null);
        return all;
    }

    /** Whether {@code t} is a member's fault (an I/O error), not the operation's. */
    static boolean isMemberFailure(Throwable t) {
        Throwable c = cause(t);
        return c instanceof IOException && !(c instanceof DeviceClosedException);
    }

    /** {@code t} without the CompletionException wrappers futures add. */
    static Throwable cause(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
        return t;
    }

    /** How a completed future failed, or null when it succeeded. */
    static Throwable failure(CompletableFuture<?> f) {
        try {
            f.join();
            return null;
        } catch (CompletionException | CancellationException e) {
            return cause(e);
        }
    }

    /** The state for reports. */
    synchronized String stateName() {
        return outOfDate < 0 ? "healthy" : rebuilding ? "rebuilding" : "degraded";
    }
}
