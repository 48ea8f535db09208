package dev.rawblock.store;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Checks every entry's slot, header and payload ({@link Store#verify}), region by region: the
 * entries are collected under the lock, read and checked outside it, and with repair those that
 * failed are dropped (journaled) in one more lock hold per region.
 */
final class Fsck {
    /** Problems a report lists, at most. */
    private static final int MAX_PROBLEMS = 100;

    private final Catalog catalog;
    private final SlotIo slots;

    Fsck(Catalog catalog, SlotIo slots) {
        this.catalog = catalog;
        this.slots = slots;
    }

    /**
     * Reads and checks every entry; with {@code repair}, drops those that fail. The caller waits for
     * the drops to be durable.
     */
    Store.VerifyReport verify(boolean repair, LongConsumer progress) {
        long checked = 0, errors = 0, repaired = 0;
        List<String> problems = new ArrayList<>();
        for (int r = 0; r < catalog.space.regionCount(); r++) {
            List<LoadBatch.Found> region = entriesOf(r);
            List<LoadBatch.Found> bad = new ArrayList<>();
            long before = checked;
            slots.scan().read(region, (i, image, failure) -> {
                LoadBatch.Found f = region.get(i);
                String problem;
                try {
                    if (failure != null) throw failure;
                    problem = SlotHeader.verifySlot(image, f.fp(), slots.storeId(), f.length(), slots.block());
                } catch (RuntimeException e) {
                    problem = "unreadable: " + e.getMessage();
                }
                if (problem != null) {
                    bad.add(f);
                    if (problems.size() < MAX_PROBLEMS) problems.add(entryName(image, f) + ": " + problem);
                }
            }, done -> progress.accept(before + done));
            checked += region.size();
            errors += bad.size();
            if (repair && !bad.isEmpty()) {
                catalog.lock();
                try {
                    for (LoadBatch.Found f : bad) if (catalog.dropCorrupt(f.fp(), f.slotId())) repaired++;
                } finally {
                    catalog.unlock();
                }
            }
        }
        return new Store.VerifyReport(checked, errors, repaired, List.copyOf(problems));
    }

    /** Under one lock hold: the entries of region {@code r}, each to be read whole. */
    private List<LoadBatch.Found> entriesOf(int r) {
        List<LoadBatch.Found> region = new ArrayList<>();
        catalog.lockQuietly();
        try {
            long slotBytes = catalog.space.region(r).slotBytes;
            catalog.forEachEntry(r, (slotId, pos) -> {
                // The key length is unknown here: read all the image the slot can hold, which covers any header.
                region.add(new LoadBatch.Found(-1, catalog.fingerprint(pos), slotId, catalog.place(slotId),
                        catalog.index.length(pos), catalog.slots.imageBytes(slotBytes)));
            });
        } finally {
            catalog.unlock();
        }
        return region;
    }

    /**
     * How fsck names an entry: by its key when the slot header still holds one whose fingerprint is
     * the entry's (so it is provably this entry's key), else by slot and fingerprint.
     */
    private static String entryName(MemorySegment slot, LoadBatch.Found f) {
        long n = SlotHeader.headerLength(slot);
        if (n > 0 && n <= slot.byteSize()) {
            byte[] key = SlotHeader.key(slot);
            if (Fingerprint.of(key).equals(f.fp())) return "key \"" + printable(key) + "\" (slot " + f.slotId() + ")";
        }
        return "slot " + f.slotId() + " (" + f.fp() + ")";
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
}
