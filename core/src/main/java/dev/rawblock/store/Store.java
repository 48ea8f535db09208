package dev.rawblock.store;

import dev.rawblock.device.AbstractSetDevice;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.BufferArena;
import dev.rawblock.device.MemberHeader;
import dev.rawblock.device.MirrorDevice;
import dev.rawblock.device.MirrorState;
import dev.rawblock.device.SpanDevice;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongConsumer;

import static dev.rawblock.store.Arguments.checkExpiries;
import static dev.rawblock.store.Arguments.checkKeys;
import static dev.rawblock.store.Arguments.checkPairs;

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
 * <p><b>Parts.</b> The store is a facade over its parts, built in dependency order at open:
 * {@link Recovery} rebuilds the index and space; the {@link Journal} and {@link Health} (the one
 * place that decides whether the store is online); the {@link Catalog} (index, space, puts in
 * flight, pins, leases, under the one lock); {@link SlotIo} (encode, stage or zero-copy, submit,
 * verify); and on them {@link PutBatch}, {@link LoadBatch}, {@link Lookups}, {@link EntryChanges},
 * {@link KeyListing} and {@link Fsck}; the {@link Checkpointer} reads the catalog through a
 * {@link CatalogSnapshot}.
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
    /** Entries a {@link #forEachKey} reads per page. */
    private static final int SCAN_PAGE = 4096;

    private final BlockDevice device;
    private final ValueMemory memory;
    private final boolean ownsDevice;
    private final Superblock superblock;
    private final StoreRuntime runtime;
    private final int block;
    private final IoTracker io;
    private final Placement placement;
    private final SlotLayout slots;
    private final KeyIndex index;
    private final Recovery.Report recovery;
    private final Journal journal;
    private final StoreCounters counters = new StoreCounters();
    private final Health health;
    private final Catalog catalog;
    private final SlotIo slotIo;
    private final PutBatch puts;
    private final LoadBatch loads;
    private final Lookups lookups;
    private final EntryChanges changes;
    private final KeyListing listing;
    private final Fsck fsck;
    private final Checkpointer checkpointer;
    private final ExpirySweep sweep;

    private Store(BlockDevice device, boolean ownsDevice, Superblock superblock, StoreOptions options,
                  RecoveryProgress progress) throws IOException {
        this.device = device;
        this.memory = new ValueMemory(device.buffers());
        this.ownsDevice = ownsDevice;
        this.superblock = superblock;
        this.runtime = options.runtime();
        this.block = superblock.blockBytes();
        this.slots = SlotLayout.of(superblock);
        this.placement = Placement.of(device, options.placement());
        this.io = new IoTracker(device, placement, superblock.regionBase());
        MetadataLayout layout = MetadataLayout.of(superblock);
        SizeClasses classes = new SizeClasses(block, superblock.regionBytes());
        this.index = new KeyIndex(superblock.maxEntries());
        // Recovery assigns regions without journaling; from then on an assignment is journaled.
        SpanDevice span = spanOf(device, superblock);
        Space space = new Space(superblock.regionBase(), superblock.regionBytes(), superblock.regionCount(),
                span == null ? 1 : span.members().size(), span == null ? member -> 0 : span::inFlightBytes,
                (region, slotBytes) -> journal().append(Change.assign(region, slotBytes)));
        try {
            this.recovery = Recovery.run(device, superblock, layout, index, space, classes, progress);
        } catch (IOException | RuntimeException e) {
            index.close();
            throw e;
        }
        this.journal = new Journal(device, io, layout, block, superblock.storeIdLo(), options.flush(),
                recovery.journalEnd(), recovery.journalFrom(), () -> checkpointer().request(), runtime);
        this.health = new Health(device.path().toString(), options.readOnly(), options.events(), counters.failures,
                journal);
        // Sequence numbers only grow: past everything recovered, and past the clock for good measure.
        long seq = Math.max(recovery.maxSeq(), runtime.currentTimeMillis() << 20);
        this.catalog = new Catalog(index, space, classes, slots, journal, seq, options, counters);
        this.slotIo = new SlotIo(device, io, block, superblock.storeIdLo(), options.maxBatchBytes(), health, counters.cost);
        this.puts = new PutBatch(catalog, slotIo, journal, options, placement, counters.puts);
        this.loads = new LoadBatch(catalog, slotIo, runtime, counters.loads);
        this.lookups = new Lookups(catalog, runtime);
        this.changes = new EntryChanges(catalog, journal, runtime, health);
        this.listing = new KeyListing(catalog, slotIo, runtime);
        this.fsck = new Fsck(catalog, slotIo);
        this.checkpointer = new Checkpointer(device, io, layout, block, superblock.storeIdLo(), journal, options,
                new CatalogSnapshot(catalog, journal, io), recovery.checkpointSeq(), runtime);
        this.sweep = options.readOnly() ? null
                : new ExpirySweep(cells -> health.running() ? catalog.sweepExpired(cells, runtime::currentTimeMillis) : 0,
                        runtime);
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

    /**
     * The span the store is on, or null for one device; a span's stripes must be the store's
     * regions, so that a region is wholly on one member.
     */
    private static SpanDevice spanOf(BlockDevice device, Superblock sb) throws IOException {
        if (!(device instanceof SpanDevice span)) return null;
        MemberHeader h = span.header();
        if (h.headBytes() != sb.regionBase() || h.stripeBytes() != sb.regionBytes() || h.setBytes() != sb.capacity()
                || h.setIdHi() != sb.storeIdHi() || h.setIdLo() != sb.storeIdLo()) {
            throw new IOException(device.path() + ": the members' headers (set " + h.setId() + ") do not match the store "
                    + sb.storeId() + " formatted on them");
        }
        return span;
    }

    /** The devices the store is on: the members of a span or mirror, or the one device. */
    private List<BlockDevice> devices() {
        return device instanceof AbstractSetDevice set ? set.members() : List.of(device);
    }

    private MirrorStats mirrorStats() {
        if (!(device instanceof MirrorDevice mirror)) return null;
        MirrorState m = mirror.state();
        return new MirrorStats(m.state(), m.failedMember(), m.resyncedBytes(), m.resyncedZones(), m.rebuiltBytes(),
                m.rebuildTotalBytes(), m.markedZones(), m.rounds());
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
        return recovery.summary(superblock);
    }

    /** The geometry the store was formatted with. */
    public Superblock superblock() {
        return superblock;
    }

    /** Where this store's writes go on an FDP namespace (off elsewhere). */
    public Placement placement() {
        return placement;
    }

    /** The device the store is on (for device-level reports such as FDP statistics; do not write to it). */
    public BlockDevice device() {
        return device;
    }

    /**
     * Aligned memory of the store's device: a value put from it, or loaded into it, moves between
     * the device and that memory without a copy (for values a multiple of the block size).
     */
    public BufferArena buffers() {
        return device.buffers();
    }

    /** The same memory as {@link #buffers}, for callers that see the store and not the device (the server). */
    public ValueMemory memory() {
        return memory;
    }

    /**
     * The drive's FDP figures, read from it now (two NVMe commands); empty on a device without
     * Flexible Data Placement.
     */
    public Optional<FdpFigures> fdpFigures() throws IOException {
        return device.fdpStatus().map(FdpFigures::of);
    }

    /**
     * The largest value a put accepts, in bytes: a whole region (its header in the header table,
     * see {@link SlotLayout}), or in a store of format version 2 and before a region less its header
     * block. A key longer than 4032 bytes needs one block more.
     */
    public long maxValueBytes() {
        return slots.maxValueBytes();
    }

    // ------------------------------------------------------------------ put

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
        checkExpiries(keys.size(), expiresAt, superblock, device.path().toString());
        health.checkWritable("put");
        return health.guarded(() -> puts.put(keys, values, mode, expiresAt == null ? new long[keys.size()] : expiresAt));
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
        checkExpiries(1, new long[] {expiresAt}, superblock, device.path().toString());
        if (length < 1 || SlotHeader.inline(key.length, length, block)) {
            throw new IllegalArgumentException("a value of " + length + " bytes fits in its slot header: use putMany");
        }
        health.checkWritable("put");
        return health.guarded(() -> puts.begin(key, length, mode, expiresAt));
    }

    // ------------------------------------------------------------------ load

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
        return health.guarded(() -> loads.load(keys, destinations));
    }

    /**
     * As {@link #loadMany(List, List)}, with destinations sized from the same lookup: the store
     * finds and leases the keys, then asks {@code destination} for memory for each value found
     * (outside its lock; see {@link Destination}) and reads into it. One lookup per key, and
     * nothing can come between a value's length and its bytes.
     *
     * @return per key: the value's length in bytes, {@link #MISS}, or {@link #DESTINATION_TOO_SMALL}
     *         where the destination gave no memory
     */
    public long[] loadMany(List<byte[]> keys, Destination destination) throws InterruptedException {
        checkKeys(keys);
        Objects.requireNonNull(destination, "destination");
        return loads.load(keys, destination); // an operation (Health) before and after the caller's wait
    }

    /**
     * Reads one key with one lookup, as a GET needs: a value of {@code streamFrom} bytes or more
     * (and not small enough to live inside its slot header) is opened for reading in pieces, like
     * {@link #openReader}; a smaller one is loaded into memory {@code destination} gives for its
     * length, like {@link #loadMany(List, Destination)}. The lookup counts as an access for eviction.
     */
    public GetResult get(byte[] key, long streamFrom, Destination destination) throws InterruptedException {
        checkKeys(List.of(key));
        Objects.requireNonNull(destination, "destination");
        return loads.get(key, streamFrom, destination); // as loadMany
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
        return health.guarded(() -> loads.open(key));
    }

    // ------------------------------------------------------------------ lookups, pins, delete

    /**
     * Per key, whether it is stored. With {@code lock}, each hit is pinned in the same lock hold
     * (lookup-and-lock): it cannot be evicted, and a non-forced delete is refused, until {@link #unlock}.
     */
    public boolean[] existsMany(List<byte[]> keys, boolean lock) {
        checkKeys(keys);
        return health.guarded(() -> lookups.exists(keys, lock));
    }

    /** Per key, the stored value's length in bytes, or {@link #MISS}. */
    public long[] lengths(List<byte[]> keys) {
        checkKeys(keys);
        return health.guarded(() -> lookups.lengths(keys));
    }

    /**
     * The number of leading keys that are stored, stopping at the first miss (later hits do not
     * count). With {@code lock}, those leading hits are pinned.
     */
    public int prefixHits(List<byte[]> keys, boolean lock) {
        checkKeys(keys);
        return health.guarded(() -> lookups.prefix(keys, lock));
    }

    /** Releases one pin of each key; keys that are absent or unpinned are ignored. */
    public void unlock(List<byte[]> keys) {
        checkKeys(keys);
        health.guarded(() -> {
            lookups.unpin(keys);
            return null;
        });
    }

    /**
     * Deletes each key. A pinned key is kept unless {@code force}. A key being written is canceled:
     * its put fails and frees the slot.
     *
     * @return per key, whether it was stored (or being written) and is now gone
     */
    public boolean[] deleteMany(List<byte[]> keys, boolean force) {
        checkKeys(keys);
        health.checkWritable("delete");
        return health.guarded(() -> changes.delete(keys, force));
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
        health.checkWritable("clear");
        return health.guarded(changes::clear);
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
        checkExpiries(keys.size(), expiresAt, superblock, device.path().toString());
        for (long t : expiresAt) if (t < 0) throw new IllegalArgumentException("expiry time " + t + " is not a time");
        health.checkWritable("set expiry times");
        return health.guarded(() -> changes.expire(keys, expiresAt));
    }

    /** Per key, its expiry time (epoch milliseconds; 0 for none), or {@link #MISS} when it is not stored. */
    public long[] expiries(List<byte[]> keys) {
        checkKeys(keys);
        return health.guarded(() -> lookups.expiries(keys));
    }

    // ------------------------------------------------------------------ stats, listing, fsck, checkpoints, close

    /** A consistent snapshot of the store's counters and space. */
    public StoreStats stats() {
        health.begin();
        catalog.lockQuietly(); // not counted in lockAcquisitions: that counter is about the data path
        try {
            return counters.snapshot(catalog, superblock, io, journal, checkpointer, runtime, devices(), mirrorStats());
        } finally {
            catalog.unlock();
            health.end();
        }
    }

    

    /** Waits until every change acknowledged or not is durable (puts and deletes already wait for their own). */
    public void sync() {
        health.guarded(() -> {
            health.requireDurable(journal.lastTicket());
            return null;
        });
    }

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

    /**
     * One page of a scan over the stored keys, in slot order (Redis {@code SCAN}): from
     * {@code cursor} (0 to start) it collects up to {@code count} entries, looking at no more than
     * {@value KeyListing#SCAN_SLOTS} slots under one hold of the lock, then reads their keys from the slot
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
        return health.guarded(() -> listing.scan(cursor, count, visitor));
    }

    /**
     * A key chosen at random among the stored ones (Redis {@code RANDOMKEY}), or null when the store
     * holds none: random index cells are tried until one holds a loadable entry whose header
     * checks out.
     */
    public byte[] randomKey() {
        return health.guarded(listing::randomKey);
    }

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
    public VerifyReport verify(boolean repair, LongConsumer progress) {
        if (repair) health.checkWritable("repair");
        return health.guarded(() -> {
            VerifyReport report = fsck.verify(repair, progress);
            if (repair) health.requireDurable(journal.lastTicket());
            return report;
        });
    }

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
        health.checkWritable("write a checkpoint");
        checkpointer.checkpoint();
    }

    /**
     * Stops the store: waits for running operations, writes what the journal holds and a final
     * checkpoint (so the next open replays nothing), releases the index, and closes an owned
     * device. Later calls fail. If the device already failed, the journal keeps everything
     * acknowledged and close still releases everything, then reports the failure.
     */
    @Override
    public void close() throws IOException {
        if (!health.closeWhenIdle()) return;
        IOException failure = null;
        try {
            if (sweep != null) sweep.close();
            checkpointer.close();
            try {
                // A journal writer waiting for ring space needs a checkpoint before it can finish.
                boolean writable = health.writable();
                if (writable && journal.fill() > 0.5) checkpoint();
                if (writable && health.awaitDurable(journal.lastTicket())) checkpoint();
            } catch (IOException | RuntimeException e) {
                failure = new IOException("final checkpoint of " + device.path() + " failed (the journal has every"
                        + " acknowledged change): " + e.getMessage(), e);
            }
            journal.close();
            assert catalog.locked(catalog::checkInvariants);
            index.close();
        } finally {
            health.closed();
        }
        if (ownsDevice) device.close();
        if (failure != null) throw failure;
    }
}
