package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.IoBuffer;
import dev.rawblock.device.IoOp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static dev.rawblock.store.RecoveryProgress.Phase.CHECKING_SLOTS;
import static dev.rawblock.store.RecoveryProgress.Phase.LOADING_CHECKPOINT;
import static dev.rawblock.store.RecoveryProgress.Phase.REPLAYING_JOURNAL;

/**
 * Rebuilds the index and the space map at open, in work bounded by recent change rather than by
 * the device: the newest valid checkpoint, then the journal written since it, then a check of
 * only the slots the journal named (their headers, read in batched submissions; a large slot's
 * header is in the header table, see {@link SlotLayout}).
 *
 * <p>Replay applies each change in order, so for every key the last change wins; a checkpoint
 * taken while the store ran is "fuzzy" (regions were scanned one at a time) and replay from the
 * position recorded when its scan began makes it exact. Entries that fail the check, name a region
 * of unknown slot size, or share a slot are dropped and counted, never served.
 */
final class Recovery {
    private static final int VALIDATE_BATCH = 512;

    private Recovery() {}

    /**
     * What recovery found.
     *
     * @param checkpointSeq newest valid checkpoint's number
     * @param journalFrom   where replay started
     * @param journalEnd    where the journal continues
     * @param entries       entries in the index after recovery
     * @param replayed      journal changes applied
     * @param validated     slots whose headers were checked
     * @param dropped       entries dropped (failed check, unknown region, shared slot, index full)
     * @param restored      keys given back the value a replacing PUT of the last journal group
     *                      replaced, because that PUT's data never landed. Like the drops, it must
     *                      be made lasting by a checkpoint before anything else is journaled: a later
     *                      replay, to which that group is no longer the last, would trust its PUTs
     * @param maxSeq        largest write sequence number seen
     * @param problems      why a checkpoint copy was refused, if one was
     * @param millis        time taken
     */
    record Report(long checkpointSeq, long journalFrom, long journalEnd, long entries, long replayed, long validated,
                  long dropped, long restored, long maxSeq, List<String> problems, long millis) {
        /** One line for an operator: what was recovered, how, and what was wrong. */
        String summary(Superblock sb) {
            // The checkpoint area, not the space, bounds the entries of a store formatted before it had room for one per block.
            boolean entryLimited = sb.maxEntries() < Math.min(FormatOptions.MAX_ENTRIES, sb.capacity() / sb.blockBytes());
            return "recovered " + entries + " entries from checkpoint " + checkpointSeq + " and " + replayed
                    + " journal changes (" + validated + " slots checked, " + dropped + " dropped) in "
                    + millis + " ms" + (problems.isEmpty() ? "" : "; " + String.join("; ", problems))
                    + (entryLimited ? "; holds at most " + sb.maxEntries() + " entries (fixed when it was"
                            + " formatted: beyond them the oldest are evicted; a store formatted now holds one per block)" : "");
        }
    }

    static Report run(BlockDevice device, Superblock sb, MetadataLayout layout, KeyIndex index, Space space,
                      SizeClasses classes, RecoveryProgress progress) throws IOException {
        long t0 = System.nanoTime();
        List<String> problems = new ArrayList<>();
        Checkpoint.Image image = Checkpoint.read(device, layout, sb.blockBytes(), sb.storeIdLo(), problems);
        if (image == null) {
            throw new IOException(device.path() + ": no valid checkpoint (" + (problems.isEmpty()
                    ? "neither copy was ever written" : String.join("; ", problems)) + "); run rawblock fsck to inspect it");
        }
        if (image.regionSlotBytes().length != sb.regionCount()) {
            throw new IOException(device.path() + ": checkpoint describes " + image.regionSlotBytes().length
                    + " regions, the superblock " + sb.regionCount());
        }
        long[] regionSlotBytes = image.regionSlotBytes().clone();
        long dropped = 0;
        long[] e = image.entries(); // in index order: see Checkpoint.Image
        // Headroom of a quarter: the journal's PUTs, and the first puts after the open, land
        // without a rehash of the whole table (one at 80% load would come with the very next put).
        index.reserve(image.entryCount() + image.entryCount() / 4, KeyIndex.MoveListener.NONE);
        for (int i = 0, k = 0; i < image.entryCount(); i++, k += Checkpoint.PACKED) {
            Fingerprint fp = new Fingerprint(e[k], e[k + 1]);
            if (index.insertIfAbsent(fp, (int) (e[k + 2] >>> 32), e[k + 2] & 0xffffffffL, e[k + 3],
                    KeyIndex.MoveListener.NONE) < 0) dropped++;
            if ((i + 1) % RecoveryProgress.EVERY == 0) progress.report(LOADING_CHECKPOINT, i + 1, image.entryCount());
        }
        progress.report(LOADING_CHECKPOINT, image.entryCount(), image.entryCount());

        // Replay. Entries a PUT names are marked WRITING until their slot is checked; ACCESS holds
        // the replay order, so that of two entries claiming one slot the later one wins.
        Map<Fingerprint, Long> touched = new HashMap<>();
        // Per key, the journal position of the block of its last PUT.
        Map<Fingerprint, Long> putAt = new HashMap<>();
        // Per key a PUT replaced: the value it replaced (see below, after the check).
        Map<Fingerprint, Replaced> replaced = new HashMap<>();
        long[] counters = new long[3]; // replayed, dropped, maxSeq
        counters[2] = image.maxSeq();
        Journal.Replayed journal = Journal.replay(device, layout, sb.blockBytes(), sb.storeIdLo(), image.journalFrom(),
                (c, blockPosition) -> {
            if (++counters[0] % RecoveryProgress.EVERY == 0) progress.report(REPLAYING_JOURNAL, counters[0], -1);
            switch (c.type()) {
                case Change.PUT -> {
                    long pos = index.find(c.fp());
                    if (pos >= 0) {
                        Long seq = touched.get(c.fp());
                        replaced.put(c.fp(), new Replaced(index.slotId(pos), index.length(pos), index.expiresAt(pos),
                                seq == null ? -1 : seq, blockPosition));
                        index.remove(pos, KeyIndex.MoveListener.NONE);
                    } else {
                        replaced.remove(c.fp());
                    }
                    if (index.full()) {
                        counters[1]++;
                        touched.remove(c.fp());
                        return;
                    }
                    pos = index.insert(c.fp(), c.slot(), c.length(), (int) counters[0], KeyIndex.MoveListener.NONE);
                    index.setState(pos, KeyIndex.WRITING);
                    touched.put(c.fp(), c.seq());
                    putAt.put(c.fp(), blockPosition);
                    counters[2] = Math.max(counters[2], c.seq());
                }
                case Change.CLEAR -> {
                    index.clear();
                    touched.clear();
                    replaced.clear();
                }
                case Change.EXPIRE -> {
                    long pos = index.find(c.fp());
                    if (pos >= 0) index.setExpiresAt(pos, c.length());
                }
                case Change.DELETE -> {
                    long pos = index.find(c.fp());
                    if (pos >= 0) index.remove(pos, KeyIndex.MoveListener.NONE);
                    touched.remove(c.fp());
                    replaced.remove(c.fp());
                }
                case Change.ASSIGN -> {
                    if (c.slot() >= 0 && c.slot() < regionSlotBytes.length) regionSlotBytes[c.slot()] = c.length();
                }
                default -> { }
            }
        });
        dropped += counters[1];
        progress.report(REPLAYING_JOURNAL, counters[0], counters[0]);

        // A PUT of a flushed group other than the last one names data that was durable before the
        // record was written (its writes completed, then the group's flush covered both): only the
        // others need their slot read. Loads check every slot they serve in any case.
        for (var it = touched.keySet().iterator(); it.hasNext(); ) {
            Fingerprint fp = it.next();
            if (journal.mayLackData(putAt.get(fp))) continue;
            index.setState(index.find(fp), KeyIndex.STORED);
            it.remove();
        }

        long validated = touched.size();
        List<Fingerprint> bad = validate(device, sb, index, regionSlotBytes, touched, progress);
        // The header may have landed without the payload (written separately, or a torn write that
        // kept its first blocks): a replacing PUT of the last group has its whole slot checked.
        for (Map.Entry<Fingerprint, Replaced> r : replaced.entrySet()) {
            if (r.getValue().putPosition < journal.lastGroupStart() || bad.contains(r.getKey())) continue;
            long pos = index.find(r.getKey());
            if (pos >= 0 && !payloadIntact(device, sb, index, regionSlotBytes, r.getKey(), pos)) {
                index.remove(pos, KeyIndex.MoveListener.NONE);
                bad.add(r.getKey());
            }
        }
        // A replacing PUT of the last group, whose slot fails its check, reached the device without
        // its data: the crash came before the flush that makes them durable together. The key then
        // keeps the value it replaced, whose slot is still intact (it is freed only once the PUT
        // is durable). Overwrite is atomic across a crash: the old value or the new one, never
        // neither. A PUT of an earlier group was durable with its data: a slot failing its check
        // then is damage, and the key is dropped rather than served an older value.
        Map<Fingerprint, Long> fallbacks = new HashMap<>();
        long restored = 0;
        for (Fingerprint fp : bad) {
            Replaced r = replaced.get(fp);
            if (r == null || r.putPosition < journal.lastGroupStart()) {
                dropped++;
                continue;
            }
            long pos = index.insert(fp, r.slotId, r.length, 0, KeyIndex.MoveListener.NONE);
            restored++;
            index.setExpiresAt(pos, r.expiresAt);
            if (r.seq < 0) index.setState(pos, KeyIndex.STORED); // from the checkpoint, as trusted as its other entries
            else fallbacks.put(fp, r.seq);
        }
        if (!fallbacks.isEmpty()) {
            validated += fallbacks.size();
            long failed = validate(device, sb, index, regionSlotBytes, fallbacks, progress).size();
            dropped += failed;
            restored -= failed;
        }
        dropped += rebuildSpace(sb, index, space, classes, regionSlotBytes, counters[0] > 0);
        return new Report(image.seq(), image.journalFrom(), journal.end(), index.size(), counters[0], validated, dropped,
                restored, counters[2], List.copyOf(problems), (System.nanoTime() - t0) / 1_000_000);
    }

    /** Whether the whole slot of the entry at {@code pos} checks out: header and payload checksum. */
    private static boolean payloadIntact(BlockDevice device, Superblock sb, KeyIndex index, long[] regionSlotBytes,
                                         Fingerprint fp, long pos) {
        int slotId = index.slotId(pos);
        SlotLayout slots = SlotLayout.of(sb);
        long slotBytes = regionSlotBytes[Space.regionOf(slotId)];
        try (IoBuffer buf = device.buffers().allocate(slots.imageBytes(slotBytes))) {
            // A failed check is read once more: a fault in transit must not pass for data that never landed.
            for (int attempt = 0; attempt < 2; attempt++) {
                try {
                    readAll(device, place(sb, regionSlotBytes, slotId).read(0, buf.segment()));
                    if (SlotHeader.verifySlot(buf.segment(), fp, sb.storeIdLo(), index.length(pos), sb.blockBytes()) == null) {
                        return true;
                    }
                } catch (RuntimeException e) {
                    // unreadable: try again, then give up
                }
            }
            return false;
        }
    }

    /**
     * What a replayed PUT replaced: its slot, length and expiry, and its write sequence number (-1:
     * from the checkpoint); and the journal position of the replacing PUT's block.
     */
    private record Replaced(int slotId, long length, long expiresAt, long seq, long putPosition) {}

    /** Where the image of a slot lives, by the region slot sizes recovered so far. */
    private static SlotLayout.Place place(Superblock sb, long[] regionSlotBytes, int slotId) {
        return SlotLayout.of(sb).place(slotId, regionSlotBytes[Space.regionOf(slotId)]);
    }

    /** Submits the reads and waits for every one of them (so their memory is free again); throws if one failed. */
    private static void readAll(BlockDevice device, List<IoOp> reads) {
        SlotLayout.all(device.submit(reads)).join();
    }

    /**
     * Reads the header of every slot the journal named, in offset order, in batches of
     * {@value #VALIDATE_BATCH} with up to {@value #BATCHES_IN_FLIGHT} batches in flight; drops the
     * entries whose header does not match, and returns them.
     */
    private static List<Fingerprint> validate(BlockDevice device, Superblock sb, KeyIndex index, long[] regionSlotBytes,
                                              Map<Fingerprint, Long> touched, RecoveryProgress progress) {
        int block = sb.blockBytes();
        List<Fingerprint> bad = new ArrayList<>();
        List<Fingerprint> readable = new ArrayList<>(touched.size());
        for (Fingerprint fp : touched.keySet()) {
            int slotId = index.slotId(index.find(fp));
            int region = Space.regionOf(slotId);
            if (region >= regionSlotBytes.length || regionSlotBytes[region] == 0) bad.add(fp);
            else readable.add(fp);
        }
        // The first image block holds the header of any key up to 4032 bytes (in the header table, for a large slot).
        readable.sort(java.util.Comparator.comparingLong(fp -> place(sb, regionSlotBytes, index.slotId(index.find(fp))).first()));
        List<FirstBlock> slots = new ArrayList<>(readable.size());
        for (Fingerprint fp : readable) slots.add(new FirstBlock(place(sb, regionSlotBytes, index.slotId(index.find(fp))), block));
        new SlotScan(device.buffers(), device::submit, Long.MAX_VALUE, VALIDATE_BATCH, BATCHES_IN_FLIGHT).read(slots,
                (i, first, failure) -> {
                    Fingerprint fp = readable.get(i);
                    long pos = index.find(fp);
                    SlotLayout.Place place = slots.get(i).place();
                    String problem = failure != null ? "unreadable: " + failure.getMessage()
                            : checkHeader(device, sb, place, first, fp, index.length(pos), touched.get(fp));
                    if (problem != null) { // read once more: a fault in transit must not pass for data that never landed
                        try {
                            problem = verifyHeader(device, sb, place, readLonger(device, place, block, block), fp,
                                    index.length(pos), touched.get(fp));
                        } catch (RuntimeException ex) {
                            problem = "unreadable: " + ex.getMessage();
                        }
                    }
                    if (problem == null) index.setState(pos, KeyIndex.STORED);
                    else bad.add(fp);
                }, checked -> {
                    if (checked < readable.size()) progress.report(CHECKING_SLOTS, checked, readable.size()); // the end is told below
                });
        progress.report(CHECKING_SLOTS, readable.size(), readable.size());
        for (Fingerprint fp : bad) index.remove(index.find(fp), KeyIndex.MoveListener.NONE);
        return bad;
    }

    /** A replayed slot to check: its image's first block, which holds its header. */
    private record FirstBlock(SlotLayout.Place place, long readBytes) implements SlotScan.Target {}

    /** As {@link #verifyHeader}, a failure to read the rest of a longer header being a problem too. */
    private static String checkHeader(BlockDevice device, Superblock sb, SlotLayout.Place place,
                                      java.lang.foreign.MemorySegment first, Fingerprint fp, long length, long seq) {
        try {
            return verifyHeader(device, sb, place, first, fp, length, seq);
        } catch (RuntimeException ex) {
            return "unreadable: " + ex.getMessage();
        }
    }

    private static final int BATCHES_IN_FLIGHT = 4;

    /** The problem with the slot header whose first block is {@code first} (reading the rest when it is longer), or null. */
    private static String verifyHeader(BlockDevice device, Superblock sb, SlotLayout.Place place,
                                       java.lang.foreign.MemorySegment first, Fingerprint fp, long length, long seq) {
        java.lang.foreign.MemorySegment header = first;
        long need = SlotHeader.headerLength(header);
        if (need > sb.blockBytes()) header = readLonger(device, place, need, sb.blockBytes());
        return SlotHeader.verifyHeader(header, fp, sb.storeIdLo(), length, seq);
    }

    /** The first {@code need} bytes of a slot's image (rounded up to the block), read on their own. */
    private static java.lang.foreign.MemorySegment readLonger(BlockDevice device, SlotLayout.Place place, long need,
                                                              int block) {
        long bytes = (need + block - 1) / block * block;
        IoBuffer buf = device.buffers().allocate(bytes);
        try {
            readAll(device, place.read(0, buf.segment()));
            return java.lang.foreign.MemorySegment.ofArray(buf.segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        } finally {
            buf.close();
        }
    }

    /**
     * Gives each region holding entries to the class of its slot size and marks their slots used.
     * Returns how many entries had to be dropped (unknown region size, slot out of range, or a slot
     * claimed twice: the later claim wins). Uses one array per region, slot -> index position, so
     * its cost is a few passes over the index, with no per-entry objects.
     */
    private static long rebuildSpace(Superblock sb, KeyIndex index, Space space, SizeClasses classes,
                                     long[] regionSlotBytes, boolean replayed) {
        int regions = regionSlotBytes.length;
        long[][] owner = new long[regions][];
        List<Fingerprint> drop = new ArrayList<>();
        for (long pos = 0; pos < index.capacity(); pos++) {
            if (index.empty(pos)) continue;
            int slotId = index.slotId(pos);
            int region = Space.regionOf(slotId), slot = Space.slotOf(slotId);
            long slotBytes = region < regions ? regionSlotBytes[region] : 0;
            if (slotBytes == 0 || slot >= Space.slotsIn(sb.regionBytes(), slotBytes) || index.length(pos) > slotBytes) {
                drop.add(new Fingerprint(index.fpHi(pos), index.fpLo(pos)));
                continue;
            }
            if (owner[region] == null) {
                owner[region] = new long[Space.slotsIn(sb.regionBytes(), slotBytes)];
                java.util.Arrays.fill(owner[region], -1);
            }
            long prev = owner[region][slot];
            if (prev < 0) {
                owner[region][slot] = pos;
            } else { // two entries claim one slot: the later journal change wins (ACCESS holds replay order)
                long loser = index.access(pos) - index.access(prev) > 0 ? prev : pos;
                owner[region][slot] = loser == prev ? pos : prev;
                drop.add(new Fingerprint(index.fpHi(loser), index.fpLo(loser)));
            }
        }
        if (!drop.isEmpty()) {
            // Removing moves cells: drop first, then collect positions afresh.
            for (Fingerprint fp : drop) index.remove(index.find(fp), KeyIndex.MoveListener.NONE);
            for (long[] o : owner) if (o != null) java.util.Arrays.fill(o, -1);
            for (long pos = 0; pos < index.capacity(); pos++) {
                if (index.empty(pos)) continue;
                int slotId = index.slotId(pos);
                owner[Space.regionOf(slotId)][Space.slotOf(slotId)] = pos;
            }
        }
        // Replayed entries hold their replay order in ACCESS; all start equal for eviction. The
        // checkpoint's have 0 already (fresh cells), so without a journal there is nothing to do.
        if (replayed) for (long pos = 0; pos < index.capacity(); pos++) if (!index.empty(pos)) index.touch(pos, 0);
        for (int r = 0; r < regions; r++) {
            if (owner[r] == null) continue;
            int count = 0;
            for (long p : owner[r]) if (p >= 0) count++;
            if (count == 0) continue;
            int[] used = new int[count];
            long[] positions = new long[count];
            for (int slot = 0, i = 0; slot < owner[r].length; slot++) {
                if (owner[r][slot] < 0) continue;
                used[i] = slot;
                positions[i++] = owner[r][slot];
            }
            int cls = classes.exact(regionSlotBytes[r]);
            if (cls < 0 || !space.restore(r, cls, regionSlotBytes[r], used, positions, count)) {
                throw new IllegalStateException("region " + r + " cannot be restored");
            }
        }
        space.restored();
        return drop.size();
    }
}
