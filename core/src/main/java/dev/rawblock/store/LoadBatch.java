package dev.rawblock.store;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Loads, batched ({@link Store#loadMany}) and streamed ({@link ValueReader}): one lock hold looks
 * the keys up and leases their slots, the reads and their verification run outside it
 * ({@link SlotIo}), and the leases are given back; a slot that failed verification has its entry
 * dropped. Each key is looked up in the index once: a caller that sizes its memory from the
 * lookup gets asked for it with the slots leased ({@link Destination}), so a GET needs one lookup.
 */
final class LoadBatch {
    /**
     * A key of a load batch that was found in the index, its slot leased; also an entry a scan
     * reads ({@code key} -1), {@code ioBytes} of its image from the start.
     */
    record Found(int key, Fingerprint fp, int slotId, SlotLayout.Place place, long length, long ioBytes)
            implements SlotScan.Target {
        @Override
        public long readBytes() {
            return ioBytes;
        }
    }

    private final Catalog catalog;
    private final SlotIo slots;
    private final StoreRuntime runtime;
    private final StoreCounters.Loads counted;

    LoadBatch(Catalog catalog, SlotIo slots, StoreRuntime runtime, StoreCounters.Loads counted) {
        this.catalog = catalog;
        this.slots = slots;
        this.runtime = runtime;
        this.counted = counted;
    }

    /** Whether a key found with a value of {@code length} bytes is leased for the read (else: too small). */
    @FunctionalInterface
    private interface Admit {
        boolean test(int key, long length);
    }

    /**
     * Looks the keys up and leases their slots in one lock hold, reads them in one submission, then
     * gives the leases back: a slot freed meanwhile (its key deleted or replaced) is not reused
     * until then, so a read finds the value it looked up, or corruption.
     */
    long[] load(List<byte[]> keys, List<MemorySegment> destinations) {
        long[] results = misses(keys.size());
        Lookup lookup = lease(keys, (i, length) -> destinations.get(i).byteSize() >= length, true, results);
        for (int i = 0; i < keys.size(); i++) {
            if (lookup.cached[i] != null) copy(lookup.cached[i], destinations.get(i), i, results);
        }
        return readLeased(keys, destinations, lookup.leased, results);
    }

    /**
     * As {@link #load(List, List)} with destinations the caller sizes from this lookup: asked for
     * outside the lock, with the slots leased, so the length and the bytes are those of one value.
     */
    long[] load(List<byte[]> keys, Destination destination) throws InterruptedException {
        long[] results = misses(keys.size());
        Lookup lookup;
        Health health = slots.health();
        health.begin();
        try {
            lookup = lease(keys, (i, length) -> true, true, results);
        } finally {
            health.end();
        }
        return loadLeased(keys, lookup, results, destination);
    }

    /**
     * One key, one lookup: a value of {@code streamFrom} bytes or more (and not inline in its
     * header) goes to a {@link ValueReader}, which keeps the lease; a smaller one is loaded into
     * {@code destination} (from the cache when it has a copy).
     */
    GetResult get(byte[] key, long streamFrom, Destination destination) throws InterruptedException {
        long[] results = misses(1);
        List<byte[]> keys = List.of(key);
        Lookup lookup;
        Health health = slots.health();
        health.begin();
        try {
            lookup = lease(keys, (i, length) -> true, true, results);
            if (lookup.leased.isEmpty() && lookup.cached[0] == null) {
                counted.count(false);
                return GetResult.MISS;
            }
            Found f = lookup.leased.isEmpty() ? null : lookup.leased.getFirst();
            if (f != null && f.length >= streamFrom && !SlotHeader.inline(key.length, f.length, slots.block())) {
                return new GetResult(f.length, reader(key, f));
            }
        } finally {
            health.end();
        }
        return new GetResult(loadLeased(keys, lookup, results, destination)[0], null);
    }

    /**
     * Looks {@code key} up once and, for a value not inline in its header, leases its slot to a
     * {@link ValueReader}; null when it is not stored (a miss) or inline.
     */
    ValueReader open(byte[] key) {
        long[] results = misses(1);
        // Not from the cache: a reader is for values read in pieces, and it keeps its lease while it is open.
        List<Found> found = lease(List.of(key), (i, length) -> !SlotHeader.inline(key.length, length, slots.block()),
                false, results).leased;
        if (found.isEmpty()) {
            if (results[0] == Store.MISS) counted.count(false);
            return null;
        }
        return reader(key, found.getFirst());
    }

    /** A reader of a found value; it gives the lease back when it closes. */
    private ValueReader reader(byte[] key, Found f) {
        return new ValueReader(slots, catalog, counted, key.clone(), f.fp, f.slotId, f.place, f.length);
    }

    private static long[] misses(int keys) {
        long[] results = new long[keys];
        Arrays.fill(results, Store.MISS);
        return results;
    }

    /**
     * What a lookup found: the keys whose slots it leased for a read, and per key (null for the
     * others) the cached copy of a value that needs no read.
     */
    private record Lookup(List<Found> leased, byte[][] cached) {}

    /**
     * In one lock hold, finds the keys that can be served now, touches them (an access, for
     * eviction) and, with {@code fromCache}, takes the cached copies of those that have one, and
     * leases the slots of the others; a key found that {@code admit} refuses is neither:
     * {@link Store#DESTINATION_TOO_SMALL} in {@code results}.
     */
    private Lookup lease(List<byte[]> keys, Admit admit, boolean fromCache, long[] results) {
        List<Found> found = new ArrayList<>();
        byte[][] cached = new byte[keys.size()][];
        int block = slots.block();
        catalog.lock();
        try {
            int now = ++catalog.clock;
            long nowMillis = runtime.currentTimeMillis();
            for (int i = 0; i < keys.size(); i++) {
                Fingerprint fp = Fingerprint.of(keys.get(i));
                long pos = catalog.find(fp, nowMillis);
                if (pos < 0) continue;
                long length = catalog.index.length(pos);
                if (!admit.test(i, length)) {
                    results[i] = Store.DESTINATION_TOO_SMALL;
                    continue;
                }
                catalog.touch(pos, now);
                // A copy is of the value this slot holds now (see SmallValueCache): no lease needed.
                cached[i] = fromCache ? catalog.cache.get(catalog.index.slotId(pos), length) : null;
                if (cached[i] != null) continue;
                int slotId = catalog.lease(pos); // not reused while it is read (see Catalog.releaseSlot)
                found.add(new Found(i, fp, slotId, catalog.place(slotId), length,
                        SlotHeader.ioBytes(keys.get(i).length, length, block)));
            }
        } finally {
            catalog.unlock();
        }
        return new Lookup(found, cached);
    }

    /** Copies a cached value into key {@code key}'s destination: its result is then a hit. */
    private static void copy(byte[] value, MemorySegment destination, int key, long[] results) {
        MemorySegment.copy(value, 0, destination, ValueLayout.JAVA_BYTE, 0, value.length);
        results[key] = value.length;
    }

    /**
     * Asks {@code destination} for the memory of each leased key, then reads them. The caller may
     * wait there (for a memory budget): outside the catalog's lock and outside the store's
     * operations ({@link Health}), so that neither other calls nor a close wait for it; the reads
     * are an operation of their own.
     */
    private long[] loadLeased(List<byte[]> keys, Lookup lookup, long[] results, Destination destination)
            throws InterruptedException {
        List<Found> found = lookup.leased;
        MemorySegment[] into = new MemorySegment[keys.size()];
        List<Found> reading = new ArrayList<>(found.size());
        List<Found> leftOut = new ArrayList<>();
        try {
            // In key order, cached or leased, so that a destination with a budget is asked as before.
            for (int i = 0, next = 0; i < keys.size(); i++) {
                Found f = next < found.size() && found.get(next).key == i ? found.get(next++) : null;
                byte[] value = lookup.cached[i];
                if (f == null && value == null) continue;
                long length = f != null ? f.length : value.length;
                MemorySegment dst = destination.forValue(i, length);
                if (dst == null) {
                    results[i] = Store.DESTINATION_TOO_SMALL;
                    if (f != null) leftOut.add(f);
                    continue;
                }
                if (dst.byteSize() < length) {
                    throw new IllegalArgumentException("destination of " + dst.byteSize() + " bytes for a value of "
                            + length);
                }
                if (f == null) {
                    copy(value, dst, i, results);
                    continue;
                }
                into[i] = dst;
                reading.add(f);
            }
        } catch (InterruptedException | RuntimeException e) {
            release(found);
            throw e;
        }
        release(leftOut); // nothing to read there
        Health health = slots.health();
        try {
            health.begin();
        } catch (RuntimeException closed) {
            release(reading);
            throw closed;
        }
        try {
            return readLeased(keys, Arrays.asList(into), reading, results);
        } finally {
            health.end();
        }
    }

    /**
     * Reads the leased keys in one submission, keeps copies of the small values that verified, gives
     * the leases back, drops what failed verification. Counts every key (cached copies included).
     */
    private long[] readLeased(List<byte[]> keys, List<MemorySegment> destinations, List<Found> found, long[] results) {
        List<Found> corrupt = new ArrayList<>();
        byte[][] copies = null;
        try {
            slots.read(keys, destinations, found, results, corrupt);
            copies = copiesToKeep(destinations, found, results);
        } finally {
            release(found, copies);
        }
        if (!corrupt.isEmpty()) catalog.dropCorrupt(corrupt);
        for (long r : results) counted.count(r >= 0);
        return results;
    }

    /**
     * Per found key (null for the others), a copy of the value just read and verified, if it is one
     * the cache keeps; taken outside the lock, kept by {@link #release} while the slot is still leased.
     */
    private byte[][] copiesToKeep(List<MemorySegment> destinations, List<Found> found, long[] results) {
        byte[][] copies = null;
        for (int n = 0; n < found.size(); n++) {
            Found f = found.get(n);
            if (results[f.key] != f.length || !catalog.cache.keeps(f.length)) continue;
            if (copies == null) copies = new byte[found.size()][];
            copies[n] = destinations.get(f.key).asSlice(0, f.length).toArray(ValueLayout.JAVA_BYTE);
        }
        return copies;
    }

    private void release(List<Found> found) {
        release(found, null);
    }

    /**
     * Gives the leases back, first keeping {@code copies} (per found key, or null): under the same
     * lock hold, before the slots can be freed and reused, so a copy is of the value its slot holds.
     */
    private void release(List<Found> found, byte[][] copies) {
        if (found.isEmpty()) return;
        catalog.lock();
        try {
            for (int n = 0; n < found.size(); n++) {
                Found f = found.get(n);
                if (copies != null && copies[n] != null) catalog.keepCopy(f.slotId, copies[n]);
                catalog.unlease(f.slotId);
            }
        } finally {
            catalog.unlock();
        }
    }
}
