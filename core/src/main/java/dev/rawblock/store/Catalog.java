package dev.rawblock.store;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * What the store holds, under its one lock: the {@link KeyIndex}, the {@link Space} of regions
 * and slots, the {@link SizeClasses}, the {@link Reservations} that find room, the puts in flight,
 * the pins, the slot leases of reads, and the sequence numbers and clocks. Every change of an
 * entry's state is made here; callers take the lock ({@link #lock}) around a batch of them. No I/O
 * happens under the lock; a removal that must be durable appends its change to the journal, and
 * the caller waits for it after the lock is released.
 *
 * <p><b>Removing an entry</b> is one family of verbs: {@link #remove} takes it out of memory and
 * frees its slot (for what the journal has covered already: a put that failed, a CLEAR); {@link
 * #delete} journals a DELETE first, and {@link #evict}, {@link #reap} (expired) and {@link
 * #dropCorrupt} are deletes for their reasons, counted. A slot no entry owns goes through {@link
 * #releaseSlot}: a slot still being read stays parked until its last reader {@link #unlease}s it.
 *
 * <p><b>Pins</b> are the store's word for what LMCache calls a lock: a pinned entry is never
 * evicted and a delete without force is refused; they live in memory only.
 */
final class Catalog {
    /** A put in flight: the slot it writes, and what completes when it has ended, stored or not. */
    record Pending(int slotId, CompletableFuture<Void> ended) {}

    final KeyIndex index;
    final Space space;
    final SizeClasses classes;
    final SlotLayout slots;
    final Reservations reservations;
    /** Copies of small values by slot (guarded by lock): forgotten in {@link #releaseSlot}, filled by {@link #keepCopy}. */
    final SmallValueCache cache;
    private final ReentrantLock lock = new ReentrantLock();
    private final Journal journal;
    private final boolean readOnly;
    private final StoreEvents events;
    private final StoreCounters counters;

    // Guarded by lock:
    /** Logical time: one tick per batch, for the LRU clocks of entries and regions. */
    int clock;
    /** The newest write sequence number given out. */
    long seq;
    long pinnedEntries;
    /** Bytes of stored values, in all and per member of the device. */
    long storedPayloadBytes;
    final long[] memberPayloadBytes;
    /** Ticket of the newest DELETE: a slot it freed may be rewritten only once it is durable. */
    long lastDeleteTicket;
    /** Puts in flight, by key: their slot, and the future others wait on (modes that wait). */
    final Map<Fingerprint, Pending> pending = new HashMap<>();
    /** Per slot, how many loads and {@link ValueReader}s are reading it. */
    private final Map<Integer, Integer> readers = new HashMap<>();
    /** Slots no entry owns that wait for their last reader before they are freed. */
    private final Set<Integer> freeWhenRead = new HashSet<>();
    /** Entries with an expiry time: the sweep has nothing to do while there are none. */
    long expiringEntries;
    /** The index cell the sweep looks at next. */
    private long sweepAt;
    /** The generation new and rewritten entries get; {@link Store#clear} starts a new one. */
    byte generation;
    /** Whether a {@link Store#clear} is removing the entries of earlier generations. */
    boolean clearing;

    /** A catalog over what recovery rebuilt, sequence numbers going on from {@code seq}. */
    Catalog(KeyIndex index, Space space, SizeClasses classes, SlotLayout slots, Journal journal, long seq,
            StoreOptions options, StoreCounters counters) {
        this.index = index;
        this.space = space;
        this.memberPayloadBytes = new long[space.members()];
        this.classes = classes;
        this.slots = slots;
        this.journal = journal;
        this.seq = seq;
        this.readOnly = options.readOnly();
        this.events = options.events();
        this.counters = counters;
        this.cache = new SmallValueCache(options.smallValueCacheBytes());
        this.reservations = new Reservations(index, space, classes, options.eviction(), this::evict);
        for (long pos = 0; pos < index.capacity(); pos++) {
            if (index.empty(pos)) continue;
            payload(index.slotId(pos), index.length(pos));
            if (index.expiresAt(pos) != 0) expiringEntries++;
        }
        assert checkInvariants();
    }

    /** Counts {@code delta} bytes of stored value more in slot {@code slotId}, in all and on its member. */
    void payload(int slotId, long delta) {
        storedPayloadBytes += delta;
        memberPayloadBytes[space.memberOf(Space.regionOf(slotId))] += delta;
    }

    // ------------------------------------------------------------------ the lock

    /** Takes the lock for a data operation (counted: batches are the unit of cost). */
    void lock() {
        lock.lock();
        counters.cost.lockAcquisitions.increment();
        space.newHold();
    }

    /** Takes the lock for bookkeeping (stats, scans, checkpoints, the sweep, readers closing): not counted. */
    void lockQuietly() {
        lock.lock();
    }

    void unlock() {
        lock.unlock();
    }

    /** Runs {@code action} under the lock, not counted (see {@link #lockQuietly}). */
    <T> T locked(Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ removing entries

    /** Evicts a stored entry to make room: a delete, counted and told. */
    void evict(long pos) {
        assert index.pins(pos) == 0 && index.state(pos) == KeyIndex.STORED
                : "eviction chose a pinned entry or one being written, at " + pos;
        delete(pos);
        counters.removals.evictions.increment();
        events.evicted();
    }

    /** Removes a stored entry and journals the DELETE; a read-only store only forgets it in memory. */
    void delete(long pos) {
        if (!readOnly) lastDeleteTicket = journal.append(Change.delete(fingerprint(pos)));
        remove(pos);
    }

    /** Removes an entry from memory and frees its slot (nothing journaled). */
    void remove(long pos) {
        int slotId = index.slotId(pos);
        if (index.state(pos) == KeyIndex.STORED) payload(slotId, -index.length(pos));
        setExpiry(pos, 0);
        if (index.pins(pos) > 0) pinnedEntries--;
        index.remove(pos, space::moved);
        releaseSlot(slotId);
    }

    /**
     * Deletes an entry whose expiry time has passed (pins do not keep an expired value), unless a
     * replacement of it is being written: that one takes its place, and lookups treat it as
     * absent meanwhile. True when it was deleted.
     */
    boolean reap(long pos) {
        if (index.state(pos) != KeyIndex.STORED || readOnly) return false;
        delete(pos);
        counters.removals.expired.increment();
        return true;
    }

    /**
     * Deletes the entry of {@code fp} whose slot {@code slotId} failed verification, unless it
     * changed meanwhile (deleted, evicted or replaced since the read: the slot that failed is no
     * longer its own). True when it was deleted.
     */
    boolean dropCorrupt(Fingerprint fp, int slotId) {
        long pos = index.find(fp);
        if (pos < 0 || index.slotId(pos) != slotId || index.state(pos) != KeyIndex.STORED) return false;
        delete(pos);
        return true;
    }

    /**
     * Takes the lock and drops the entries of {@code corrupt} whose slots failed a load's
     * verification (see {@link #dropCorrupt(Fingerprint, int)}); each is a checksum failure,
     * counted, and the operator is told.
     */
    void dropCorrupt(List<LoadBatch.Found> corrupt) {
        int dropped = 0;
        lock();
        try {
            for (LoadBatch.Found f : corrupt) {
                if (dropCorrupt(f.fp(), f.slotId())) {
                    counters.loads.checksumFailures.increment();
                    dropped++;
                }
            }
        } finally {
            lock.unlock();
        }
        if (dropped > 0) events.corruptDropped(dropped);
    }

    /**
     * A delete of a key whose replacement is being written: the stored value goes now (journaled
     * if {@code journaled}, its slot freed), and the cell is handed to the replacement as a
     * canceled put, which its commit then frees, exactly as for a new key deleted while written.
     */
    void cancelReplacement(Fingerprint fp, long pos, boolean journaled) {
        int old = index.slotId(pos);
        int replacement = pending.get(fp).slotId();
        if (journaled) lastDeleteTicket = journal.append(Change.delete(fp));
        payload(old, -index.length(pos));
        if (index.pins(pos) > 0) pinnedEntries--;
        index.setPins(pos, 0);
        index.setSlot(pos, replacement, 0);
        index.setState(pos, KeyIndex.CANCELED);
        space.moved(replacement, pos);
        releaseSlot(old);
    }

    /**
     * Frees a slot no entry owns any more; one that a load or a {@link ValueReader} is still
     * reading stays parked until the last of them is done, so a read never meets another value's
     * bytes (nor the same key's next value written into the same slot).
     */
    void releaseSlot(int slotId) {
        // The one place a slot stops holding an entry's value (before it is parked or freed): its
        // copy goes with it, so a slot reused by another value can never serve this one's bytes.
        cache.forget(slotId);
        if (readers.containsKey(slotId)) {
            space.park(slotId);
            freeWhenRead.add(slotId);
        } else {
            space.free(slotId);
        }
    }

    // ------------------------------------------------------------------ reading entries

    /** Whether the entry is of a generation a {@link Store#clear} in progress is removing: it is gone already. */
    boolean stale(long pos) {
        return clearing && index.generation(pos) != generation;
    }

    /** Whether the entry at {@code pos} can be served now: loadable and not expired (an expired one is reaped). */
    boolean live(long pos, long nowMillis) {
        if (pos < 0 || !index.readable(pos) || stale(pos)) return false;
        if (!index.expired(pos, nowMillis)) return true;
        reap(pos);
        return false;
    }

    /** The index position of {@code fp}'s entry if it can be served now, else -1 (see {@link #live}). */
    long find(Fingerprint fp, long nowMillis) {
        long pos = index.find(fp);
        return live(pos, nowMillis) ? pos : -1;
    }

    /**
     * The index position of the loadable entry whose value is in {@code slotId}, or -1 when the
     * slot is free, parked, or holds a value still being written (for scans that go slot by slot).
     */
    long entryIn(int slotId) {
        long pos = space.positionOf(slotId);
        return pos >= 0 && index.readable(pos) && index.slotId(pos) == slotId && !stale(pos) ? pos : -1;
    }

    /** Told a slot that holds a loadable entry, and the entry's index position. */
    interface EntryVisitor {
        void visit(int slotId, long pos);
    }

    /** Under the lock: each slot of region {@code r} that holds a loadable entry, in slot order (see {@link #entryIn}). */
    void forEachEntry(int r, EntryVisitor visitor) {
        Space.Region region = space.region(r);
        for (int slot = 0; slot < region.slotCount; slot++) {
            int slotId = Space.slotId(r, slot);
            long pos = entryIn(slotId);
            if (pos >= 0) visitor.visit(slotId, pos);
        }
    }

    Fingerprint fingerprint(long pos) {
        return new Fingerprint(index.fpHi(pos), index.fpLo(pos));
    }

    /** Where the image of a used slot lives. */
    SlotLayout.Place place(int slotId) {
        return slots.place(slotId, space.region(Space.regionOf(slotId)).slotBytes);
    }

    /** An access at logical time {@code now}, for the LRU clocks of the entry and its region. */
    void touch(long pos, int now) {
        index.touch(pos, now);
        space.region(Space.regionOf(index.slotId(pos))).lastAccess = now;
    }

    /** Sets an entry's expiry time, keeping the count of entries that have one. */
    void setExpiry(long pos, long expiresAt) {
        long was = index.expiresAt(pos);
        if ((was != 0) != (expiresAt != 0)) expiringEntries += expiresAt != 0 ? 1 : -1;
        index.setExpiresAt(pos, expiresAt);
    }

    // ------------------------------------------------------------------ pins and leases

    void pin(long pos) {
        int pins = index.pins(pos);
        if (pins == 0) pinnedEntries++;
        index.setPins(pos, pins + 1);
    }

    /** Releases one pin of the entry, if it has one. */
    void unpin(long pos) {
        if (pos < 0 || index.pins(pos) == 0) return;
        index.setPins(pos, index.pins(pos) - 1);
        if (index.pins(pos) == 0) pinnedEntries--;
    }

    /** One more reader of the entry's slot: the slot stays this value's until it is {@link #unlease}d. */
    int lease(long pos) {
        int slotId = index.slotId(pos);
        readers.merge(slotId, 1, Integer::sum);
        return slotId;
    }

    /** One reader of the slot is done; a slot freed while it was read is free now. */
    void unlease(int slotId) {
        if (readers.merge(slotId, -1, Integer::sum) == 0) {
            readers.remove(slotId);
            if (freeWhenRead.remove(slotId)) {
                assert !cache.holds(slotId) : "slot " + slotId + " is freed with a cached copy of its old value";
                space.free(slotId);
            }
        }
    }

    /**
     * Keeps {@code value} as the cached copy of the value in {@code slotId}, if the slot still holds
     * a loadable entry's value: a slot its entry left while it was read (parked until its readers
     * are done, then freed) is not cached again. Called by a load before it gives its lease back,
     * and by a put as it commits, so the slot cannot have been reused in between.
     */
    void keepCopy(int slotId, byte[] value) {
        long pos = entryIn(slotId);
        if (pos < 0) return;
        assert index.length(pos) == value.length
                : "a copy of " + value.length + " bytes for slot " + slotId + " whose entry has " + index.length(pos);
        cache.put(slotId, value);
    }

    // ------------------------------------------------------------------ background and bulk removal

    /**
     * One round of the background sweep ({@link ExpirySweep}): looks at the next {@code cells}
     * index cells, in order and wrapping around, and reaps the entries among them whose expiry time
     * has passed. Bounded work under one lock hold; nothing to do while no entry expires.
     *
     * @return entries removed
     */
    int sweepExpired(int cells, java.util.function.LongSupplier clock) {
        lock.lock();
        try {
            if (expiringEntries == 0) return 0;
            long nowMillis = clock.getAsLong();
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

    /** Under the lock: removes the entries of earlier generations whose slots are in {@code region}. */
    long clearRegion(Space.Region region) {
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
                    cancelReplacement(fingerprint(pos), pos, false);
                    removed++;
                }
                case KeyIndex.WRITING -> index.setState(pos, KeyIndex.CANCELED);
                default -> { } // canceled already: its put frees it
            }
        }
        return removed;
    }

    // ------------------------------------------------------------------ invariants

    /**
     * Under the lock (or before the store is shared): what must hold between the index, the space
     * and the reservations whenever the lock is free. O(N): called only under {@code assert}.
     */
    boolean checkInvariants() {
        assert space.checkInvariants();
        assert index.checkInvariants();
        long pinned = 0, expiring = 0;
        for (long pos = 0; pos < index.capacity(); pos++) {
            if (index.empty(pos)) continue;
            if (index.pins(pos) > 0) pinned++;
            if (index.expiresAt(pos) != 0) expiring++;
            int slotId = index.slotId(pos);
            byte state = index.state(pos);
            assert state != KeyIndex.STORED || space.positionOf(slotId) == pos
                    : "stored entry at " + pos + " does not own its slot " + slotId;
            assert state == KeyIndex.STORED || pending.containsKey(fingerprint(pos))
                    : "entry at " + pos + " is being written, but no put of it is in flight";
        }
        assert pinned == pinnedEntries : pinned + " pinned entries, counted " + pinnedEntries;
        assert expiring == expiringEntries : expiring + " expiring entries, counted " + expiringEntries;
        for (int slotId : freeWhenRead) assert readers.containsKey(slotId) : "slot " + slotId + " waits for no reader";
        cache.forEach((slotId, length) -> {
            long pos = space.positionOf(slotId);
            assert pos >= 0 && index.slotId(pos) == slotId && index.length(pos) == length
                    : "slot " + slotId + " has a cached copy of " + length + " bytes but no entry of that length";
        });
        return true;
    }
}
