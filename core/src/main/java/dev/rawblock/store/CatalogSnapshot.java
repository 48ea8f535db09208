package dev.rawblock.store;

import java.util.function.Supplier;

/**
 * What a checkpoint reads from the {@link Catalog}, each call under its lock (see
 * {@link Checkpointer}): where the journal stands, the region table, and one region's entries at
 * a time, so that no lock hold grows with the whole index.
 */
final class CatalogSnapshot implements Checkpointer.Source {
    private final Catalog catalog;
    private final Journal journal;
    private final IoTracker io;

    CatalogSnapshot(Catalog catalog, Journal journal, IoTracker io) {
        this.catalog = catalog;
        this.journal = journal;
        this.io = io;
    }

    @Override
    public Checkpointer.Start start() {
        Space space = catalog.space;
        long[] regionSlotBytes = new long[space.regionCount()];
        for (int r = 0; r < regionSlotBytes.length; r++) {
            Space.Region region = space.region(r);
            regionSlotBytes[r] = region.classId == Space.NONE ? 0 : region.slotBytes;
        }
        return new Checkpointer.Start(journal.durableEnd(), catalog.seq, journal.lastTicket(), regionSlotBytes);
    }

    @Override
    public int entries(int r, long[][] buffer) {
        int slotCount = catalog.space.region(r).slotCount;
        if (buffer[0].length < (long) Checkpoint.PACKED * slotCount) buffer[0] = new long[Checkpoint.PACKED * slotCount];
        long[] e = buffer[0];
        KeyIndex index = catalog.index;
        int[] n = {0};
        // A value being written is left out: its PUT comes later in the journal.
        catalog.forEachEntry(r, (slotId, pos) -> {
            int k = Checkpoint.PACKED * n[0]++;
            e[k] = index.fpHi(pos);
            e[k + 1] = index.fpLo(pos);
            e[k + 2] = (long) slotId << 32 | index.length(pos);
            e[k + 3] = index.expiresAt(pos);
        });
        return n[0];
    }

    @Override
    public long inFlightIo() {
        return io.inFlight();
    }

    @Override
    public <T> T locked(Supplier<T> action) {
        return catalog.locked(action);
    }
}
