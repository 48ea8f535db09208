package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.BufferArena;
import dev.rawblock.device.IoBuffer;
import dev.rawblock.device.IoOp;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The synchronous key-value store on a {@link BlockDevice}: batched put, load, exists, prefix
 * lookup, delete, pins, eviction.
 *
 * <p><b>Batches are the unit of cost.</b> A {@link #putMany} takes the store lock twice whatever
 * its size (plan, then commit), makes one device submission for the headers and payloads of all
 * its keys (more only when they exceed {@link StoreOptions#maxBatchBytes}), and fails keys one by
 * one. A {@link #loadMany} takes the lock twice (to look up and lease its slots, and to give
 * them back; once more when it finds a corrupt slot), reads all its
 * keys in one parallel submission, and verifies each slot's header and CRC32C before copying.
 *
 * <p><b>Put outcomes, per key</b> ({@link PutResult}): STORED; ALREADY_STORED, not rewritten (the
 * first value wins, unless the {@link PutMode} is REPLACE); the same key twice in a batch is
 * written once and both get its result; BUSY while another put writes it (modes other than FIRST
 * wait for that put instead); TOO_LARGE beyond a region's slot; NO_SPACE when nothing is free or
 * evictable; WRITE_FAILED when the device write (or the journal) failed; CANCELED when deleted
 * while being written. Whatever fails frees its slot and index entry before the call returns.
 *
 * <p><b>Replacement</b> ({@link PutMode#REPLACE}) writes the new value to a slot of its own while
 * the old one stays loadable (its cell is REPLACING: not evictable); the commit points the cell at
 * the new slot and journals one PUT, which recovery applies as a replacement; the old slot is
 * freed once that PUT is durable. Loads and {@link ValueReader}s lease the slots they read: a slot
 * freed under a read is reused only once the last reader is done, so a read never meets another
 * value's bytes.
 *
 * <p><b>Pins.</b> {@code existsMany(keys, true)} and {@code prefixHits(keys, true)} pin each hit in
 * the same lock hold as the lookup; a pinned entry is never evicted and a delete without force is
 * refused until {@link #unlock}. Pins live in memory only.
 *
 * <p><b>Never a wrong byte.</b> A load serves bytes only when the slot header names exactly the
 * requested key, was written by this store, and both checksums match; anything else is a miss,
 * counted, and the entry is dropped. A load that races an eviction or delete of its key reads a
 * slot that no longer matches and misses.
 *
 * <p><b>Acknowledged is durable.</b> A put or delete returns after its change is in the
 * {@link Journal} (group commit: concurrent batches share one write and one flush); a slot freed
 * by a delete is rewritten only after that delete is durable. The {@link Checkpointer} bounds the
 * journal, and {@link Recovery} rebuilds everything at open.
 *
 * <p>Thread-safe.
 */
public final class Store implements AutoCloseable {
    /** Result of {@link #loadMany} for a key that is not stored (or failed verification). */
    public static final long MISS = -1;
    /** An expiry time for a replacing put: keep the replaced value's (Redis {@code SET ... KEEPTTL}). */
    public static final long KEEP_EXPIRY = -1;
    /** Result of {@link #loadMany} when the destination is smaller than the value. */
    public static final long DESTINATION_TOO_SMALL = -2;
    /** Entries examined per eviction (see {@link Reservations}). */
    public static final int EVICTION_SAMPLES = 16;

    private final BlockDevice device;
    private final boolean ownsDevice;
    private final Superblock superblock;
    private final StoreOptions options;
    private final StoreRuntime runtime;
    private final int block;
    private final long maxValueBytes;

    private final ReentrantLock lock = new ReentrantLock();
    /** Operations hold the read side for their whole run; close takes the write side, so it waits for them. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final KeyIndex index;
    private final Space space;
    private final SizeClasses classes;
    private final IoTracker io;
    private final Placement placement;
    private final MetadataLayout layout;
    private final SlotLayout slots;
    private final Journal journal;
    private final Recovery.Report recovery;
    private final Reservations reservations;
    // Guarded by lock:
    private int clock;
    private long seq;
    private long pinnedEntries;
    private long storedPayloadBytes;
    /** Ticket of the newest DELETE: a slot it freed may be rewritten only once it is durable. */
    private long lastDeleteTicket;
    /** Puts in flight, by key: their slot, and the future others wait on (modes that wait). */
    private final Map<Fingerprint, Pending> pending = new HashMap<>();
    /** Per slot, how many loads and {@link ValueReader}s are reading it. */
    private final Map<Integer, Integer> readers = new HashMap<>();
    /** Slots no entry owns that wait for their last reader before they are freed. */
    private final java.util.Set<Integer> freeWhenRead = new java.util.HashSet<>();
    private volatile boolean closed;
    /** Set when the journal failed: the store refuses further operations (nothing acknowledged is lost). */
    private volatile Throwable offline;

    private final Checkpointer checkpointer;

    private final LongAdder lockAcquisitions = new LongAdder();
    private final LongAdder batchSubmissions = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder checksumFailures = new LongAdder();
    private final LongAdder readErrors = new LongAdder();
    private final LongAdder writeErrors = new LongAdder();
    private final LongAdder putsStored = new LongAdder();
    private final LongAdder putsFailed = new LongAdder();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder expiredKeys = new LongAdder();
    /** Entries with an expiry time (guarded by lock): the sweep has nothing to do while there are none. */
    private long expiringEntries;
    /** The index cell the sweep looks at next (guarded by lock). */
    private long sweepAt;
    /** The generation new and rewritten entries get; {@link #clear} starts a new one (guarded by lock). */
    private byte generation;
    /** Whether a {@link #clear} is removing the entries of earlier generations (guarded by lock). */
    private boolean clearing;
    /** One clear at a time. */
    private final ReentrantLock clears = new ReentrantLock();
    private final ExpirySweep sweep;

    private Store(BlockDevice device, boolean ownsDevice, Superblock superblock, StoreOptions options,
                  RecoveryProgress progress) throws IOException {
        this.device = device;
        this.ownsDevice = ownsDevice;
        this.superblock = superblock;
        this.options = options;
        this.runtime = options.runtime();
        this.block = superblock.blockBytes();
        this.slots = SlotLayout.of(superblock);
        this.maxValueBytes = slots.maxValueBytes();
        this.placement = Placement.of(device, options.placement());
        this.io = new IoTracker(device, placement, superblock.regionBase());
        this.layout = MetadataLayout.of(superblock);
        this.classes = new SizeClasses(block, superblock.regionBytes());
        this.index = new KeyIndex(superblock.maxEntries());
        this.space = new Space(superblock.regionBase(), superblock.regionBytes(), superblock.regionCount(),
                (region, slotBytes) -> journal().append(Change.assign(region, slotBytes)));
        this.reservations = new Reservations(index, space, classes, options.eviction(), this::evict);
        try {
            this.recovery = Recovery.run(device, superblock, layout, index, space, classes, progress);
        } catch (IOException | RuntimeException e) {
            index.close();
            throw e;
        }
        for (long pos = 0; pos < index.capacity(); pos++) {
            if (index.empty(pos)) continue;
            storedPayloadBytes += index.length(pos);
            if (index.expiresAt(pos) != 0) expiringEntries++;
        }
        // Sequence numbers only grow: past everything recovered, and past the clock for good measure.
        this.seq = Math.max(recovery.maxSeq(), runtime.currentTimeMillis() << 20);
        this.journal = new Journal(device, io, layout, block, superblock.storeIdLo(), options.flush(),
                recovery.journalEnd(), recovery.journalFrom(), () -> checkpointer().request(), runtime);
        this.checkpointer = new Checkpointer(device, io, layout, block, superblock.storeIdLo(), journal, options,
                new CheckpointSource(), recovery.checkpointSeq(), runtime);
        this.sweep = options.readOnly() ? null : new ExpirySweep(this::sweepExpired, runtime);
        // What recovery decided about the journal's last group (entries dropped because their data
        // never landed, keys given back their replaced value) holds only while that group is the
        // last: a later replay would trust its PUTs. A checkpoint makes it lasting before anything
        // else is journaled.
        if ((recovery.restored() > 0 || recovery.dropped() > 0) && !options.readOnly()) {
            try {
                checkpoint();
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }
    }

    private Journal journal() {
        return journal;
    }

    private Checkpointer checkpointer() {
        return checkpointer;
    }

    /**
     * Opens the store formatted on {@code device}; the device stays the caller's to close.
     *
     * @throws IOException when the device holds no valid store of this format (see {@link StoreFormat#read})
     */
    public static Store open(BlockDevice device, StoreOptions options) throws IOException {
        return open(device, options, RecoveryProgress.NONE);
    }

    /** As {@link #open(BlockDevice, StoreOptions)}, telling {@code progress} how recovery goes. */
    public static Store open(BlockDevice device, StoreOptions options, RecoveryProgress progress) throws IOException {
        return new Store(device, false, StoreFormat.read(device), options, progress);
    }

    /** Opens the store and takes ownership of the device: closing the store closes it. */
    public static Store openOwning(BlockDevice device, StoreOptions options) throws IOException {
        return openOwning(device, options, RecoveryProgress.NONE);
    }

    /** As {@link #openOwning(BlockDevice, StoreOptions)}, telling {@code progress} how recovery goes. */
    public static Store openOwning(BlockDevice device, StoreOptions options, RecoveryProgress progress)
            throws IOException {
        try {
            return new Store(device, true, StoreFormat.read(device), options, progress);
        } catch (IOException | RuntimeException e) {
            device.close();
            throw e;
        }
    }

    /** What recovery found when the store opened. */
    public String recoverySummary() {
        Recovery.Report r = recovery;
        return "recovered " + r.entries() + " entries from checkpoint " + r.checkpointSeq() + " and " + r.replayed()
                + " journal changes (" + r.validated() + " slots checked, " + r.dropped() + " dropped) in "
                + r.millis() + " ms" + (r.problems().isEmpty() ? "" : "; " + String.join("; ", r.problems()))
                + (entryLimited() ? "; holds at most " + superblock.maxEntries() + " entries (fixed when it was"
                        + " formatted: beyond them the oldest are evicted; a store formatted now holds one per block)" : "");
    }

    /** Whether the checkpoint area, not the space, bounds the entries (a store formatted before it had room for one per block). */
    private boolean entryLimited() {
        return superblock.maxEntries() < Math.min(FormatOptions.MAX_ENTRIES, superblock.capacity() / block);
    }

    /** The geometry the store was formatted with. */
    public Superblock superblock() {
        return superblock;
    }

    /**
     * Aligned memory of the store's device: a value put from it, or loaded into it, moves between
     * the device and that memory without a copy (for values a multiple of the block size).
     */
    /** Where this store's writes go on an FDP namespace (off elsewhere). */
    public Placement placement() {
        return placement;
    }

    /** The device the store is on (for device-level reports such as FDP statistics; do not write to it). */
    public BlockDevice device() {
        return device;
    }

    public BufferArena buffers() {
        return device.buffers();
    }

    /**
     * The largest value a put accepts, in bytes: a whole region (its header in the header table,
     * see {@link SlotLayout}), or in a store of format version 2 and before a region less its header
     * block. A key longer than 4032 bytes needs one block more.
     */
    public long maxValueBytes() {
        return maxValueBytes;
    }

    // ------------------------------------------------------------------ validation

    /** Starts an operation: fails if the store is closed, else keeps close waiting until {@link #end}. */
    private void begin() {
        lifecycle.readLock().lock();
        if (closed || offline != null) {
            lifecycle.readLock().unlock();
            throw new IllegalStateException("store on " + device.path()
                    + (closed ? " is closed" : " is offline after a journal failure: " + offline.getMessage()));
        }
    }

    private void end() {
        lifecycle.readLock().unlock();
    }

    /** Refuses a change to a store opened {@link StoreOptions#readOnly() read-only}. */
    private void checkWritable(String what) {
        if (options.readOnly()) {
            throw new IllegalStateException("store on " + device.path() + " is open read-only: cannot " + what);
        }
    }

    /** Runs one public operation between {@link #begin} and {@link #end}. */
    private <T> T guarded(java.util.function.Supplier<T> operation) {
        begin();
        try {
            return operation.get();
        } finally {
            end();
        }
    }

    private static void checkKeys(List<byte[]> keys) {
        Objects.requireNonNull(keys, "keys");
        for (int i = 0; i < keys.size(); i++) {
            byte[] k = keys.get(i);
            if (k == null) throw new IllegalArgumentException("key " + i + " is null");
            if (k.length == 0) throw new IllegalArgumentException("key " + i + " is empty");
            if (k.length > SlotHeader.MAX_KEY_BYTES) {
                throw new IllegalArgumentException("key " + i + " has " + k.length + " bytes; the maximum is "
                        + SlotHeader.MAX_KEY_BYTES);
            }
        }
    }

    private static void checkPairs(List<byte[]> keys, List<MemorySegment> segments, String what) {
        checkKeys(keys);
        Objects.requireNonNull(segments, what);
        if (keys.size() != segments.size()) {
            throw new IllegalArgumentException(keys.size() + " keys but " + segments.size() + " " + what);
        }
        for (int i = 0; i < segments.size(); i++) {
            if (segments.get(i) == null) throw new IllegalArgumentException(what + " " + i + " is null");
        }
    }

    private void lock() {
        lock.lock();
        lockAcquisitions.increment();
    }

    // ------------------------------------------------------------------ put

    /**
     * A key of a put batch that got a slot and is being written; with {@code replaces}, the key's
     * stored value stays readable in its own slot until the commit. {@code placement} is the FDP
     * placement identifier of its writes, chosen by the slot size of its region, not by the bytes
     * this value writes: every value in a region then goes to one handle, so the region's data is
     * written, and later invalidated, in one reclaim unit stream, even when its size class (a
     * geometric class, or a borrowed larger slot) holds values on both sides of a band boundary.
     */
    private record Planned(int key, Fingerprint fp, int slotId, SlotLayout.Place place, long length, long ioBytes,
                           long seq, boolean replaces, long expiresAt, int placement) {}

    /** A put in flight: the slot it writes, and what completes when it has ended, stored or not. */
    private record Pending(int slotId, CompletableFuture<Void> ended) {}

    /**
     * Stores each value under its key, the first value winning ({@link PutMode#FIRST}). See the
     * class comment for the per-key outcomes.
     *
     * @return per key, what happened; {@link PutResult#stored()} tells whether the key is stored now
     */
    public PutResult[] putMany(List<byte[]> keys, List<MemorySegment> values) {
        return putMany(keys, values, PutMode.FIRST);
    }

    /**
     * Stores each value under its key; {@code mode} says what happens to a key that is stored
     * already or being written by another put. Of one key given twice, one value is written (the
     * first, or with {@link PutMode#REPLACE} the last) and both get its result.
     */
    public PutResult[] putMany(List<byte[]> keys, List<MemorySegment> values, PutMode mode) {
        return putMany(keys, values, mode, null);
    }

    /**
     * As {@link #putMany(List, List, PutMode)}, each key with an expiry time: epoch milliseconds
     * after which it is gone (never served again, its space reclaimed), 0 for none, or
     * {@link #KEEP_EXPIRY} to keep the replaced value's. {@code expiresAt} may be null: no expiry.
     */
    public PutResult[] putMany(List<byte[]> keys, List<MemorySegment> values, PutMode mode, long[] expiresAt) {
        checkPairs(keys, values, "values");
        Objects.requireNonNull(mode, "mode");
        checkExpiries(keys.size(), expiresAt);
        checkWritable("put");
        return guarded(() -> putBatch(keys, values, mode, expiresAt == null ? new long[keys.size()] : expiresAt));
    }

    /** Expiry times need a store of format version 2 (its checkpoints keep them); times are > 0 or KEEP_EXPIRY. */
    private void checkExpiries(int n, long[] expiresAt) {
        if (expiresAt == null) return;
        if (expiresAt.length != n) throw new IllegalArgumentException(n + " keys but " + expiresAt.length + " expiry times");
        for (long t : expiresAt) {
            if (t < KEEP_EXPIRY) throw new IllegalArgumentException("expiry time " + t + " is not a time");
            if (t != 0 && !superblock.keepsExpiry()) {
                throw new IllegalStateException("store on " + device.path() + " was formatted by an earlier rawblock"
                        + " (format version " + superblock.version() + ") and keeps no expiry times; reformat it to use them");
            }
        }
    }

    private PutResult[] putBatch(List<byte[]> keys, List<MemorySegment> values, PutMode mode, long[] expiresAt) {
        int n = keys.size();
        PutResult[] results = new PutResult[n];
        Fingerprint[] fps = new Fingerprint[n];
        long[] lengths = new long[n];
        Map<Fingerprint, Integer> chosen = new HashMap<>();
        for (int i = 0; i < n; i++) {
            fps[i] = Fingerprint.of(keys.get(i));
            lengths[i] = values.get(i).byteSize();
            int at = i;
            chosen.merge(fps[i], i, (first, later) -> mode == PutMode.REPLACE ? at : first);
        }
        int[] winner = new int[n];
        for (int i = 0; i < n; i++) winner[i] = chosen.get(fps[i]);
        // Keys that met another put of theirs wait for it, outside the lock, and are planned again.
        for (Plan plan = plan(keys, fps, winner, lengths, expiresAt, results, mode); ;
             plan = plan(keys, fps, winner, lengths, expiresAt, results, mode)) {
            // A slot freed by a delete or eviction is rewritten only after that delete is durable:
            // otherwise a crash could bring back the old entry pointing at new data.
            boolean[] written = plan.planned.isEmpty() || awaitDurable(plan.deleteMarker)
                    ? write(plan.planned, keys, values) : new boolean[plan.planned.size()];
            commit(plan.planned, written, results);
            if (plan.waits.isEmpty()) break;
            plan.waits.forEach(CompletableFuture::join);
        }
        for (int i = 0; i < n; i++) {
            if (winner[i] != i) results[i] = results[winner[i]];
        }
        return results;
    }

    /**
     * Starts a put of a value that arrives in pieces ({@link PutStream}), the first value winning
     * ({@link PutMode#FIRST}).
     */
    public PutStream beginPut(byte[] key, long length) {
        return beginPut(key, length, PutMode.FIRST, 0);
    }

    /**
     * Starts a put of a value that arrives in pieces ({@link PutStream}): for callers that write a
     * large value while they receive it. Values small enough to live in their slot header are
     * stored with {@link #putMany}. With {@link PutMode#REPLACE} or {@link PutMode#IF_ABSENT}, a
     * put of the key already in flight is waited for first. {@code expiresAt} is as for
     * {@link #putMany(List, List, PutMode, long[])}.
     *
     * @return an open stream, or one whose {@link PutStream#refusal} says why the put cannot start
     */
    public PutStream beginPut(byte[] key, long length, PutMode mode, long expiresAt) {
        checkKeys(List.of(key));
        Objects.requireNonNull(mode, "mode");
        checkExpiries(1, new long[] {expiresAt});
        if (length < 1 || SlotHeader.inline(key.length, length, block)) {
            throw new IllegalArgumentException("a value of " + length + " bytes fits in its slot header: use putMany");
        }
        checkWritable("put");
        return guarded(() -> {
            List<byte[]> keys = List.of(key);
            Fingerprint[] fps = {Fingerprint.of(key)};
            PutResult[] result = new PutResult[1];
            Plan plan;
            while (!(plan = plan(keys, fps, new int[1], new long[] {length}, new long[] {expiresAt}, result, mode))
                    .waits.isEmpty()) {
                plan.waits.getFirst().join();
            }
            if (plan.planned.isEmpty()) {
                (result[0].stored() ? putsStored : putsFailed).increment();
                return PutStream.refused(result[0]);
            }
            Planned p = plan.planned.getFirst();
            int headerBytes = SlotHeader.headerBytes(key.length, length, block);
            return new PutStream(this, key.clone(), new Reserved(p, plan.deleteMarker, headerBytes, superblock.storeIdLo()),
                    length, block);
        });
    }

    /** A slot a {@link PutStream} writes: where, for which key, and what must be durable first. */
    record Reserved(Planned planned, long deleteMarker, int headerBytes, long storeId) {
        Fingerprint fp() {
            return planned.fp();
        }

        long seq() {
            return planned.seq();
        }

        SlotLayout.Place place() {
            return planned.place();
        }
    }

    boolean awaitDeleteDurable(Reserved slot) {
        return awaitDurable(slot.deleteMarker());
    }

    /** Writes {@code data} as the bytes of the slot's image from {@code from} on (see {@link SlotLayout}). */
    CompletableFuture<Void> submitWrite(Reserved slot, long from, MemorySegment data) {
        return SlotLayout.all(submitOrFail(slot.place().write(from, data, slot.planned().placement())));
    }

    /** Ends a {@link PutStream}: stores and journals the key if {@code written}, else frees the slot. */
    PutResult finishPut(Reserved slot, boolean written) {
        return guarded(() -> {
            PutResult[] result = new PutResult[1];
            commit(List.of(slot.planned()), new boolean[] {written}, result);
            return result[0];
        });
    }

    /**
     * The slots a put reserved, the delete that must be durable before they are written, and the
     * ends of other puts that keys of this one wait for.
     */
    private record Plan(List<Planned> planned, long deleteMarker, List<CompletableFuture<Void>> waits) {}

    /**
     * Under the lock, per key that is its batch's {@code winner} and has no result yet: its outcome
     * now (ALREADY_STORED, BUSY, TOO_LARGE, NO_SPACE) in {@code results}; or a reserved slot, the
     * key indexed as being written (or, replacing, its stored value marked REPLACING); or, when
     * another put of the key is in flight and {@code mode} waits, that put's end in the plan's waits.
     */
    private Plan plan(List<byte[]> keys, Fingerprint[] fps, int[] winner, long[] lengths, long[] expiresAt,
                      PutResult[] results, PutMode mode) {
        List<Planned> planned = new ArrayList<>();
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        lock();
        try {
            int now = ++clock;
            long nowMillis = runtime.currentTimeMillis();
            for (int i = 0; i < keys.size(); i++) {
                if (winner[i] != i || results[i] != null) continue;
                Pending inFlight = pending.get(fps[i]);
                if (inFlight != null) {
                    if (mode == PutMode.FIRST) results[i] = PutResult.BUSY;
                    else waits.add(inFlight.ended());
                    continue;
                }
                long pos = index.find(fps[i]);
                if (pos >= 0 && stale(pos)) { // cleared already: the CLEAR in the journal covers it
                    remove(pos);
                    pos = -1;
                }
                if (pos >= 0 && index.expired(pos, nowMillis) && reap(pos)) pos = -1; // an expired key is absent
                boolean replaces = pos >= 0;
                assert !replaces || index.state(pos) == KeyIndex.STORED : "a cell without a pending put is stored";
                if (replaces && mode != PutMode.REPLACE) {
                    results[i] = PutResult.ALREADY_STORED;
                    touch(pos, now);
                    continue;
                }
                long length = lengths[i];
                long need = slots.need(keys.get(i).length, length);
                int cls = length > maxValueBytes ? -1 : classes.classFor(need, c -> space.regionsOf(c).isEmpty());
                if (cls < 0) {
                    results[i] = PutResult.TOO_LARGE;
                    continue;
                }
                // The stored value stays readable, and out of reach of the evictions reserve may do.
                if (replaces) index.setState(pos, KeyIndex.REPLACING);
                int slotId = reservations.reserve(cls, need);
                if (replaces) pos = index.find(fps[i]); // evictions move cells
                if (slotId == Space.NONE) {
                    if (replaces) index.setState(pos, KeyIndex.STORED);
                    results[i] = PutResult.NO_SPACE;
                    options.events().outOfSpace();
                    continue;
                }
                if (replaces) {
                    space.park(slotId); // no cell owns the new slot until the commit
                    touch(pos, now);
                } else {
                    pos = index.insert(fps[i], slotId, length, now, space::moved);
                    index.setGeneration(pos, generation);
                    space.moved(slotId, pos);
                }
                space.region(Space.regionOf(slotId)).lastAccess = now;
                pending.put(fps[i], new Pending(slotId, runtime.newFuture()));
                planned.add(new Planned(i, fps[i], slotId, place(slotId), length,
                        SlotHeader.ioBytes(keys.get(i).length, length, block), ++seq, replaces, expiresAt[i],
                        placement.forSlot(space.region(Space.regionOf(slotId)).slotBytes)));
            }
            return new Plan(planned, lastDeleteTicket, waits);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under the lock, marks each planned slot that was {@code written} as stored and journals it
     * (a replacement takes over the key's cell in the same step, its old slot parked), or frees it
     * (WRITE_FAILED, or CANCELED when a delete came meanwhile; a replaced value then stays as it
     * was). Then waits until the journal holds the stored ones durably (acknowledged means
     * durable), frees the replaced values' old slots, and ends the puts for whoever waits on them.
     * Counts every outcome.
     */
    private void commit(List<Planned> planned, boolean[] written, PutResult[] results) {
        long ticket = 0;
        List<Integer> replacedSlots = new ArrayList<>();
        List<Pending> ended = new ArrayList<>(planned.size());
        lock();
        try {
            for (int p = 0; p < planned.size(); p++) {
                Planned pl = planned.get(p);
                ended.add(pending.remove(pl.fp));
                long pos = index.find(pl.fp);
                byte state = index.state(pos);
                if (state == KeyIndex.CANCELED) {
                    results[pl.key] = PutResult.CANCELED;
                    remove(pos);
                } else if (!written[p]) {
                    results[pl.key] = PutResult.WRITE_FAILED;
                    if (state == KeyIndex.REPLACING) {
                        index.setState(pos, KeyIndex.STORED);
                        releaseSlot(pl.slotId);
                    } else {
                        remove(pos);
                    }
                } else {
                    long expiresAt = pl.expiresAt == KEEP_EXPIRY ? (pl.replaces ? index.expiresAt(pos) : 0) : pl.expiresAt;
                    if (state == KeyIndex.REPLACING) {
                        int old = index.slotId(pos);
                        storedPayloadBytes -= index.length(pos);
                        index.setSlot(pos, pl.slotId, pl.length);
                        space.moved(pl.slotId, pos);
                        space.park(old); // until the new value is durable, a crash brings the old one back
                        replacedSlots.add(old);
                    }
                    index.setState(pos, KeyIndex.STORED);
                    index.setGeneration(pos, generation);
                    storedPayloadBytes += pl.length;
                    results[pl.key] = PutResult.STORED;
                    ticket = journal.append(Change.put(pl.fp, pl.slotId, pl.length, pl.seq));
                    // A PUT clears the expiry in replay; an expiring value's EXPIRE follows it in the same group.
                    setExpiry(pos, expiresAt);
                    if (expiresAt != 0) ticket = journal.append(Change.expire(pl.fp, expiresAt));
                }
            }
        } finally {
            lock.unlock();
        }
        if (ticket != 0 && !awaitDurable(ticket)) {
            unstore(planned, results); // offline now: the replaced values' old slots stay parked
        } else if (!replacedSlots.isEmpty()) {
            lock();
            try {
                replacedSlots.forEach(this::releaseSlot);
            } finally {
                lock.unlock();
            }
        }
        for (Pending e : ended) e.ended().complete(null);
        for (PutResult r : results) if (r != null) (r.stored() ? putsStored : putsFailed).increment();
    }

    /** Waits until the journal is durable up to {@code ticket}; false (and the store offline) if it failed. */
    private boolean awaitDurable(long ticket) {
        if (ticket == 0) return true;
        try {
            journal.sync(ticket).join();
            return true;
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (offline == null) options.events().journalFailed(cause);
            offline = cause;
            return false;
        }
    }

    /** As {@link #awaitDurable}, for operations that report a journal failure by throwing. */
    private void requireDurable(long ticket) {
        if (!awaitDurable(ticket)) {
            throw new IllegalStateException("store on " + device.path() + " is offline after a journal failure: "
                    + offline.getMessage(), offline);
        }
    }

    /** The journal failed before these puts were durable: take back the ones that were indexed. */
    private void unstore(List<Planned> planned, PutResult[] results) {
        lock();
        try {
            for (Planned pl : planned) {
                if (results[pl.key] != PutResult.STORED) continue;
                long pos = index.find(pl.fp);
                if (pos >= 0 && index.slotId(pos) == pl.slotId) remove(pos);
                results[pl.key] = PutResult.WRITE_FAILED;
            }
        } finally {
            lock.unlock();
        }
    }

    private void evict(long pos) {
        forget(pos);
        evictions.increment();
        options.events().evicted();
    }

    /**
     * Removes a stored entry and records the delete in the journal (under the store lock); a
     * read-only store only forgets it in memory.
     */
    private void forget(long pos) {
        if (!options.readOnly()) {
            lastDeleteTicket = journal.append(Change.delete(new Fingerprint(index.fpHi(pos), index.fpLo(pos))));
        }
        remove(pos);
    }

    /** Removes an entry and frees its slot. */
    private void remove(long pos) {
        int slotId = index.slotId(pos);
        if (index.state(pos) == KeyIndex.STORED) storedPayloadBytes -= index.length(pos);
        setExpiry(pos, 0);
        if (index.pins(pos) > 0) pinnedEntries--;
        index.remove(pos, space::moved);
        releaseSlot(slotId);
    }

    /** Whether the entry is of a generation a {@link #clear} in progress is removing: it is gone already. */
    private boolean stale(long pos) {
        return clearing && index.generation(pos) != generation;
    }

    /** Sets an entry's expiry time, keeping the count of entries that have one. */
    private void setExpiry(long pos, long expiresAt) {
        long was = index.expiresAt(pos);
        if ((was != 0) != (expiresAt != 0)) expiringEntries += expiresAt != 0 ? 1 : -1;
        index.setExpiresAt(pos, expiresAt);
    }

    /**
     * Removes an entry whose expiry time has passed (journaling the delete, as a delete does; pins
     * do not keep an expired value), unless a replacement of it is being written: that one takes
     * its place, and lookups treat it as absent meanwhile. True when it was removed.
     */
    private boolean reap(long pos) {
        if (index.state(pos) != KeyIndex.STORED || options.readOnly()) return false;
        forget(pos);
        expiredKeys.increment();
        return true;
    }

    /** Whether the entry at {@code pos} can be served now: loadable and not expired (an expired one is reaped). */
    private boolean live(long pos, long nowMillis) {
        if (pos < 0 || !index.readable(pos) || stale(pos)) return false;
        if (!index.expired(pos, nowMillis)) return true;
        reap(pos);
        return false;
    }

    /**
     * Frees a slot no entry owns any more; one that a load or a {@link ValueReader} is still
     * reading stays parked until the last of them is done, so a read never meets another value's
     * bytes (nor the same key's next value written into the same slot).
     */
    private void releaseSlot(int slotId) {
        if (readers.containsKey(slotId)) {
            space.park(slotId);
            freeWhenRead.add(slotId);
        } else {
            space.free(slotId);
        }
    }

    /**
     * The index position of the loadable entry whose value is in {@code slotId}, or -1 when the
     * slot is free, parked, or holds a value still being written (for scans that go slot by slot).
     */
    private long entryIn(int slotId) {
        long pos = space.positionOf(slotId);
        return pos >= 0 && index.readable(pos) && index.slotId(pos) == slotId && !stale(pos) ? pos : -1;
    }

    /** Under the lock: where the image of a used slot lives. */
    private SlotLayout.Place place(int slotId) {
        return slots.place(slotId, space.region(Space.regionOf(slotId)).slotBytes);
    }

    private void touch(long pos, int now) {
        index.touch(pos, now);
        space.region(Space.regionOf(index.slotId(pos))).lastAccess = now;
    }

    /**
     * Encodes and writes the planned slots, in submissions of at most {@code maxBatchBytes} of
     * staging memory each. Returns, per planned key, whether its write succeeded.
     */
    private boolean[] write(List<Planned> planned, List<byte[]> keys, List<MemorySegment> values) {
        boolean[] ok = new boolean[planned.size()];
        for (int[] run : runs(planned.size(), p -> planned.get(p).ioBytes)) {
            int start = run[0], end = run[1];
            List<IoBuffer> buffers = new ArrayList<>(end - start);
            List<IoOp> ops = new ArrayList<>(2 * (end - start));
            List<Integer> owner = new ArrayList<>(2 * (end - start)); // planned index of each op
            try {
                for (int p = start; p < end; p++) {
                    Planned pl = planned.get(p);
                    byte[] key = keys.get(pl.key);
                    MemorySegment value = values.get(pl.key);
                    try {
                        if (zeroCopy(value, key.length, value.byteSize(), SlotHeader.roundUp(value.byteSize(), block))) {
                            // Header blocks from a staging buffer, the payload straight from the caller's memory.
                            int headerBytes = SlotHeader.headerBytes(key.length, value.byteSize(), block);
                            IoBuffer header = device.buffers().allocate(headerBytes);
                            buffers.add(header);
                            SlotHeader.encodeHeader(header.segment(), key, pl.fp, superblock.storeIdLo(), pl.seq, value, block);
                            for (IoOp op : pl.place.write(0, header.segment(), pl.placement)) {
                                ops.add(op);
                                owner.add(p);
                            }
                            ops.add(IoOp.write(pl.place.payload(headerBytes), value, pl.placement));
                            owner.add(p);
                        } else {
                            IoBuffer slot = device.buffers().allocate(pl.ioBytes);
                            buffers.add(slot);
                            SlotHeader.encode(slot.segment(), key, pl.fp, superblock.storeIdLo(), pl.seq, value, block);
                            for (IoOp op : pl.place.write(0, slot.segment(), pl.placement)) {
                                ops.add(op);
                                owner.add(p);
                            }
                        }
                    } catch (RuntimeException e) {
                        writeErrors.increment(); // a preparation failure fails this key alone
                    }
                }
                List<CompletableFuture<Void>> futures = submitOrFail(ops);
                boolean[] prepared = new boolean[end - start], failed = new boolean[end - start];
                for (int i = 0; i < futures.size(); i++) {
                    prepared[owner.get(i) - start] = true;
                    failed[owner.get(i) - start] |= !succeeded(futures.get(i));
                }
                for (int p = start; p < end; p++) {
                    if (!prepared[p - start]) continue; // its preparation failed (already counted)
                    if (failed[p - start]) writeErrors.increment();
                    else ok[p] = true;
                }
            } finally {
                for (IoBuffer b : buffers) b.close();
            }
        }
        return ok;
    }

    /**
     * Cuts {@code [0, n)} into runs whose staging bytes stay within {@link StoreOptions#maxBatchBytes()}
     * (a run always holds at least one item): one device submission each.
     */
    private List<int[]> runs(int n, java.util.function.IntToLongFunction bytesOf) {
        List<int[]> runs = new ArrayList<>();
        for (int start = 0; start < n; ) {
            int end = start;
            long bytes = 0;
            while (end < n && (end == start || bytes + bytesOf.applyAsLong(end) <= options.maxBatchBytes())) {
                bytes += bytesOf.applyAsLong(end++);
            }
            runs.add(new int[] {start, end});
            start = end;
        }
        return runs;
    }

    /**
     * Submits a batch; if the submission itself throws, every operation of it counts as failed
     * (none of its keys will be indexed), rather than the exception escaping with state half-made.
     */
    private List<CompletableFuture<Void>> submitOrFail(List<IoOp> ops) {
        batchSubmissions.increment();
        try {
            return io.submit(ops);
        } catch (RuntimeException e) {
            return ops.stream().map(op -> CompletableFuture.<Void>failedFuture(e)).toList();
        }
    }

    // ------------------------------------------------------------------ load

    /** A key of a load batch that was found in the index. */
    private record Found(int key, Fingerprint fp, int slotId, SlotLayout.Place place, long length, long ioBytes) {}

    /**
     * Loads each key's value into its destination.
     *
     * A destination that is native, aligned for direct I/O and at least the value's length rounded
     * up to the block receives the payload straight from the device (zero-copy); after a
     * {@link #MISS} its contents are then undefined.
     *
     * @return per key: the value's length in bytes (the bytes now at the start of the destination),
     *         {@link #MISS}, or {@link #DESTINATION_TOO_SMALL}
     */
    public long[] loadMany(List<byte[]> keys, List<MemorySegment> destinations) {
        checkPairs(keys, destinations, "destinations");
        return guarded(() -> loadBatch(keys, destinations));
    }

    /**
     * Looks the keys up and leases their slots in one lock hold, reads them in one submission, then
     * gives the leases back: a slot freed meanwhile (its key deleted or replaced) is not reused
     * until then, so a read finds the value it looked up, or corruption.
     */
    private long[] loadBatch(List<byte[]> keys, List<MemorySegment> destinations) {
        long[] results = new long[keys.size()];
        Arrays.fill(results, MISS);
        List<Found> found = new ArrayList<>();
        lock();
        try {
            int now = ++clock;
            long nowMillis = runtime.currentTimeMillis();
            for (int i = 0; i < keys.size(); i++) {
                Fingerprint fp = Fingerprint.of(keys.get(i));
                long pos = index.find(fp);
                if (!live(pos, nowMillis)) continue;
                long length = index.length(pos);
                if (destinations.get(i).byteSize() < length) {
                    results[i] = DESTINATION_TOO_SMALL;
                    continue;
                }
                touch(pos, now);
                int slotId = index.slotId(pos);
                readers.merge(slotId, 1, Integer::sum); // not reused while it is read (see releaseSlot)
                found.add(new Found(i, fp, slotId, place(slotId), length,
                        SlotHeader.ioBytes(keys.get(i).length, length, block)));
            }
        } finally {
            lock.unlock();
        }

        List<Found> corrupt = new ArrayList<>();
        try {
            readFound(keys, destinations, found, results, corrupt);
        } finally {
            lock();
            try {
                for (Found f : found) unlease(f.slotId);
            } finally {
                lock.unlock();
            }
        }
        if (!corrupt.isEmpty()) dropCorrupt(corrupt);
        for (long r : results) (r >= 0 ? hits : misses).increment();
        return results;
    }

    /** Reads and verifies the found slots into their destinations; those failing verification go to {@code corrupt}. */
    private void readFound(List<byte[]> keys, List<MemorySegment> destinations, List<Found> found, long[] results,
                           List<Found> corrupt) {
        for (int[] run : runs(found.size(), f -> found.get(f).ioBytes)) {
            int start = run[0], end = run[1];
            List<IoBuffer> buffers = new ArrayList<>(end - start);
            try {
                // Per key: its slot image into a staging buffer, or (zero-copy) its header blocks into a
                // staging buffer and its payload straight into the caller's destination; each one or
                // two operations (see SlotLayout).
                List<IoOp> ops = new ArrayList<>(2 * (end - start));
                boolean[] direct = new boolean[end - start];
                int[] opEnd = new int[end - start];
                MemorySegment[] image = new MemorySegment[end - start];
                for (int f = start; f < end; f++) {
                    Found fd = found.get(f);
                    int keyLen = keys.get(fd.key).length;
                    MemorySegment dst = destinations.get(fd.key);
                    direct[f - start] = zeroCopy(dst, keyLen, fd.length, SlotHeader.roundUp(fd.length, block));
                    if (direct[f - start]) {
                        int headerBytes = SlotHeader.headerBytes(keyLen, fd.length, block);
                        IoBuffer header = device.buffers().allocate(headerBytes);
                        buffers.add(header);
                        ops.addAll(fd.place.read(0, header.segment()));
                        ops.add(IoOp.read(fd.place.payload(headerBytes), dst.asSlice(0, SlotHeader.roundUp(fd.length, block))));
                        image[f - start] = header.segment();
                    } else {
                        IoBuffer slot = device.buffers().allocate(fd.ioBytes);
                        buffers.add(slot);
                        ops.addAll(fd.place.read(0, slot.segment()));
                        image[f - start] = slot.segment();
                    }
                    opEnd[f - start] = ops.size();
                }
                List<CompletableFuture<Void>> futures = submitOrFail(ops);
                for (int f = start, op = 0; f < end; f++) {
                    Found fd = found.get(f);
                    boolean zc = direct[f - start];
                    boolean ok = true;
                    for (; op < opEnd[f - start]; op++) ok &= succeeded(futures.get(op));
                    if (!ok) {
                        readErrors.increment();
                        continue;
                    }
                    byte[] key = keys.get(fd.key);
                    MemorySegment dst = destinations.get(fd.key);
                    MemorySegment read = image[f - start];
                    String problem = zc
                            ? SlotHeader.verify(read, dst.asSlice(0, fd.length), key, superblock.storeIdLo(), fd.length, block)
                            : SlotHeader.verify(read, key, superblock.storeIdLo(), fd.length, block);
                    if (problem != null) {
                        corrupt.add(fd);
                        continue;
                    }
                    if (!zc) MemorySegment.copy(SlotHeader.payload(read, key.length, fd.length, block), 0, dst, 0, fd.length);
                    results[fd.key] = fd.length;
                }
            } finally {
                for (IoBuffer b : buffers) b.close();
            }
        }
    }

    /**
     * Opens {@code key}'s value for reading in pieces ({@link ValueReader}): for callers that pass
     * large values on while they are read. The lookup counts as an access for eviction.
     *
     * @return null when the key is not stored, or when its value is small enough to live inside its
     *         slot header (load those with {@link #loadMany})
     */
    public ValueReader openReader(byte[] key) {
        checkKeys(List.of(key));
        return guarded(() -> {
            Fingerprint fp = Fingerprint.of(key);
            int slotId;
            long length;
            SlotLayout.Place place;
            lock();
            try {
                long pos = index.find(fp);
                if (!live(pos, runtime.currentTimeMillis())) {
                    misses.increment();
                    return null;
                }
                length = index.length(pos);
                if (SlotHeader.inline(key.length, length, block)) return null;
                touch(pos, ++clock);
                slotId = index.slotId(pos);
                place = place(slotId);
                readers.merge(slotId, 1, Integer::sum); // the slot stays this value's until the reader closes
            } finally {
                lock.unlock();
            }
            return new ValueReader(this, key.clone(), fp, slotId, place, length,
                    superblock.storeIdLo(), block, io);
        });
    }

    /** A {@link ValueReader} is done with its slot: a slot freed meanwhile is free now. */
    void readerClosed(int slotId) {
        lock.lock();
        try {
            unlease(slotId);
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: one reader of the slot is done; a slot freed while it was read is free now. */
    private void unlease(int slotId) {
        if (readers.merge(slotId, -1, Integer::sum) == 0) {
            readers.remove(slotId);
            if (freeWhenRead.remove(slotId)) space.free(slotId);
        }
    }

    /** A {@link ValueReader}'s verdict: the value served, or a miss. */
    void countLoad(boolean hit) {
        (hit ? hits : misses).increment();
    }

    void countReadError() {
        readErrors.increment();
    }

    /** A {@link ValueReader} found its slot failing verification. */
    void dropIfCorrupt(Fingerprint fp, int slotId) {
        dropCorrupt(List.of(new Found(-1, fp, slotId, null, 0, 0)));
    }

    /**
     * Whether a value's payload can move straight between the device and {@code memory}: native,
     * aligned for direct I/O, room for the padded length, and the value not inline in its header.
     */
    private boolean zeroCopy(MemorySegment memory, int keyLength, long length, long paddedLength) {
        return memory.isNative() && memory.address() % device.alignment() == 0 && memory.byteSize() >= paddedLength
                && !SlotHeader.inline(keyLength, length, block) && memory.isAccessibleBy(ANY_THREAD);
    }

    /** Memory this never-started thread may touch is not confined: an engine's threads may touch it too. */
    private static final Thread ANY_THREAD = Thread.ofPlatform().unstarted(() -> { });

    private static boolean succeeded(CompletableFuture<Void> f) {
        try {
            f.join();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Drops entries whose slot failed verification, unless the entry changed meanwhile (deleted,
     * evicted or replaced since the read: the slot that failed is no longer its own).
     */
    private void dropCorrupt(List<Found> corrupt) {
        int dropped = 0;
        lock();
        try {
            for (Found f : corrupt) {
                long pos = index.find(f.fp);
                if (pos >= 0 && index.slotId(pos) == f.slotId && index.state(pos) == KeyIndex.STORED) {
                    checksumFailures.increment();
                    forget(pos);
                    dropped++;
                }
            }
        } finally {
            lock.unlock();
        }
        if (dropped > 0) options.events().corruptDropped(dropped);
    }

    // ------------------------------------------------------------------ lookups, pins, delete

    /**
     * Per key, whether it is stored. With {@code lock}, each hit is pinned in the same lock hold
     * (lookup-and-lock): it cannot be evicted, and a non-forced delete is refused, until {@link #unlock}.
     */
    public boolean[] existsMany(List<byte[]> keys, boolean lock) {
        checkKeys(keys);
        return guarded(() -> lookup(keys, lock));
    }

    private boolean[] lookup(List<byte[]> keys, boolean lock) {
        boolean[] hit = new boolean[keys.size()];
        long nowMillis = runtime.currentTimeMillis();
        lock();
        try {
            for (int i = 0; i < keys.size(); i++) {
                long pos = index.find(Fingerprint.of(keys.get(i)));
                if (!live(pos, nowMillis)) continue;
                hit[i] = true;
                if (lock) pin(pos);
            }
        } finally {
            this.lock.unlock();
        }
        return hit;
    }

    /** Per key, the stored value's length in bytes, or {@link #MISS}. */
    public long[] lengths(List<byte[]> keys) {
        checkKeys(keys);
        begin();
        lock();
        try {
            long[] out = new long[keys.size()];
            long nowMillis = runtime.currentTimeMillis();
            for (int i = 0; i < out.length; i++) {
                long pos = index.find(Fingerprint.of(keys.get(i)));
                out[i] = live(pos, nowMillis) ? index.length(pos) : MISS;
            }
            return out;
        } finally {
            lock.unlock();
            end();
        }
    }

    /**
     * The number of leading keys that are stored, stopping at the first miss (later hits do not
     * count). With {@code lock}, those leading hits are pinned.
     */
    public int prefixHits(List<byte[]> keys, boolean lock) {
        checkKeys(keys);
        return guarded(() -> countPrefix(keys, lock));
    }

    private int countPrefix(List<byte[]> keys, boolean lock) {
        long nowMillis = runtime.currentTimeMillis();
        lock();
        try {
            int count = 0;
            for (byte[] key : keys) {
                long pos = index.find(Fingerprint.of(key));
                if (!live(pos, nowMillis)) break;
                if (lock) pin(pos);
                count++;
            }
            return count;
        } finally {
            this.lock.unlock();
        }
    }

    private void pin(long pos) {
        int pins = index.pins(pos);
        if (pins == 0) pinnedEntries++;
        index.setPins(pos, pins + 1);
    }

    /** Releases one pin of each key; keys that are absent or unpinned are ignored. */
    public void unlock(List<byte[]> keys) {
        checkKeys(keys);
        begin();
        lock();
        try {
            for (byte[] key : keys) {
                long pos = index.find(Fingerprint.of(key));
                if (pos < 0 || index.pins(pos) == 0) continue;
                index.setPins(pos, index.pins(pos) - 1);
                if (index.pins(pos) == 0) pinnedEntries--;
            }
        } finally {
            lock.unlock();
            end();
        }
    }

    /**
     * Deletes each key. A pinned key is kept unless {@code force}. A key being written is canceled:
     * its put fails and frees the slot.
     *
     * @return per key, whether it was stored (or being written) and is now gone
     */
    public boolean[] deleteMany(List<byte[]> keys, boolean force) {
        checkKeys(keys);
        checkWritable("delete");
        return guarded(() -> deleteBatch(keys, force));
    }

    private boolean[] deleteBatch(List<byte[]> keys, boolean force) {
        boolean[] deleted = new boolean[keys.size()];
        long ticket = 0;
        long nowMillis = runtime.currentTimeMillis();
        lock();
        try {
            for (int i = 0; i < keys.size(); i++) {
                Fingerprint fp = Fingerprint.of(keys.get(i));
                long pos = index.find(fp);
                if (pos < 0) continue;
                switch (index.state(pos)) {
                    case KeyIndex.WRITING -> {
                        index.setState(pos, KeyIndex.CANCELED);
                        deleted[i] = true;
                    }
                    case KeyIndex.REPLACING -> {
                        if (index.pins(pos) > 0 && !force) continue;
                        cancelReplacement(fp, pos, true);
                        ticket = lastDeleteTicket;
                        deleted[i] = true;
                    }
                    case KeyIndex.STORED -> {
                        if (index.expired(pos, nowMillis)) { // gone already: not deleted by this call
                            reap(pos);
                        } else {
                            if (index.pins(pos) > 0 && !force) continue;
                            forget(pos);
                            deleted[i] = true;
                        }
                        ticket = lastDeleteTicket;
                    }
                    default -> { } // already canceled
                }
            }
        } finally {
            lock.unlock();
        }
        // Acknowledged means durable: a delete that returned true stays deleted after a crash.
        requireDurable(ticket);
        return deleted;
    }

    /**
     * Deletes every entry (Redis {@code FLUSHALL}), durably, without holding the store lock for
     * work that grows with the entries: one CLEAR journal record and a new generation, in one short
     * hold; from then on every lookup, scan and checkpoint treats entries of earlier generations as
     * gone; then the regions are swept one hold at a time, removing them (puts of them in flight
     * end CANCELED). Entries written after the CLEAR are kept, in memory as in the journal.
     *
     * @return entries removed
     */
    public long clear() {
        checkWritable("clear");
        return guarded(() -> {
            clears.lock();
            try {
                long ticket;
                lock();
                try {
                    generation++;
                    clearing = true;
                    ticket = lastDeleteTicket = journal.append(Change.clear());
                } finally {
                    lock.unlock();
                }
                long removed = 0;
                for (int r = 0; r < space.regionCount(); r++) {
                    lock();
                    try {
                        removed += clearRegion(space.region(r));
                    } finally {
                        lock.unlock();
                    }
                }
                lock();
                try {
                    clearing = false;
                } finally {
                    lock.unlock();
                }
                requireDurable(ticket);
                return removed;
            } finally {
                clears.unlock();
            }
        });
    }

    /** Under the lock: removes the entries of earlier generations whose slots are in {@code region}. */
    private long clearRegion(Space.Region region) {
        long removed = 0;
        for (int s = 0; s < region.slotCount; s++) {
            int slotId = Space.slotId(region.id, s);
            long pos = space.positionOf(slotId);
            if (pos < 0 || index.slotId(pos) != slotId || !stale(pos)) continue;
            switch (index.state(pos)) {
                case KeyIndex.STORED -> {
                    remove(pos);
                    removed++;
                }
                case KeyIndex.REPLACING -> {
                    cancelReplacement(new Fingerprint(index.fpHi(pos), index.fpLo(pos)), pos, false);
                    removed++;
                }
                case KeyIndex.WRITING -> index.setState(pos, KeyIndex.CANCELED);
                default -> { } // canceled already: its put frees it
            }
        }
        return removed;
    }

    // ------------------------------------------------------------------ expiry

    /**
     * Sets each key's expiry time: epoch milliseconds after which it is gone, or 0 to keep it
     * forever (Redis {@code PERSIST}); a time already past deletes the key now, as Redis does.
     * Durable (journaled) when it returns, like a put.
     *
     * @return per key, its expiry time before the call (0 for none), or {@link #MISS} when it was
     *         not stored (nothing changed for it)
     */
    public long[] expireMany(List<byte[]> keys, long[] expiresAt) {
        checkKeys(keys);
        Objects.requireNonNull(expiresAt, "expiresAt");
        checkExpiries(keys.size(), expiresAt);
        for (long t : expiresAt) if (t < 0) throw new IllegalArgumentException("expiry time " + t + " is not a time");
        checkWritable("set expiry times");
        return guarded(() -> {
            long[] before = new long[keys.size()];
            long ticket = 0;
            long nowMillis = runtime.currentTimeMillis();
            lock();
            try {
                for (int i = 0; i < keys.size(); i++) {
                    Fingerprint fp = Fingerprint.of(keys.get(i));
                    long pos = index.find(fp);
                    if (!live(pos, nowMillis)) {
                        before[i] = MISS;
                        continue;
                    }
                    before[i] = index.expiresAt(pos);
                    if (expiresAt[i] != 0 && expiresAt[i] <= nowMillis) {
                        if (reap(pos)) ticket = lastDeleteTicket;
                        continue;
                    }
                    if (before[i] == expiresAt[i]) continue;
                    setExpiry(pos, expiresAt[i]);
                    ticket = journal.append(Change.expire(fp, expiresAt[i]));
                }
            } finally {
                lock.unlock();
            }
            requireDurable(ticket);
            return before;
        });
    }

    /** Per key, its expiry time (epoch milliseconds; 0 for none), or {@link #MISS} when it is not stored. */
    public long[] expiries(List<byte[]> keys) {
        checkKeys(keys);
        return guarded(() -> {
            long[] out = new long[keys.size()];
            long nowMillis = runtime.currentTimeMillis();
            lock();
            try {
                for (int i = 0; i < out.length; i++) {
                    long pos = index.find(Fingerprint.of(keys.get(i)));
                    out[i] = live(pos, nowMillis) ? index.expiresAt(pos) : MISS;
                }
                return out;
            } finally {
                lock.unlock();
            }
        });
    }

    /**
     * One round of the background sweep ({@link ExpirySweep}): looks at the next {@code cells}
     * index cells, in order and wrapping around, and removes the entries among them whose expiry
     * time has passed. Bounded work under one lock hold; nothing to do while no entry expires.
     *
     * @return entries removed
     */
    int sweepExpired(int cells) {
        if (closed || offline != null) return 0;
        lock.lock();
        try {
            if (expiringEntries == 0) return 0;
            long nowMillis = runtime.currentTimeMillis();
            int removed = 0;
            for (int n = 0; n < cells && n < index.capacity(); n++) {
                if (sweepAt >= index.capacity()) sweepAt = 0;
                long pos = sweepAt;
                if (!index.empty(pos) && index.expired(pos, nowMillis) && reap(pos)) {
                    removed++; // a later cell may have moved into this one: look at it again
                } else {
                    sweepAt++;
                }
            }
            return removed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A delete of a key whose replacement is being written: the stored value goes now (journaled,
     * its slot freed), and the cell is handed to the replacement as a canceled put, which its
     * commit then frees, exactly as for a new key deleted while being written.
     */
    private void cancelReplacement(Fingerprint fp, long pos, boolean journaled) {
        int old = index.slotId(pos);
        int replacement = pending.get(fp).slotId();
        if (journaled) lastDeleteTicket = journal.append(Change.delete(fp));
        storedPayloadBytes -= index.length(pos);
        if (index.pins(pos) > 0) pinnedEntries--;
        index.setPins(pos, 0);
        index.setSlot(pos, replacement, 0);
        index.setState(pos, KeyIndex.CANCELED);
        space.moved(replacement, pos);
        releaseSlot(old);
    }

    // ------------------------------------------------------------------ stats, close

    /** A consistent snapshot of the store's counters and space. */
    public StoreStats stats() {
        begin();
        lock.lock(); // not counted in lockAcquisitions: that counter is about the data path
        try {
            long[][] usage = space.classUsage(classes.count());
            List<StoreStats.ClassStats> perClass = new ArrayList<>();
            for (int c = 0; c < classes.count(); c++) {
                if (classes.slotBytes(c) == 0 || usage[c][1] == 0) continue;
                perClass.add(new StoreStats.ClassStats(classes.slotBytes(c), usage[c][0], usage[c][1]));
            }
            long regionBytes = superblock.regionBytes();
            long assigned = (long) (space.regionCount() - space.freeRegionCount()) * regionBytes;
            long nanos = io.lastSuccessNanos();
            long checkpointNanos = checkpointer.lastNanos();
            long now = runtime.nanoTime(); // read last, so neither age can come out negative
            return new StoreStats(index.size(), superblock.maxEntries(), storedPayloadBytes, space.usedSlotBytes(),
                    (long) space.regionCount() * regionBytes, assigned, space.freeRegionCount(), space.regionCount(),
                    List.copyOf(perClass), pinnedEntries, evictions.sum(), checksumFailures.sum(), readErrors.sum(),
                    writeErrors.sum(), putsStored.sum(), putsFailed.sum(), hits.sum(), misses.sum(), io.inFlight(),
                    batchSubmissions.sum(), journal.groups(), nanos == 0 ? -1 : (now - nanos) / 1_000_000,
                    lockAcquisitions.sum(), index.memoryBytes() + slotTableBytes(), checkpointer.written(),
                    checkpointer.failed(), journal.fill(), (now - checkpointNanos) / 1_000_000, expiringEntries,
                    expiredKeys.sum());
        } finally {
            lock.unlock();
            end();
        }
    }

    private long slotTableBytes() {
        long bytes = 0;
        for (int r = 0; r < space.regionCount(); r++) bytes += 4L * space.region(r).slots.length;
        return bytes;
    }

    /** Waits until every change acknowledged or not is durable (puts and deletes already wait for their own). */
    public void sync() {
        begin();
        try {
            requireDurable(journal.lastTicket());
        } finally {
            end();
        }
    }

    // ------------------------------------------------------------------ listing

    /** Told one stored key and its value's length. */
    public interface KeyVisitor {
        void visit(byte[] key, long length);
    }

    /**
     * Hands every stored key to {@code visitor}: {@link #scan} from start to end. Keys stored or
     * deleted meanwhile may or may not be visited.
     */
    public void forEachKey(KeyVisitor visitor) {
        long cursor = 0;
        do {
            cursor = scan(cursor, SCAN_PAGE, visitor);
        } while (cursor != 0);
    }

    /** Entries a {@link #forEachKey} reads per page. */
    private static final int SCAN_PAGE = 4096;
    /** Slots one {@link #scan} call looks at, at most, under the lock (a page may come back short, or empty). */
    private static final int SCAN_SLOTS = 65536;

    /**
     * One page of a scan over the stored keys, in slot order (Redis {@code SCAN}): from
     * {@code cursor} (0 to start) it collects up to {@code count} entries, looking at no more than
     * {@value #SCAN_SLOTS} slots under one hold of the lock, then reads their keys from the slot
     * headers (the index holds only fingerprints), in batched submissions, and hands them to
     * {@code visitor}. A key stored from the start to the end of a full scan is visited, once unless
     * it was rewritten meanwhile (a rewrite moves it to another slot, which the scan may meet
     * again); an entry whose header does not check out is skipped, as a load would miss it.
     *
     * @return the cursor to continue from, or 0 when the scan is complete
     */
    public long scan(long cursor, int count, KeyVisitor visitor) {
        if (cursor < 0) throw new IllegalArgumentException("cursor " + cursor + " is not a scan position");
        if (count < 1) throw new IllegalArgumentException("count must be >= 1, got " + count);
        return guarded(() -> {
            List<Found> page = new ArrayList<>();
            long next;
            lock.lock();
            try {
                long nowMillis = runtime.currentTimeMillis();
                int r = (int) Math.min(cursor >>> Space.SLOT_BITS, space.regionCount());
                int slot = (int) (cursor & ((1 << Space.SLOT_BITS) - 1));
                for (int looked = 0; r < space.regionCount() && page.size() < count && looked < SCAN_SLOTS; looked++) {
                    if (slot >= space.region(r).slotCount) {
                        r++;
                        slot = 0;
                        continue;
                    }
                    int slotId = Space.slotId(r, slot++);
                    long pos = entryIn(slotId);
                    if (pos < 0 || index.expired(pos, nowMillis)) continue;
                    // One block holds the header of any key up to 4 KiB less 64 bytes; longer ones are re-read.
                    page.add(new Found(-1, new Fingerprint(index.fpHi(pos), index.fpLo(pos)), slotId,
                            place(slotId), index.length(pos), block));
                }
                next = r >= space.regionCount() ? 0 : (long) r << Space.SLOT_BITS | slot;
            } finally {
                lock.unlock();
            }
            readKeys(page, visitor);
            return next;
        });
    }

    /**
     * A key chosen at random among the stored ones (Redis {@code RANDOMKEY}), or null when the store
     * holds none: random index cells are tried until one holds a loadable entry whose header
     * checks out.
     */
    public byte[] randomKey() {
        return guarded(() -> {
            java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
            for (int attempt = 0; attempt < 16; attempt++) {
                List<Found> one = new ArrayList<>(1);
                lock.lock();
                try {
                    if (index.size() == 0) return null;
                    long nowMillis = runtime.currentTimeMillis();
                    for (int tries = 0; tries < 1024 && one.isEmpty(); tries++) {
                        long pos = random.nextLong(index.capacity());
                        if (index.empty(pos) || !index.readable(pos) || stale(pos) || index.expired(pos, nowMillis)) continue;
                        int slotId = index.slotId(pos);
                        one.add(new Found(-1, new Fingerprint(index.fpHi(pos), index.fpLo(pos)), slotId,
                                place(slotId), index.length(pos), block));
                    }
                } finally {
                    lock.unlock();
                }
                byte[][] key = new byte[1][];
                readKeys(one, (k, length) -> key[0] = k);
                if (key[0] != null) return key[0];
            }
            return null;
        });
    }

    /** Reads the keys of {@code entries} from their slot headers, in batched submissions; skips those that do not check out. */
    private void readKeys(List<Found> entries, KeyVisitor visitor) {
        for (int[] run : runs(entries.size(), f -> entries.get(f).ioBytes)) {
            List<IoBuffer> buffers = new ArrayList<>();
            try {
                List<IoOp> ops = new ArrayList<>();
                for (int i = run[0]; i < run[1]; i++) {
                    IoBuffer b = device.buffers().allocate(entries.get(i).ioBytes);
                    buffers.add(b);
                    ops.add(IoOp.read(entries.get(i).place.first(), b.segment())); // the image's first block
                }
                List<CompletableFuture<Void>> done = submitOrFail(ops);
                for (int i = run[0]; i < run[1]; i++) {
                    Found f = entries.get(i);
                    MemorySegment header = buffers.get(i - run[0]).segment();
                    if (!succeeded(done.get(i - run[0]))) continue;
                    long need = SlotHeader.headerLength(header);
                    if (need > block) header = readHeader(f.place, need);
                    if (header == null || SlotHeader.verifyHeader(header, f.fp, superblock.storeIdLo(), f.length,
                            SlotHeader.seq(header)) != null) continue;
                    visitor.visit(SlotHeader.key(header), f.length);
                }
            } finally {
                buffers.forEach(IoBuffer::close);
            }
        }
    }

    /** A header longer than one block, read on its own; null if the read failed. */
    private MemorySegment readHeader(SlotLayout.Place place, long bytes) {
        try (IoBuffer buf = device.buffers().allocate(SlotHeader.roundUp(bytes, block))) {
            if (!succeeded(SlotLayout.all(submitOrFail(place.read(0, buf.segment()))))) return null;
            return MemorySegment.ofArray(buf.segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
    }

    // ------------------------------------------------------------------ fsck

    /**
     * What {@link #verify} found.
     *
     * @param entries  entries checked
     * @param errors   entries whose slot failed (header, key, length or payload checksum)
     * @param repaired entries dropped because of it (with repair on)
     * @param problems one line per error: the entry's key (or, when its header is unreadable, its slot
 *                 and fingerprint) and what was wrong (at most 100)
     */
    public record VerifyReport(long entries, long errors, long repaired, List<String> problems) {}

    /**
     * Reads every entry's slot (header and payload), in batched submissions, and checks it. With
     * {@code repair}, entries that fail are dropped (and the drop is journaled).
     *
     * @param progress told the entries checked so far
     */
    public VerifyReport verify(boolean repair, java.util.function.LongConsumer progress) {
        if (repair) checkWritable("repair");
        begin();
        try {
            long checked = 0, errors = 0, repaired = 0;
            List<String> problems = new ArrayList<>();
            for (int r = 0; r < space.regionCount(); r++) {
                List<Found> region = new ArrayList<>();
                lock.lock();
                try {
                    Space.Region reg = space.region(r);
                    for (int slot = 0; slot < reg.slotCount; slot++) {
                        long pos = entryIn(Space.slotId(r, slot));
                        if (pos < 0) continue;
                        int slotId = Space.slotId(r, slot);
                        long length = index.length(pos);
                        // The key length is unknown here: read all the image the slot can hold, which covers any header.
                        region.add(new Found(-1, new Fingerprint(index.fpHi(pos), index.fpLo(pos)), slotId,
                                place(slotId), length, slots.imageBytes(reg.slotBytes)));
                    }
                } finally {
                    lock.unlock();
                }
                List<Found> bad = new ArrayList<>();
                for (int[] run : runs(region.size(), f -> region.get(f).ioBytes)) {
                    int start = run[0], end = run[1];
                    List<IoBuffer> buffers = new ArrayList<>();
                    try {
                        List<IoOp> ops = new ArrayList<>();
                        int[] opEnd = new int[end - start];
                        for (int i = start; i < end; i++) {
                            IoBuffer b = device.buffers().allocate(region.get(i).ioBytes);
                            buffers.add(b);
                            ops.addAll(region.get(i).place.read(0, b.segment()));
                            opEnd[i - start] = ops.size();
                        }
                        List<CompletableFuture<Void>> done = submitOrFail(ops);
                        for (int i = start; i < end; i++) {
                            Found f = region.get(i);
                            String problem;
                            try {
                                RuntimeException failure = null; // each read of the slot is waited for: the buffer is freed after
                                for (int op = i == start ? 0 : opEnd[i - start - 1]; op < opEnd[i - start]; op++) {
                                    try {
                                        done.get(op).join();
                                    } catch (RuntimeException e) {
                                        if (failure == null) failure = e;
                                    }
                                }
                                if (failure != null) throw failure;
                                problem = SlotHeader.verifySlot(buffers.get(i - start).segment(), f.fp, superblock.storeIdLo(),
                                        f.length, block);
                            } catch (RuntimeException e) {
                                problem = "unreadable: " + e.getMessage();
                            }
                            if (problem != null) {
                                bad.add(f);
                                if (problems.size() < 100) {
                                    problems.add(entryName(buffers.get(i - start).segment(), f) + ": " + problem);
                                }
                            }
                        }
                    } finally {
                        buffers.forEach(IoBuffer::close);
                    }
                    checked += end - start;
                    progress.accept(checked);
                }
                errors += bad.size();
                if (repair && !bad.isEmpty()) {
                    lock();
                    try {
                        for (Found f : bad) {
                            long pos = index.find(f.fp);
                            if (pos >= 0 && index.slotId(pos) == f.slotId && index.state(pos) == KeyIndex.STORED) {
                                forget(pos);
                                repaired++;
                            }
                        }
                    } finally {
                        lock.unlock();
                    }
                }
            }
            if (repair) requireDurable(journal.lastTicket());
            return new VerifyReport(checked, errors, repaired, List.copyOf(problems));
        } finally {
            end();
        }
    }

    /**
     * How fsck names an entry: by its key when the slot header still holds one whose fingerprint is
     * the entry's (so it is provably this entry's key), else by slot and fingerprint.
     */
    private static String entryName(MemorySegment slot, Found f) {
        long n = SlotHeader.headerLength(slot);
        if (n > 0 && n <= slot.byteSize()) {
            byte[] key = SlotHeader.key(slot);
            if (Fingerprint.of(key).equals(f.fp)) return "key \"" + printable(key) + "\" (slot " + f.slotId + ")";
        }
        return "slot " + f.slotId + " (" + f.fp + ")";
    }

    /** A key as text: printable ASCII as it is, any other byte as \xNN. */
    private static String printable(byte[] key) {
        StringBuilder out = new StringBuilder(key.length);
        for (byte b : key) {
            if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\') out.append((char) b);
            else out.append(String.format("\\x%02x", b & 0xff));
        }
        return out.toString();
    }

    // ------------------------------------------------------------------ checkpoints

    /** Whether an interval checkpoint may start at {@code now} (see {@link Checkpointer}). */
    boolean checkpointDue(long nowNanos) {
        return checkpointer.due(nowNanos);
    }

    /**
     * Writes a checkpoint now: the index image goes to the older copy, then the journal before the
     * point the scan began is free. The store lock is held once per region, never for the whole
     * index, and no I/O happens under it.
     */
    public void checkpoint() throws IOException {
        checkWritable("write a checkpoint");
        checkpointer.checkpoint();
    }

    /** What a checkpoint scan reads from the store, each call under the store lock. */
    private final class CheckpointSource implements Checkpointer.Source {
        @Override
        public Checkpointer.Start start() {
            long[] regionSlotBytes = new long[space.regionCount()];
            for (int r = 0; r < regionSlotBytes.length; r++) {
                Space.Region region = space.region(r);
                regionSlotBytes[r] = region.classId == Space.NONE ? 0 : region.slotBytes;
            }
            return new Checkpointer.Start(journal.durableEnd(), seq, journal.lastTicket(), regionSlotBytes);
        }

        @Override
        public int entries(int r, long[][] buffer) {
            Space.Region region = space.region(r);
            if (buffer[0].length < (long) Checkpoint.PACKED * region.slotCount) {
                buffer[0] = new long[Checkpoint.PACKED * region.slotCount];
            }
            long[] e = buffer[0];
            int n = 0;
            for (int slot = 0; slot < region.slotCount; slot++) {
                long pos = entryIn(Space.slotId(r, slot)); // a value being written: its PUT comes later in the journal
                if (pos < 0) continue;
                int k = Checkpoint.PACKED * n;
                e[k] = index.fpHi(pos);
                e[k + 1] = index.fpLo(pos);
                e[k + 2] = (long) Space.slotId(r, slot) << 32 | index.length(pos);
                e[k + 3] = index.expiresAt(pos);
                n++;
            }
            return n;
        }

        @Override
        public long inFlightIo() {
            return io.inFlight();
        }

        @Override
        public <T> T locked(java.util.function.Supplier<T> action) {
            lock.lock();
            try {
                return action.get();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Stops the store: waits for running operations, writes what the journal holds and a final
     * checkpoint (so the next open replays nothing), releases the index, and closes an owned
     * device. Later calls fail. If the device already failed, the journal keeps everything
     * acknowledged and close still releases everything, then reports the failure.
     */
    @Override
    public void close() throws IOException {
        lifecycle.writeLock().lock();
        IOException failure = null;
        try {
            if (closed) return;
            closed = true;
            if (sweep != null) sweep.close();
            checkpointer.close();
            try {
                // A journal writer waiting for ring space needs a checkpoint before it can finish.
                boolean writable = offline == null && !options.readOnly();
                if (writable && journal.fill() > 0.5) checkpoint();
                if (writable && awaitDurable(journal.lastTicket())) checkpoint();
            } catch (IOException | RuntimeException e) {
                failure = new IOException("final checkpoint of " + device.path() + " failed (the journal has every"
                        + " acknowledged change): " + e.getMessage(), e);
            }
            journal.close();
            index.close();
        } finally {
            lifecycle.writeLock().unlock();
        }
        if (ownsDevice) device.close();
        if (failure != null) throw failure;
    }
}
