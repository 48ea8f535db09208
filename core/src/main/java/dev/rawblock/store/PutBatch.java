package dev.rawblock.store;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Puts, batched ({@link Store#putMany}) and streamed ({@link PutStream}): plan under the lock (a
 * slot per key, evicting when none is free), write outside it ({@link SlotIo}), commit under the
 * lock again (index, journal), then wait until the journal says the batch is durable. See
 * {@link Store} for the per-key outcomes.
 */
final class PutBatch {
    /**
     * A key of a put batch that got a slot and is being written; with {@code replaces}, the key's
     * stored value stays readable in its own slot until the commit. {@code placement} is the FDP
     * placement identifier of its writes, chosen by the slot size of its region, not by the bytes
     * this value writes: every value in a region then goes to one handle, so the region's data is
     * written, and later invalidated, in one reclaim unit stream, even when its size class (a
     * geometric class, or a borrowed larger slot) holds values on both sides of a band boundary.
     */
    record Planned(int key, Fingerprint fp, int slotId, SlotLayout.Place place, long length, long ioBytes,
                   long seq, boolean replaces, long expiresAt, int placement) {}

    /**
     * The slots a put reserved, the delete that must be durable before they are written, and the
     * ends of other puts that keys of this one wait for.
     */
    private record Plan(List<Planned> planned, long deleteMarker, List<CompletableFuture<Void>> waits) {}

    private final Catalog catalog;
    private final SlotIo slots;
    private final Health health;
    private final Journal journal;
    private final StoreRuntime runtime;
    private final StoreEvents events;
    private final Placement placement;
    private final StoreCounters.Puts counted;
    private final long maxValueBytes;

    PutBatch(Catalog catalog, SlotIo slots, Journal journal, StoreOptions options, Placement placement,
             StoreCounters.Puts counted) {
        this.catalog = catalog;
        this.slots = slots;
        this.health = slots.health();
        this.journal = journal;
        this.runtime = options.runtime();
        this.events = options.events();
        this.placement = placement;
        this.counted = counted;
        this.maxValueBytes = catalog.slots.maxValueBytes();
    }

    /** Stores a batch (arguments checked by the caller; {@code expiresAt} one per key). */
    PutResult[] put(List<byte[]> keys, List<MemorySegment> values, PutMode mode, long[] expiresAt) {
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
            boolean[] written = plan.planned.isEmpty() || health.awaitDurable(plan.deleteMarker)
                    ? slots.write(plan.planned, keys, values) : new boolean[plan.planned.size()];
            commit(plan.planned, written, values, results);
            if (plan.waits.isEmpty()) break;
            plan.waits.forEach(CompletableFuture::join);
        }
        for (int i = 0; i < n; i++) {
            if (winner[i] != i) results[i] = results[winner[i]];
        }
        return results;
    }

    /** Starts a streamed put of a value not inline in its header (arguments checked by the caller). */
    PutStream begin(byte[] key, long length, PutMode mode, long expiresAt) {
        List<byte[]> keys = List.of(key);
        Fingerprint[] fps = {Fingerprint.of(key)};
        PutResult[] result = new PutResult[1];
        Plan plan;
        while (!(plan = plan(keys, fps, new int[1], new long[] {length}, new long[] {expiresAt}, result, mode))
                .waits.isEmpty()) {
            plan.waits.getFirst().join();
        }
        if (plan.planned.isEmpty()) {
            counted.count(result[0]);
            return PutStream.refused(result[0]);
        }
        return new PutStream(this, slots, key.clone(), plan.planned.getFirst(), plan.deleteMarker, length);
    }

    /** Ends a {@link PutStream}: stores and journals the key if {@code written}, else frees the slot. */
    PutResult finish(Planned planned, boolean written) {
        return health.guarded(() -> {
            PutResult[] result = new PutResult[1];
            commit(List.of(planned), new boolean[] {written}, null, result); // the cache gets it on a load
            return result[0];
        });
    }

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
        KeyIndex index = catalog.index;
        Space space = catalog.space;
        catalog.lock();
        try {
            int now = ++catalog.clock;
            long nowMillis = runtime.currentTimeMillis();
            for (int i = 0; i < keys.size(); i++) {
                if (winner[i] != i || results[i] != null) continue;
                Catalog.Pending inFlight = catalog.pending.get(fps[i]);
                if (inFlight != null) {
                    if (mode == PutMode.FIRST) results[i] = PutResult.BUSY;
                    else waits.add(inFlight.ended());
                    continue;
                }
                long pos = index.find(fps[i]);
                if (pos >= 0 && catalog.stale(pos)) { // cleared already: the CLEAR in the journal covers it
                    catalog.remove(pos);
                    pos = -1;
                }
                if (pos >= 0 && index.expired(pos, nowMillis) && catalog.reap(pos)) pos = -1; // an expired key is absent
                boolean replaces = pos >= 0;
                assert !replaces || index.state(pos) == KeyIndex.STORED : "a cell without a pending put is stored";
                if (replaces && mode != PutMode.REPLACE) {
                    results[i] = PutResult.ALREADY_STORED;
                    catalog.touch(pos, now);
                    continue;
                }
                long length = lengths[i];
                long need = catalog.slots.need(keys.get(i).length, length);
                int cls = length > maxValueBytes ? -1 : catalog.classes.classFor(need, c -> space.regionsOf(c).isEmpty());
                if (cls < 0) {
                    results[i] = PutResult.TOO_LARGE;
                    continue;
                }
                // The stored value stays readable, and out of reach of the evictions reserve may do.
                if (replaces) index.setState(pos, KeyIndex.REPLACING);
                int slotId = catalog.reservations.reserve(cls, need);
                assert slotId == Space.NONE || space.used(slotId) && space.region(Space.regionOf(slotId)).slotBytes >= need
                        : "reserved slot " + slotId + " is free, or smaller than the " + need + " bytes needed";
                if (replaces) pos = index.find(fps[i]); // evictions move cells
                if (slotId == Space.NONE) {
                    if (replaces) index.setState(pos, KeyIndex.STORED);
                    results[i] = PutResult.NO_SPACE;
                    events.outOfSpace();
                    continue;
                }
                if (replaces) {
                    space.park(slotId); // no cell owns the new slot until the commit
                    catalog.touch(pos, now);
                } else {
                    pos = index.insert(fps[i], slotId, length, now, space::moved);
                    index.setGeneration(pos, catalog.generation);
                    space.moved(slotId, pos);
                }
                space.region(Space.regionOf(slotId)).lastAccess = now;
                catalog.pending.put(fps[i], new Catalog.Pending(slotId, runtime.newFuture()));
                planned.add(new Planned(i, fps[i], slotId, catalog.place(slotId), length,
                        SlotHeader.ioBytes(keys.get(i).length, length, slots.block()), ++catalog.seq, replaces,
                        expiresAt[i], placement.forSlot(space.region(Space.regionOf(slotId)).slotBytes)));
            }
            return new Plan(planned, catalog.lastDeleteTicket, waits);
        } finally {
            catalog.unlock();
        }
    }

    /**
     * Under the lock, marks each planned slot that was {@code written} as stored and journals it
     * (a replacement takes over the key's cell in the same step, its old slot parked), or frees it
     * (WRITE_FAILED, or CANCELED when a delete came meanwhile; a replaced value then stays as it
     * was). Then waits until the journal holds the stored ones durably (acknowledged means
     * durable), frees the replaced values' old slots, and ends the puts for whoever waits on them.
     * A small value stored gets its cached copy from {@code values} (null: none). Counts every outcome.
     */
    private void commit(List<Planned> planned, boolean[] written, List<MemorySegment> values, PutResult[] results) {
        byte[][] copies = copiesToKeep(planned, written, values);
        long ticket = 0;
        List<Integer> replacedSlots = new ArrayList<>();
        List<Catalog.Pending> ended = new ArrayList<>(planned.size());
        KeyIndex index = catalog.index;
        catalog.lock();
        try {
            for (int p = 0; p < planned.size(); p++) {
                Planned pl = planned.get(p);
                ended.add(catalog.pending.remove(pl.fp));
                long pos = index.find(pl.fp);
                byte state = index.state(pos);
                if (state == KeyIndex.CANCELED) {
                    results[pl.key] = PutResult.CANCELED;
                    catalog.remove(pos);
                } else if (!written[p]) {
                    results[pl.key] = PutResult.WRITE_FAILED;
                    if (state == KeyIndex.REPLACING) {
                        index.setState(pos, KeyIndex.STORED);
                        catalog.releaseSlot(pl.slotId);
                    } else {
                        catalog.remove(pos);
                    }
                } else {
                    long expiresAt = pl.expiresAt == Store.KEEP_EXPIRY ? (pl.replaces ? index.expiresAt(pos) : 0) : pl.expiresAt;
                    if (state == KeyIndex.REPLACING) {
                        int old = index.slotId(pos);
                        catalog.payload(old, -index.length(pos));
                        index.setSlot(pos, pl.slotId, pl.length);
                        catalog.space.moved(pl.slotId, pos);
                        catalog.space.park(old); // until the new value is durable, a crash brings the old one back
                        catalog.cache.forget(old); // no entry's value any more: no longer worth its memory
                        replacedSlots.add(old);
                    }
                    index.setState(pos, KeyIndex.STORED);
                    index.setGeneration(pos, catalog.generation);
                    catalog.payload(pl.slotId, pl.length);
                    if (copies[p] != null) catalog.keepCopy(pl.slotId, copies[p]);
                    results[pl.key] = PutResult.STORED;
                    ticket = journal.append(Change.put(pl.fp, pl.slotId, pl.length, pl.seq));
                    // A PUT clears the expiry in replay; an expiring value's EXPIRE follows it in the same group.
                    catalog.setExpiry(pos, expiresAt);
                    if (expiresAt != 0) ticket = journal.append(Change.expire(pl.fp, expiresAt));
                }
            }
        } finally {
            catalog.unlock();
        }
        if (ticket != 0 && !health.awaitDurable(ticket)) {
            unstore(planned, results); // offline now: the replaced values' old slots stay parked
        } else if (!replacedSlots.isEmpty()) {
            catalog.lock();
            try {
                replacedSlots.forEach(catalog::releaseSlot);
            } finally {
                catalog.unlock();
            }
        }
        for (Catalog.Pending e : ended) e.ended().complete(null);
        for (PutResult r : results) if (r != null) counted.count(r);
    }

    /**
     * Per planned key (null for the others), a copy of its value if it was written and is one the
     * cache keeps: taken before the lock, from the caller's memory, which is the value's until the
     * put returns.
     */
    private byte[][] copiesToKeep(List<Planned> planned, boolean[] written, List<MemorySegment> values) {
        byte[][] copies = new byte[planned.size()][];
        if (values == null) return copies;
        for (int p = 0; p < planned.size(); p++) {
            Planned pl = planned.get(p);
            if (written[p] && catalog.cache.keeps(pl.length)) {
                copies[p] = values.get(pl.key).toArray(ValueLayout.JAVA_BYTE);
            }
        }
        return copies;
    }

    /** The journal failed before these puts were durable: take back the ones that were indexed. */
    private void unstore(List<Planned> planned, PutResult[] results) {
        KeyIndex index = catalog.index;
        catalog.lock();
        try {
            for (Planned pl : planned) {
                if (results[pl.key] != PutResult.STORED) continue;
                long pos = index.find(pl.fp);
                if (pos >= 0 && index.slotId(pos) == pl.slotId) catalog.remove(pos);
                results[pl.key] = PutResult.WRITE_FAILED;
            }
        } finally {
            catalog.unlock();
        }
    }
}
