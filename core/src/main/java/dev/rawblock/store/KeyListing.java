package dev.rawblock.store;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Lists stored keys ({@link Store#scan}, {@link Store#randomKey}): the index holds only
 * fingerprints, so the keys are read from the slot headers of the entries found under the lock,
 * outside it, and only those whose header still checks out are told.
 */
final class KeyListing {
    /** Slots one {@link #scan} call looks at, at most, under the lock (a page may come back short, or empty). */
    static final int SCAN_SLOTS = 65536;

    private final Catalog catalog;
    private final SlotIo slots;
    private final StoreRuntime runtime;

    KeyListing(Catalog catalog, SlotIo slots, StoreRuntime runtime) {
        this.catalog = catalog;
        this.slots = slots;
        this.runtime = runtime;
    }

    /** One page of a scan from {@code cursor}: see {@link Store#scan}. */
    long scan(long cursor, int count, Store.KeyVisitor visitor) {
        List<LoadBatch.Found> page = new ArrayList<>();
        long next;
        Space space = catalog.space;
        catalog.lockQuietly();
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
                long pos = catalog.entryIn(slotId);
                if (pos < 0 || catalog.index.expired(pos, nowMillis)) continue;
                page.add(firstBlockOf(slotId, pos));
            }
            next = r >= space.regionCount() ? 0 : (long) r << Space.SLOT_BITS | slot;
        } finally {
            catalog.unlock();
        }
        readKeys(page, visitor);
        return next;
    }

    /** A stored key chosen at random, or null: see {@link Store#randomKey}. */
    byte[] randomKey() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        KeyIndex index = catalog.index;
        for (int attempt = 0; attempt < 16; attempt++) {
            List<LoadBatch.Found> one = new ArrayList<>(1);
            catalog.lockQuietly();
            try {
                if (index.size() == 0) return null;
                long nowMillis = runtime.currentTimeMillis();
                for (int tries = 0; tries < 1024 && one.isEmpty(); tries++) {
                    long pos = random.nextLong(index.capacity());
                    if (index.empty(pos) || !index.readable(pos) || catalog.stale(pos) || index.expired(pos, nowMillis)) {
                        continue;
                    }
                    one.add(firstBlockOf(index.slotId(pos), pos));
                }
            } finally {
                catalog.unlock();
            }
            byte[][] key = new byte[1][];
            readKeys(one, (k, length) -> key[0] = k);
            if (key[0] != null) return key[0];
        }
        return null;
    }

    /** Under the lock: the entry at {@code pos} in {@code slotId}, to read its image's first block. */
    private LoadBatch.Found firstBlockOf(int slotId, long pos) {
        // One block holds the header of any key up to 4 KiB less 64 bytes; longer ones are re-read.
        return new LoadBatch.Found(-1, catalog.fingerprint(pos), slotId, catalog.place(slotId),
                catalog.index.length(pos), slots.block());
    }

    /** Reads the keys of {@code entries} from their slot headers; skips those that do not check out. */
    private void readKeys(List<LoadBatch.Found> entries, Store.KeyVisitor visitor) {
        slots.scan().read(entries, (i, first, failure) -> {
            if (failure != null) return;
            LoadBatch.Found f = entries.get(i);
            MemorySegment header = first;
            long need = SlotHeader.headerLength(header);
            if (need > slots.block()) header = slots.readHeader(f.place(), need);
            if (header == null || SlotHeader.verifyHeader(header, f.fp(), slots.storeId(), f.length(),
                    SlotHeader.seq(header)) != null) return;
            visitor.visit(SlotHeader.key(header), f.length());
        }, checked -> { });
    }
}
