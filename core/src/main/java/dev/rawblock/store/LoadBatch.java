package dev.rawblock.store;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Loads, batched ({@link Store#loadMany}) and streamed ({@link ValueReader}): one lock hold looks
 * the keys up and leases their slots, the reads and their verification run outside it
 * ({@link SlotIo}), and the leases are given back; a slot that failed verification has its entry
 * dropped. Each key is looked up in the index once.
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

    /**
     * Looks the keys up and leases their slots in one lock hold, reads them in one submission, then
     * gives the leases back: a slot freed meanwhile (its key deleted or replaced) is not reused
     * until then, so a read finds the value it looked up, or corruption.
     */
    long[] load(List<byte[]> keys, List<MemorySegment> destinations) {
        long[] results = new long[keys.size()];
        Arrays.fill(results, Store.MISS);
        List<Found> found = new ArrayList<>();
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
                if (destinations.get(i).byteSize() < length) {
                    results[i] = Store.DESTINATION_TOO_SMALL;
                    continue;
                }
                catalog.touch(pos, now);
                int slotId = catalog.lease(pos); // not reused while it is read (see Catalog.releaseSlot)
                found.add(new Found(i, fp, slotId, catalog.place(slotId), length,
                        SlotHeader.ioBytes(keys.get(i).length, length, block)));
            }
        } finally {
            catalog.unlock();
        }

        List<Found> corrupt = new ArrayList<>();
        try {
            slots.read(keys, destinations, found, results, corrupt);
        } finally {
            catalog.lock();
            try {
                for (Found f : found) catalog.unlease(f.slotId);
            } finally {
                catalog.unlock();
            }
        }
        if (!corrupt.isEmpty()) catalog.dropCorrupt(corrupt);
        for (long r : results) counted.count(r >= 0);
        return results;
    }

    /**
     * Looks {@code key} up once and, for a value not inline in its header, leases its slot to a
     * {@link ValueReader}; null when it is not stored (a miss) or inline.
     */
    ValueReader open(byte[] key) {
        Fingerprint fp = Fingerprint.of(key);
        int slotId;
        long length;
        SlotLayout.Place place;
        catalog.lock();
        try {
            long pos = catalog.find(fp, runtime.currentTimeMillis());
            if (pos < 0) {
                counted.count(false);
                return null;
            }
            length = catalog.index.length(pos);
            if (SlotHeader.inline(key.length, length, slots.block())) return null;
            catalog.touch(pos, ++catalog.clock);
            slotId = catalog.lease(pos); // the slot stays this value's until the reader closes
            place = catalog.place(slotId);
        } finally {
            catalog.unlock();
        }
        return new ValueReader(slots, catalog, counted, key.clone(), fp, slotId, place, length);
    }
}
