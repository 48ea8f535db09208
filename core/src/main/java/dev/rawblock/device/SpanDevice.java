package dev.rawblock.device;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One device over several: the set's logical bytes spread over its members, each member with its
 * own engine, ring thread and queue. Not RAID: the unit is a stripe as large as the store's
 * region (256 MiB by default), so a value lives wholly on one member and the store, which knows
 * which member each region is on ({@link #memberOf}), chooses where values go by each member's
 * queue ({@link #inFlightBytes}) and free space.
 *
 * <pre>
 *  logical:  | head (superblock, metadata) | stripe 0 | stripe 1 | stripe 2 | stripe 3 | ...
 *  member 0: | hdr | head                   | stripe 0 | stripe 2 | ...
 *  member 1: | hdr | (head, unused)         | stripe 1 | stripe 3 | ...
 * </pre>
 *
 * Every member keeps room for the head so that all members have the same layout; only member 0's
 * is used. Its {@link MemberHeader} (first block) names the set, and opening checks that exactly
 * its members are given ({@link DeviceSet#open}).
 *
 * <p>An operation that crosses a stripe boundary is split and completes when all its parts have.
 * A flush flushes every member that took writes since its last flush. Buffers come from member 0's
 * arena; members take any native memory.
 */
public final class SpanDevice extends AbstractSetDevice {

    /** Per member, writes submitted and writes ended (either way), for {@link #flush}. */
    private final AtomicLongArray writesSubmitted, writesEnded;
    /** Per member, at its last flush's submission: writes submitted, and those not ended then. */
    private final long[] submittedAtFlush, inFlightAtFlush;
    /** Per member, its last flush (null before the first): a flush that skips the member waits for it. */
    private final CompletableFuture<?>[] lastFlush;

    private SpanDevice(List<BlockDevice> members, MemberHeader header) {
        super(members, header);
        this.writesSubmitted = new AtomicLongArray(members.size());
        this.writesEnded = new AtomicLongArray(members.size());
        this.submittedAtFlush = new long[members.size()];
        this.inFlightAtFlush = new long[members.size()];
        this.lastFlush = new CompletableFuture<?>[members.size()];
    }

    /**
     * Opens the set the devices are the members of, taking ownership of them (closing the span
     * closes them; a refusal closes nothing).
     *
     * @throws IOException when they are not exactly the members of one span (see {@link DeviceSet#open})
     *                     or a member is smaller than its share
     */
    public static SpanDevice open(List<BlockDevice> devices) throws IOException {
        DeviceSet.Members set = DeviceSet.open(devices, MemberHeader.Layout.SPAN);
        MemberHeader h = set.first();
        for (int i = 0; i < h.count(); i++) {
            BlockDevice d = set.devices().get(i);
            long need = memberBytes(h.count(), i, h.setBytes(), h.headBytes(), h.stripeBytes());
            if (d.size() < need) {
                throw new IOException(d.path() + " has " + d.size() + " bytes but " + h.describe() + " of set "
                        + h.setId() + " needs " + need + ": refusing a truncated or different device");
            }
        }
        return new SpanDevice(set.devices(), h);
    }

    /**
     * Makes {@code devices} (in this order) the members of a new span of {@code setBytes} logical
     * bytes, writing and flushing their headers, and opens it. What the members held is not read:
     * the caller has checked that it may be overwritten.
     */
    public static SpanDevice format(List<BlockDevice> devices, long setBytes, long headBytes, long stripeBytes,
                                    int blockBytes, long setIdHi, long setIdLo) throws IOException {
        int n = devices.size();
        if (n < 2) throw new IllegalArgumentException("a span needs at least 2 members, got " + n);
        if (stripeBytes <= 0 || headBytes < 0 || setBytes < headBytes || (setBytes - headBytes) % stripeBytes != 0) {
            throw new IllegalArgumentException("a span of " + setBytes + " bytes must be a head of " + headBytes
                    + " bytes and whole stripes of " + stripeBytes);
        }
        List<MemberHeader> headers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BlockDevice d = devices.get(i);
            long need = memberBytes(n, i, setBytes, headBytes, stripeBytes);
            if (d.size() < need) throw new IOException(d.path() + " has " + d.size() + " bytes; member " + i + " needs " + need);
            headers.add(new MemberHeader(setIdHi, setIdLo, MemberHeader.Layout.SPAN, i, n, blockBytes, setBytes,
                    headBytes, stripeBytes, 0, 0, 0, d.path().toString()));
        }
        DeviceSet.writeAll(devices, headers);
        return new SpanDevice(List.copyOf(devices), headers.getFirst());
    }

    /** Bytes member {@code index} of {@code count} needs for a span of this geometry. */
    public static long memberBytes(int count, int index, long setBytes, long headBytes, long stripeBytes) {
        long stripes = (setBytes - headBytes) / stripeBytes;
        long mine = stripes / count + (index < stripes % count ? 1 : 0);
        return MemberHeader.DATA_OFFSET + headBytes + mine * stripeBytes;
    }

    /** The member that holds logical byte {@code offset}. */
    public int memberOf(long offset) {
        return offset < header.headBytes() ? 0 : (int) ((offset - header.headBytes()) / header.stripeBytes() % members.size());
    }

    /** The member's offset of logical byte {@code offset}. */
    long memberOffset(long offset) {
        long head = header.headBytes();
        if (offset < head) return MemberHeader.DATA_OFFSET + offset;
        long stripe = (offset - head) / header.stripeBytes();
        return MemberHeader.DATA_OFFSET + head + stripe / members.size() * header.stripeBytes()
                + (offset - head) % header.stripeBytes();
    }

    /** Where the piece of the set starting at {@code offset} ends on its member: the head's or the stripe's end. */
    private long pieceEnd(long offset) {
        long head = header.headBytes();
        if (offset < head) return head;
        long stripe = header.stripeBytes();
        return head + ((offset - head) / stripe + 1) * stripe;
    }

    @Override
    public List<CompletableFuture<Void>> submit(List<IoOp> ops) {
        List<CompletableFuture<Void>> done = new ArrayList<>(ops.size());
        // The members' batches, and for each op the futures of its pieces.
        List<List<IoOp>> perMember = new ArrayList<>(members.size());
        List<List<int[]>> origin = new ArrayList<>(members.size()); // {op index, piece index}
        for (int m = 0; m < members.size(); m++) {
            perMember.add(new ArrayList<>());
            origin.add(new ArrayList<>());
        }
        List<CompletableFuture<?>[]> pieces = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            IoOp op = ops.get(i);
            String problem = DeviceSet.rangeProblem(op, geometry, path());
            if (problem != null) {
                pieces.add(null);
                done.add(CompletableFuture.failedFuture(new IllegalArgumentException(problem)));
                continue;
            }
            List<IoOp> split = new ArrayList<>(1);
            List<Integer> where = new ArrayList<>(1);
            for (long at = op.offset(), end = op.offset() + op.length(); at < end; ) {
                long to = Math.min(end, pieceEnd(at));
                split.add(new IoOp(op.kind(), memberOffset(at), op.buffer().asSlice(at - op.offset(), to - at), op.placement()));
                where.add(memberOf(at));
                at = to;
            }
            CompletableFuture<?>[] parts = new CompletableFuture<?>[split.size()];
            for (int p = 0; p < split.size(); p++) {
                perMember.get(where.get(p)).add(split.get(p));
                origin.get(where.get(p)).add(new int[] {i, p});
            }
            pieces.add(parts);
            done.add(null);
        }
        for (int m = 0; m < members.size(); m++) {
            List<IoOp> batch = perMember.get(m);
            if (batch.isEmpty()) continue;
            long bytes = 0;
            for (IoOp op : batch) bytes += op.length();
            inFlightBytes.addAndGet(m, bytes);
            int writes = 0;
            for (IoOp op : batch) if (op.kind() == IoOp.Kind.WRITE) writes++;
            writesSubmitted.addAndGet(m, writes); // before the member sees them: see flush()
            List<CompletableFuture<Void>> issued = members.get(m).submit(batch);
            for (int k = 0; k < issued.size(); k++) {
                int member = m;
                long length = batch.get(k).length();
                boolean write = batch.get(k).kind() == IoOp.Kind.WRITE;
                int[] o = origin.get(m).get(k);
                pieces.get(o[0])[o[1]] = issued.get(k).whenComplete((v, e) -> {
                    inFlightBytes.addAndGet(member, -length);
                    if (write) writesEnded.incrementAndGet(member);
                });
            }
        }
        for (int i = 0; i < ops.size(); i++) {
            CompletableFuture<?>[] parts = pieces.get(i);
            if (parts != null) done.set(i, all(parts));
        }
        return done;
    }

    /**
     * Completes when every part has, exceptionally if one failed: never while a part still moves
     * bytes of the caller's buffer. Made from the parts' own futures ({@code thenCombine}), not
     * {@code allOf}, so the result is of the members' future type: a simulated device's futures
     * drive the simulation when joined.
     */
    private static CompletableFuture<Void> all(CompletableFuture<?>[] parts) {
        CompletableFuture<Void> all = parts[0].thenApply(v -> null);
        for (int p = 1; p < parts.length; p++) all = all.thenCombine(parts[p], (a, b) -> null);
        return all;
    }

    /**
     * Flushes every member that may hold a write not yet covered by a flush: one that took a write
     * since its last flush was submitted, or had one in flight then (that write may have completed
     * after the flush began, which does not cover it). A member with neither is skipped: every
     * write it ever took completed before its last flush was submitted, and this flush completes only
     * once that one has (it may still be running). Where a completion's
     * count may lag (its callback not run yet), the write counts as in flight, so the member is
     * flushed: doubt always flushes. The journal's group commit thereby flushes member 0 and the
     * members its batches wrote to, not every drive.
     */
    @Override
    public synchronized CompletableFuture<Void> flush() {
        List<CompletableFuture<?>> flushes = new ArrayList<>(members.size());
        for (int m = 0; m < members.size(); m++) {
            long ended = writesEnded.get(m); // first: read later, the in-flight count can only be too high
            long submitted = writesSubmitted.get(m);
            boolean covered = submitted == submittedAtFlush[m] && inFlightAtFlush[m] == 0;
            submittedAtFlush[m] = submitted;
            inFlightAtFlush[m] = submitted - ended;
            int member = m;
            // A failed flush covered nothing: the next one must not skip this member (its callback
            // runs before lastFlush counts as done, so a done one that failed left the member uncovered).
            if (!covered) lastFlush[m] = members.get(m).flush().whenComplete((v, e) -> {
                if (e != null) uncovered(member);
            });
            // A skipped member is covered by its last flush only once that is done: wait for it.
            if (lastFlush[m] != null && (!covered || !lastFlush[m].isDone())) flushes.add(lastFlush[m]);
        }
        if (flushes.isEmpty()) flushes.add(members.getFirst().flush()); // the contract's future, of the members' type
        return all(flushes.toArray(CompletableFuture<?>[]::new));
    }

    private synchronized void uncovered(int member) {
        inFlightAtFlush[member] = Math.max(1, inFlightAtFlush[member]);
    }

    /** The members' counters added up. */
    @Override
    public DeviceStats stats() {
        long batches = 0, operations = 0, failed = 0, read = 0, written = 0, staged = 0, inFlight = 0;
        for (BlockDevice m : members) {
            DeviceStats s = m.stats();
            batches += s.batches();
            operations += s.operations();
            failed += s.failed();
            read += s.bytesRead();
            written += s.bytesWritten();
            staged += s.staged();
            inFlight += s.inFlight();
        }
        return new DeviceStats(batches, operations, failed, read, written, staged, inFlight);
    }

    /** Closes every member, even when one fails to close; the first failure is thrown. */
    @Override
    public void close() throws IOException {
        DeviceSet.closeAll(members);
    }
}
