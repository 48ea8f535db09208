package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.IoBuffer;
import dev.rawblock.device.IoOp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Rebuilds the index and the space map at open, in work bounded by recent change rather than by
 * the device: the newest valid checkpoint, then the journal written since it, then a check of
 * only the slots the journal named (their headers, read in batched submissions).
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
     * @param maxSeq        largest write sequence number seen
     * @param problems      why a checkpoint copy was refused, if one was
     * @param millis        time taken
     */
    record Report(long checkpointSeq, long journalFrom, long journalEnd, long entries, long replayed, long validated,
                  long dropped, long maxSeq, List<String> problems, long millis) {}

    private static final KeyIndex.MoveListener NO_SLOTS_YET = (slotId, pos) -> { };

    static Report run(BlockDevice device, Superblock sb, MetadataLayout layout, KeyIndex index, Space space,
                      SizeClasses classes) throws IOException {
        long t0 = System.nanoTime();
        List<String> problems = new ArrayList<>();
        Checkpoint.Image image = Checkpoint.read(device, layout, sb.blockBytes(), sb.storeIdLo(), problems);
        if (image == null) {
            throw new IOException(device.path() + ": no valid checkpoint (" + String.join("; ", problems)
                    + "); run rawblock fsck to inspect it");
        }
        if (image.regionSlotBytes().length != sb.regionCount()) {
            throw new IOException(device.path() + ": checkpoint describes " + image.regionSlotBytes().length
                    + " regions, the superblock " + sb.regionCount());
        }
        long[] regionSlotBytes = image.regionSlotBytes().clone();
        long dropped = 0;
        long[] e = image.entries();
        for (int i = 0; i < image.entryCount(); i++) {
            Fingerprint fp = new Fingerprint(e[3 * i], e[3 * i + 1]);
            if (index.full() || index.find(fp) >= 0) {
                dropped++;
                continue;
            }
            long pos = index.insert(fp, (int) (e[3 * i + 2] >>> 32), e[3 * i + 2] & 0xffffffffL, 0);
            index.setState(pos, KeyIndex.STORED);
        }

        // Replay. Entries a PUT names are marked WRITING until their slot is checked; ACCESS holds
        // the replay order, so that of two entries claiming one slot the later one wins.
        Map<Fingerprint, Long> touched = new HashMap<>();
        long[] counters = new long[3]; // replayed, dropped, maxSeq
        counters[2] = image.maxSeq();
        long journalEnd = Journal.replay(device, layout, sb.blockBytes(), sb.storeIdLo(), image.journalFrom(), c -> {
            counters[0]++;
            switch (c.type()) {
                case Change.PUT -> {
                    long pos = index.find(c.fp());
                    if (pos >= 0) index.remove(pos, NO_SLOTS_YET);
                    if (index.full()) {
                        counters[1]++;
                        touched.remove(c.fp());
                        return;
                    }
                    pos = index.insert(c.fp(), c.slot(), c.length(), (int) counters[0]);
                    index.setState(pos, KeyIndex.WRITING);
                    touched.put(c.fp(), c.seq());
                    counters[2] = Math.max(counters[2], c.seq());
                }
                case Change.DELETE -> {
                    long pos = index.find(c.fp());
                    if (pos >= 0) index.remove(pos, NO_SLOTS_YET);
                    touched.remove(c.fp());
                }
                case Change.ASSIGN -> {
                    if (c.slot() >= 0 && c.slot() < regionSlotBytes.length) regionSlotBytes[c.slot()] = c.length();
                }
                default -> { }
            }
        });
        dropped += counters[1];

        long validated = touched.size();
        dropped += validate(device, sb, index, regionSlotBytes, touched);
        dropped += rebuildSpace(sb, index, space, classes, regionSlotBytes);
        return new Report(image.seq(), image.journalFrom(), journalEnd, index.size(), counters[0], validated, dropped,
                counters[2], List.copyOf(problems), (System.nanoTime() - t0) / 1_000_000);
    }

    private static long offset(Superblock sb, long[] regionSlotBytes, int slotId) {
        int region = Space.regionOf(slotId);
        return sb.regionBase() + region * sb.regionBytes() + Space.slotOf(slotId) * regionSlotBytes[region];
    }

    /** Reads the header of every slot the journal named, in batches; drops those that do not match. */
    private static long validate(BlockDevice device, Superblock sb, KeyIndex index, long[] regionSlotBytes,
                                 Map<Fingerprint, Long> touched) throws IOException {
        int block = sb.blockBytes();
        List<Fingerprint> bad = new ArrayList<>();
        List<Fingerprint> all = new ArrayList<>(touched.keySet());
        for (int start = 0; start < all.size(); start += VALIDATE_BATCH) {
            List<Fingerprint> batch = all.subList(start, Math.min(all.size(), start + VALIDATE_BATCH));
            List<IoOp> ops = new ArrayList<>();
            List<Fingerprint> readable = new ArrayList<>();
            try (IoBuffer buf = device.buffers().allocate((long) batch.size() * block)) {
                for (Fingerprint fp : batch) {
                    long pos = index.find(fp);
                    int slotId = index.slotId(pos);
                    int region = Space.regionOf(slotId);
                    if (region >= regionSlotBytes.length || regionSlotBytes[region] == 0) {
                        bad.add(fp);
                        continue;
                    }
                    ops.add(IoOp.read(offset(sb, regionSlotBytes, slotId),
                            buf.segment().asSlice((long) readable.size() * block, block)));
                    readable.add(fp);
                }
                List<CompletableFuture<Void>> done = device.submit(ops);
                for (int i = 0; i < readable.size(); i++) {
                    Fingerprint fp = readable.get(i);
                    long pos = index.find(fp);
                    String problem;
                    try {
                        done.get(i).join();
                        var header = ops.get(i).buffer();
                        long need = SlotHeader.headerLength(header);
                        if (need > block) header = readLonger(device, ops.get(i).offset(), need, block);
                        problem = SlotHeader.verifyHeader(header, fp, sb.storeIdLo(), index.length(pos), touched.get(fp));
                    } catch (RuntimeException ex) {
                        problem = "unreadable: " + ex.getMessage();
                    }
                    if (problem == null) index.setState(pos, KeyIndex.STORED);
                    else bad.add(fp);
                }
            }
        }
        for (Fingerprint fp : bad) index.remove(index.find(fp), NO_SLOTS_YET);
        return bad.size();
    }

    private static java.lang.foreign.MemorySegment readLonger(BlockDevice device, long offset, long need, int block) {
        long bytes = (need + block - 1) / block * block;
        IoBuffer buf = device.buffers().allocate(bytes);
        try {
            device.submit(List.of(IoOp.read(offset, buf.segment()))).getFirst().join();
            return java.lang.foreign.MemorySegment.ofArray(buf.segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        } finally {
            buf.close();
        }
    }

    /**
     * Gives each region holding entries to the class of its slot size and marks their slots used.
     * Returns how many entries had to be dropped (unknown region size, slot out of range, or a slot
     * claimed twice: the later claim wins).
     */
    private static long rebuildSpace(Superblock sb, KeyIndex index, Space space, SizeClasses classes,
                                     long[] regionSlotBytes) {
        // Pass 1: decide which entries cannot stay, without moving any cell.
        Set<Fingerprint> drop = new HashSet<>();
        Map<Integer, long[]> owner = new HashMap<>(); // slot id -> {position, access}
        for (long pos = 0; pos < index.capacity(); pos++) {
            if (index.empty(pos)) continue;
            int slotId = index.slotId(pos);
            int region = Space.regionOf(slotId);
            long slotBytes = region < regionSlotBytes.length ? regionSlotBytes[region] : 0;
            if (slotBytes == 0 || Space.slotOf(slotId) >= sb.regionBytes() / slotBytes || index.length(pos) > slotBytes) {
                drop.add(new Fingerprint(index.fpHi(pos), index.fpLo(pos)));
                continue;
            }
            long[] prev = owner.putIfAbsent(slotId, new long[] {pos, index.access(pos)});
            if (prev != null) {
                long loser = index.access(pos) - prev[1] > 0 ? prev[0] : pos;
                if (loser == prev[0]) owner.put(slotId, new long[] {pos, index.access(pos)});
                drop.add(new Fingerprint(index.fpHi(loser), index.fpLo(loser)));
            }
        }
        for (Fingerprint fp : drop) index.remove(index.find(fp), NO_SLOTS_YET);

        // Pass 2: collect (slot, position) per region and restore them.
        Map<Integer, List<long[]>> byRegion = new HashMap<>();
        for (long pos = 0; pos < index.capacity(); pos++) {
            if (index.empty(pos)) continue;
            index.touch(pos, 0);
            int slotId = index.slotId(pos);
            byRegion.computeIfAbsent(Space.regionOf(slotId), r -> new ArrayList<>()).add(new long[] {Space.slotOf(slotId), pos});
        }
        for (Map.Entry<Integer, List<long[]>> r : byRegion.entrySet()) {
            List<long[]> slots = r.getValue();
            int[] used = new int[slots.size()];
            long[] positions = new long[slots.size()];
            for (int i = 0; i < used.length; i++) {
                used[i] = (int) slots.get(i)[0];
                positions[i] = slots.get(i)[1];
            }
            long slotBytes = regionSlotBytes[r.getKey()];
            int cls = classes.exact(slotBytes);
            if (cls < 0 || !space.restore(r.getKey(), cls, slotBytes, used, positions, used.length)) {
                throw new IllegalStateException("region " + r.getKey() + " cannot be restored");
            }
        }
        space.restored();
        return drop.size();
    }
}
