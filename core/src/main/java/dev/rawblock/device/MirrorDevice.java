package dev.rawblock.device;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * One device over two members that each hold every logical byte (RAID1), with a write-intent
 * bitmap so that a crash costs a resync of the zones that were being written, not of the device.
 * The store above sees one {@link BlockDevice}.
 *
 * <pre>
 * each member: 0        blockBytes            1 MiB (DATA_OFFSET)                          end
 *              | header | intent bitmap blocks | logical bytes 0 .. setBytes, on both members |
 * </pre>
 *
 * Logical offset {@code x} is member offset {@link MemberHeader#DATA_OFFSET}{@code + x} on both.
 * The set's size is the smaller member's room after {@code DATA_OFFSET}, rounded down to the block.
 * The {@link MemberHeader} (layout MIRROR) carries the zone size, the generation and the mask of
 * out-of-date members; the bitmap ({@link IntentBitmap}) has one bit per zone of {@code zoneBytes}
 * logical bytes (16 MiB by default), in the blocks after the header.
 *
 * <p><b>Writes</b> (the seeds' ublk RAID1 batch protocol, {@link IntentLog}): for each
 * {@link #submit} batch with writes, (1) set the bits of the zones they touch; (2) unless all are
 * durable already, wait for a round that writes the changed bitmap blocks to both members and
 * flushes both, shared by every batch that arrived while the previous round was in flight;
 * (3) write the data to both members; an operation completes when both did their part and succeeds
 * when one healthy member did. (4) A bit is cleared lazily by a sweeper thread: when the zone has
 * no write in flight, its last write completed a quiet time ago (2 s by default) and a flush of both
 * members completed after it (the sweeper flushes when none did), its block is rewritten without
 * a flush. No thread ever waits for I/O on these paths (futures compose); only {@code open},
 * {@code format}, {@code replace} and {@code close} block.
 *
 * <p><b>Reads</b> go to one up-to-date member, the one with fewer bytes in flight; a read that
 * fails with an I/O error fails that member and is retried on the other.
 *
 * <p><b>Crash.</b> {@link #open} reads both bitmaps, and copies each zone marked on either from
 * member 0 to member 1 (either copy is right: only writes not yet acknowledged as flushed can
 * differ), flushes, then clears the bits durably. {@link #resyncedBytes()} says how much it copied.
 *
 * <p><b>Degraded.</b> A member whose write, read or flush fails with an I/O error is marked out of
 * date ({@link MirrorHealth}): the generation rises, the survivor's header records it and is
 * flushed before the failed operation completes; from then on I/O goes to the survivor. At open,
 * the header with the highest generation says which member is out of date; it is not read until
 * {@link #replace} rebuilt it ({@link MirrorRebuild}), online.
 *
 * <p>Buffers come from member 0's arena; members take any native memory. Counters are the set's
 * logical ones (a write counts once, the bitmap not at all).
 */
public final class MirrorDevice extends AbstractSetDevice {
    /** Logical bytes per write-intent bit unless the format says otherwise. */
    public static final long DEFAULT_ZONE_BYTES = 16L << 20;
    /** The set's I/O unit and bitmap block unless the format says otherwise. */
    public static final int DEFAULT_BLOCK_BYTES = 4096;
    /** How long close waits for operations in flight, a rebuild's step and the final flushes. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    /**
     * How the set clears its bits.
     *
     * @param quiet      how long a zone's last write must be past before its bit is cleared
     * @param clock      nanosecond time the quiet time is measured in
     * @param background whether a daemon thread sweeps; without one, whoever drives the set calls
     *                   {@link #sweep()} (a simulation)
     */
    public record Settings(Duration quiet, LongSupplier clock, boolean background) {
        public static final Settings DEFAULT = new Settings(Duration.ofSeconds(2), System::nanoTime, true);

        public Settings {
            if (quiet == null || quiet.isNegative()) throw new IllegalArgumentException("a quiet time of zero or more, got " + quiet);
            if (clock == null) throw new IllegalArgumentException("a clock");
        }

        public Settings withQuiet(Duration q) {
            return new Settings(q, clock, background);
        }
    }

    private final MirrorHealth health;
    private final IntentBitmap bitmap;
    private final IntentLog log;
    private final Settings settings;
    private final long resyncedBytes;
    private final int resyncedZones;
    private final LongAdder batches = new LongAdder(), operations = new LongAdder(), failed = new LongAdder(),
            bytesRead = new LongAdder(), bytesWritten = new LongAdder(), staged = new LongAdder();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicBoolean sweeperFlushing = new AtomicBoolean();
    private final ScheduledExecutorService sweeper;
    private volatile MirrorRebuild rebuild;
    private volatile MirrorRebuild lastRebuild;
    /** One of the members' futures: what the set's own futures are made from ({@link #newFuture}). */
    private final CompletableFuture<?> memberFuture;
    private volatile boolean closed;
    /** Completes when the last operation in flight finishes, once close has begun. */
    private volatile CompletableFuture<Void> drained;

    private MirrorDevice(List<BlockDevice> members, MemberHeader header, MirrorHealth health, Settings settings,
                         MirrorResync.Result resync) {
        super(members, header);
        this.health = health;
        this.settings = settings;
        this.resyncedBytes = resync.bytes();
        this.resyncedZones = resync.zones();
        this.memberFuture = resync.memberFuture();
        this.bitmap = new IntentBitmap(header.setBytes(), header.zoneBytes(), header.blockBytes());
        this.log = new IntentLog(bitmap, health, this::newFuture);
        if (settings.background()) {
            long period = Math.clamp(settings.quiet().toMillis() / 4, 10, 500);
            this.sweeper = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("rawblock-mirror-sweeper").factory());
            sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
        } else {
            this.sweeper = null;
        }
    }

    // ---------------------------------------------------------------- making and opening sets

    /**
     * Makes the two devices (in this order) the members of a new mirror: zeroed bitmaps, then both
     * headers, flushed, and opens it. What they held is not read: the caller has checked that it
     * may be overwritten. Takes ownership of the devices (closing the mirror closes them).
     *
     * @param zoneBytes  logical bytes per write-intent bit, a multiple of {@code blockBytes}
     * @param blockBytes the set's I/O unit and bitmap block: a power of two, at least 4096 and the
     *                   members' alignment
     */
    public static MirrorDevice format(List<BlockDevice> two, long zoneBytes, int blockBytes, long setIdHi, long setIdLo)
            throws IOException {
        if (two.size() != 2) throw new IllegalArgumentException("a mirror has 2 members, got " + two.size());
        int alignment = Math.max(two.get(0).alignment(), two.get(1).alignment());
        long room = Math.min(two.get(0).size(), two.get(1).size()) - MemberHeader.DATA_OFFSET;
        String problem = MirrorLayout.problem(Math.max(0, room), blockBytes, zoneBytes, alignment);
        if (problem != null) throw new IllegalArgumentException(problem);
        long setBytes = room / blockBytes * blockBytes;
        if (setBytes <= 0) {
            throw new IOException("a mirror member needs more than " + MemberHeader.DATA_OFFSET + " bytes; "
                    + two.get(0).path() + " has " + two.get(0).size() + ", " + two.get(1).path() + " " + two.get(1).size());
        }
        List<MemberHeader> headers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            headers.add(new MemberHeader(setIdHi, setIdLo, MemberHeader.Layout.MIRROR, i, 2, blockBytes, setBytes, 0, 0,
                    zoneBytes, 0, 0, two.get(i).path().toString()));
        }
        for (BlockDevice d : two) MirrorResync.zeroBitmap(d, new IntentBitmap(setBytes, zoneBytes, blockBytes));
        DeviceSet.writeAll(two, headers);
        return open(two, Settings.DEFAULT);
    }

    /** {@link #open(List, Settings)} with the default settings. */
    public static MirrorDevice open(List<BlockDevice> two) throws IOException {
        return open(two, Settings.DEFAULT);
    }

    /**
     * Opens the mirror the two devices are the members of (in any order), taking ownership of them
     * (a refusal closes nothing). After a crash, resyncs the zones marked on either member.
     *
     * @throws IOException when they are not exactly the members of one mirror (see
     *                     {@link DeviceSet#open}), a member is smaller than the set, both are out
     *                     of date, or the resync fails
     */
    public static MirrorDevice open(List<BlockDevice> two, Settings settings) throws IOException {
        DeviceSet.Members set = DeviceSet.open(two, MemberHeader.Layout.MIRROR);
        MemberHeader h = set.first();
        if (h.count() != 2) throw new IOException(two.getFirst().path() + ": a mirror of " + h.count() + " members");
        for (int i = 0; i < 2; i++) {
            BlockDevice d = set.devices().get(i);
            if (d.size() < MemberHeader.DATA_OFFSET + h.setBytes()) {
                throw new IOException(d.path() + " has " + d.size() + " bytes but " + set.headers().get(i).describe()
                        + " of mirror " + h.setId() + " needs " + (MemberHeader.DATA_OFFSET + h.setBytes())
                        + ": refusing a truncated or different device");
            }
        }
        String problem = MirrorLayout.problem(h.setBytes(), h.blockBytes(), h.zoneBytes(),
                Math.max(set.devices().get(0).alignment(), set.devices().get(1).alignment()));
        if (problem != null) throw new IOException(two.getFirst().path() + ": mirror " + h.setId() + ": " + problem);
        int outOfDate = MirrorLayout.outOfDate(set);
        MirrorHealth health = new MirrorHealth(set.devices(), set.headers(), outOfDate);
        MirrorResync.Result resync = MirrorResync.run(set, health.readable(), outOfDate < 0,
                new IntentBitmap(h.setBytes(), h.zoneBytes(), h.blockBytes()));
        return new MirrorDevice(set.devices(), h, health, settings, resync);
    }

    /**
     * Opens a mirror from {@code survivor} alone, when its partner is gone (a dead drive): first the
     * partner is marked out of date in a new generation, written to the survivor's header and
     * flushed, so that it can never come back as current; then the set serves degraded, from the
     * survivor, until {@link #replace} rebuilds a device in the partner's place. Takes ownership of
     * the survivor.
     *
     * @throws IOException when the survivor is no member of a mirror, or is out of date itself
     */
    public static MirrorDevice openAlone(BlockDevice survivor) throws IOException {
        MemberHeader h = survivorHeader(survivor, "serve alone");
        int s = h.index(), p = 1 - s;
        MemberHeader marked = h.withState(h.generation() + 1, 1 << p);
        DeviceSet.writeAll(List.of(survivor), List.of(marked));
        MemberHeader place = marked.forMember(p, Path.of(""));
        BlockDevice absent = new AbsentMember(survivor, place);
        List<BlockDevice> placed = s == 0 ? List.of(survivor, absent) : List.of(absent, survivor);
        List<MemberHeader> headers = s == 0 ? List.of(marked, place) : List.of(place, marked);
        DeviceSet.Members set = new DeviceSet.Members(placed, headers);
        MirrorHealth health = new MirrorHealth(placed, headers, p);
        MirrorResync.Result resync = MirrorResync.run(set, health.readable(), false,
                new IntentBitmap(h.setBytes(), h.zoneBytes(), h.blockBytes()));
        return new MirrorDevice(placed, headers.getFirst(), health, Settings.DEFAULT, resync);
    }

    /** The header of a mirror member that is up to date, to {@code act} without its partner. */
    private static MemberHeader survivorHeader(BlockDevice survivor, String act) throws IOException {
        MemberHeader h = DeviceSet.read(survivor);
        if (h == null || h.layout() != MemberHeader.Layout.MIRROR || h.count() != 2) {
            throw new IOException(survivor.path() + " is not a member of a rawblock mirror");
        }
        if ((h.failedMask() & 1 << h.index()) != 0) {
            throw new IOException(survivor.path() + " is " + h.describe() + " of mirror " + h.setId()
                    + " and out of date itself: it cannot " + act);
        }
        return h;
    }

    /**
     * Makes {@code fresh} the partner of {@code survivor}, a member of a mirror whose other member
     * failed or is gone, and rebuilds it online: the fresh device gets the missing place's header,
     * marked out of date (as the survivor's header is, in a new generation), then the set opens
     * degraded and copies the survivor onto it in the background while serving; {@link #rebuilt()}
     * completes when the copy is durable and both headers say the set is healthy. The caller has
     * checked that {@code fresh} may be overwritten. Takes ownership of both devices.
     *
     * @throws IOException when the survivor is no mirror member, is out of date itself, or the
     *                     fresh device is smaller than the set
     */
    public static MirrorDevice replace(BlockDevice survivor, BlockDevice fresh) throws IOException {
        return replace(survivor, fresh, Settings.DEFAULT);
    }

    /** {@link #replace(BlockDevice, BlockDevice)} with these settings. */
    public static MirrorDevice replace(BlockDevice survivor, BlockDevice fresh, Settings settings) throws IOException {
        MemberHeader h = survivorHeader(survivor, "be the source of a rebuild");
        int s = h.index(), f = 1 - s;
        if (fresh.size() < MemberHeader.DATA_OFFSET + h.setBytes()) {
            throw new IOException(fresh.path() + " has " + fresh.size() + " bytes; mirror " + h.setId() + " needs "
                    + (MemberHeader.DATA_OFFSET + h.setBytes()));
        }
        long generation = h.generation() + 1;
        int mask = 1 << f;
        MemberHeader[] headers = new MemberHeader[2];
        headers[s] = h.withState(generation, mask);
        headers[f] = h.forMember(f, fresh.path()).withState(generation, mask);
        MirrorResync.zeroBitmap(fresh, new IntentBitmap(h.setBytes(), h.zoneBytes(), h.blockBytes()));
        List<BlockDevice> placed = s == 0 ? List.of(survivor, fresh) : List.of(fresh, survivor);
        DeviceSet.writeAll(placed, List.of(headers));
        MirrorDevice mirror = open(placed, settings);
        mirror.startRebuild(f);
        return mirror;
    }

    /**
     * A new future of the members' type: what the set hands out and waits on. Plain futures for
     * engines; a simulated member's futures drive the simulation when joined, so a simulation can
     * wait on the set's as it does on a device's.
     */
    private CompletableFuture<Void> newFuture() {
        return memberFuture.newIncompleteFuture();
    }

    private void startRebuild(int target) {
        MirrorRebuild r = new MirrorRebuild(bitmap, health, target, header.setBytes(), newFuture());
        lastRebuild = r;
        rebuild = r;
        r.done().whenComplete((v, e) -> rebuild = null);
        r.start();
    }

    // ---------------------------------------------------------------- I/O

    /** One write of a batch on its way: the caller's operation, the zones it touches, its future. */
    private record Write(IoOp op, int first, int last, CompletableFuture<Void> result) {}

    @Override
    public List<CompletableFuture<Void>> submit(List<IoOp> ops) {
        batches.increment();
        operations.add(ops.size());
        List<CompletableFuture<Void>> results = new ArrayList<>(ops.size());
        List<IoOp> reads = new ArrayList<>();
        List<CompletableFuture<Void>> readResults = new ArrayList<>();
        List<Write> writes = new ArrayList<>();
        BitSet zones = new BitSet();
        for (IoOp op : ops) {
            CompletableFuture<Void> result = newFuture();
            results.add(result);
            String problem = DeviceSet.rangeProblem(op, geometry, path());
            if (problem != null || closed) {
                failed.increment();
                result.completeExceptionally(problem != null ? new IllegalArgumentException(problem)
                        : new DeviceClosedException(path().toString()));
                continue;
            }
            inFlight.incrementAndGet();
            if (!op.buffer().isNative() || op.buffer().address() % geometry.alignment() != 0) staged.increment();
            if (op.kind() == IoOp.Kind.READ) {
                reads.add(op);
                readResults.add(result);
            } else {
                Write w = new Write(op, bitmap.firstZone(op), bitmap.lastZone(op), result);
                log.begin(w.first, w.last);
                zones.set(w.first, w.last + 1);
                writes.add(w);
            }
        }
        if (!reads.isEmpty()) read(reads, readResults, 1);
        if (!writes.isEmpty()) {
            log.mark(zones).whenComplete((v, e) -> {
                if (e == null) issue(writes);
                else for (Write w : writes) finishWrite(w, null, e);
            });
        }
        return results;
    }

    /**
     * Sends each read to the readable member with fewer bytes in flight; one that fails with an I/O
     * error fails its member and, {@code retries} permitting, goes to the other.
     */
    private void read(List<IoOp> ops, List<CompletableFuture<Void>> results, int retries) {
        int[] readable = health.readable();
        List<List<Integer>> perMember = List.of(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < ops.size(); i++) {
            int m = readable.length == 1 || inFlightBytes.get(readable[0]) <= inFlightBytes.get(readable[1])
                    ? readable[0] : readable[1];
            inFlightBytes.addAndGet(m, ops.get(i).length());
            perMember.get(m).add(i);
        }
        for (int m = 0; m < 2; m++) {
            List<Integer> mine = perMember.get(m);
            if (mine.isEmpty()) continue;
            List<IoOp> memberOps = new ArrayList<>(mine.size());
            for (int i : mine) memberOps.add(onMember(ops.get(i)));
            List<CompletableFuture<Void>> done = health.member(m).submit(memberOps);
            for (int k = 0; k < mine.size(); k++) {
                int member = m;
                IoOp op = ops.get(mine.get(k));
                CompletableFuture<Void> result = results.get(mine.get(k));
                done.get(k).whenComplete((v, e) -> {
                    inFlightBytes.addAndGet(member, -op.length());
                    Throwable t = e == null ? null : MirrorHealth.cause(e);
                    if (t == null || retries == 0 || !MirrorHealth.isMemberFailure(t)) {
                        finishRead(op, result, t);
                        return;
                    }
                    health.fail(member, t).whenComplete((x, recordError) -> {
                        if (recordError != null) finishRead(op, result, t);
                        else read(List.of(op), List.of(result), retries - 1);
                    });
                });
            }
        }
    }

    /**
     * Sends writes whose bits are durable to every writable member, as one batch per member;
     * during a rebuild, a write into the zone being copied waits for the copy ({@link MirrorRebuild#admit}).
     */
    private void issue(List<Write> writes) {
        MirrorRebuild r = rebuild;
        List<Write> go = writes;
        if (r != null) {
            go = new ArrayList<>(writes.size());
            for (Write w : writes) if (r.admit(w.first, w.last, () -> issue(List.of(w)))) go.add(w);
            if (go.isEmpty()) return;
        }
        int[] targets = health.writable();
        List<List<CompletableFuture<Void>>> parts = new ArrayList<>(go.size());
        for (int k = 0; k < go.size(); k++) parts.add(new ArrayList<>(targets.length));
        for (int m : targets) {
            List<IoOp> memberOps = new ArrayList<>(go.size());
            long bytes = 0;
            for (Write w : go) {
                memberOps.add(onMember(w.op));
                bytes += w.op.length();
            }
            inFlightBytes.addAndGet(m, bytes);
            List<CompletableFuture<Void>> done = health.member(m).submit(memberOps);
            for (int k = 0; k < go.size(); k++) {
                long length = go.get(k).op.length();
                parts.get(k).add(done.get(k).whenComplete((v, e) -> inFlightBytes.addAndGet(m, -length)));
            }
        }
        for (int k = 0; k < go.size(); k++) {
            Write w = go.get(k);
            health.settle(targets, parts.get(k)).whenComplete((v, e) -> finishWrite(w, r, e));
        }
    }

    private static IoOp onMember(IoOp op) {
        return new IoOp(op.kind(), MemberHeader.DATA_OFFSET + op.offset(), op.buffer(), op.placement());
    }

    /** The bookkeeping of a finished write, before its caller hears of it. */
    private void finishWrite(Write w, MirrorRebuild admittedBy, Throwable error) {
        log.end(w.first, w.last, settings.clock().getAsLong());
        if (admittedBy != null) admittedBy.written(w.first, w.last);
        if (error == null) bytesWritten.add(w.op.length());
        finish(w.result, error);
    }

    private void finishRead(IoOp op, CompletableFuture<Void> result, Throwable error) {
        if (error == null) bytesRead.add(op.length());
        finish(result, error);
    }

    private void finish(CompletableFuture<Void> result, Throwable error) {
        if (inFlight.decrementAndGet() == 0) {
            CompletableFuture<Void> d = drained;
            if (d != null) d.complete(null);
        }
        if (error == null) {
            result.complete(null);
        } else {
            failed.increment();
            result.completeExceptionally(MirrorHealth.cause(error));
        }
    }

    /** Flushes every member that takes writes; succeeds when one did (a failing one is failed first). */
    @Override
    public CompletableFuture<Void> flush() {
        batches.increment();
        operations.increment();
        if (closed) {
            failed.increment();
            return CompletableFuture.failedFuture(new DeviceClosedException(path().toString()));
        }
        CompletableFuture<Void> result = newFuture();
        flushMembers().whenComplete((v, e) -> {
            if (e == null) {
                result.complete(null);
            } else {
                failed.increment();
                result.completeExceptionally(MirrorHealth.cause(e));
            }
        });
        return result;
    }

    /** Flushes the writable members and tells the intent log which completed writes are now durable. */
    private CompletableFuture<Void> flushMembers() {
        long upTo = log.completions();
        int[] targets = health.writable();
        List<CompletableFuture<Void>> parts = new ArrayList<>(targets.length);
        for (int m : targets) parts.add(health.member(m).flush());
        return health.settle(targets, parts).thenRun(() -> log.flushed(upTo));
    }

    /**
     * Clears the bits of quiet zones now (the sweeper's work; a simulation without a sweeper calls
     * it itself), and flushes the members when a quiet zone waits only for that.
     */
    public void sweep() {
        if (closed) return;
        if (log.sweep(settings.clock().getAsLong(), settings.quiet().toNanos()) && sweeperFlushing.compareAndSet(false, true)) {
            flushMembers().whenComplete((v, e) -> sweeperFlushing.set(false));
        }
    }

    // ---------------------------------------------------------------- state

    /** The set's health, resync and rebuild figures, and its marked zones. */
    public MirrorState state() {
        MirrorRebuild r = lastRebuild;
        return new MirrorState(health.stateName(), health.outOfDate(), resyncedBytes, resyncedZones,
                r == null ? 0 : r.copiedBytes(), r == null ? 0 : r.totalBytes(), log.marked(), log.rounds());
    }

    /** Bytes the resync of this open copied. */
    public long resyncedBytes() {
        return resyncedBytes;
    }

    /** Zones the resync of this open copied. */
    public int resyncedZones() {
        return resyncedZones;
    }

    /**
     * Completes when the rebuild that {@link #replace} started made the set healthy; completed for
     * a healthy set without one; failed for a degraded set that is not rebuilding.
     */
    public CompletableFuture<Void> rebuilt() {
        MirrorRebuild r = lastRebuild;
        if (r != null) return r.done();
        return health.outOfDate() < 0 ? CompletableFuture.completedFuture(null)
                : CompletableFuture.failedFuture(new IllegalStateException("mirror " + header.setId() + " is degraded"
                + " and not rebuilding: replace member " + health.outOfDate()));
    }

    // ---------------------------------------------------------------- BlockDevice

    /** The set's logical counters: a write counts once, the bitmap's I/O not at all. */
    @Override
    public DeviceStats stats() {
        return new DeviceStats(batches.sum(), operations.sum(), failed.sum(), bytesRead.sum(), bytesWritten.sum(),
                staged.sum(), inFlight.get());
    }

    /**
     * Refuses new operations, stops the sweeper and a rebuild, lets the operations in flight finish
     * (bounded), then, when all did, flushes both members and clears every bit that flush covers
     * (a clean close leaves nothing to resync), and closes the members.
     */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) return;
            drained = newFuture();
            closed = true;
        }
        if (inFlight.get() == 0) drained.complete(null);
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        if (sweeper != null) sweeper.shutdownNow();
        try {
            MirrorRebuild r = rebuild;
            if (r != null) r.stop().get(remaining(deadline), TimeUnit.NANOSECONDS);
            drained.get(remaining(deadline), TimeUnit.NANOSECONDS); // a timeout skips the clean-up below
            flushMembers().get(remaining(deadline), TimeUnit.NANOSECONDS);
            log.clearSettled().get(remaining(deadline), TimeUnit.NANOSECONDS);
            flushMembers().get(remaining(deadline), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // The bits stay: the next open resyncs what they mark. Nothing is lost by that.
        } finally {
            DeviceSet.closeAll(members);
        }
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }
}
