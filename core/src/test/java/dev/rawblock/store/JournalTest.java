package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.IoBuffer;
import dev.rawblock.device.IoOp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal alone on a real file: group commit, replay in order, the ring wrapping, and replay
 * stopping at a stale block of the previous lap and at a torn or damaged block.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalTest {
    private static final int BLOCK = 4096;
    private static final int RING_BLOCKS = 16;
    private static final long RING = (long) RING_BLOCKS * BLOCK;
    private static final long JOURNAL_AT = 8 * BLOCK; // something before it, as in a store
    private static final long STORE_ID = 0x5EED_0001L;
    private static final int PER_BLOCK = (BLOCK - Journal.HEADER) / Change.BYTES;

    @TempDir
    Path dir;

    private BlockDevice device;
    private MetadataLayout layout;
    private final AtomicInteger checkpointsWanted = new AtomicInteger();
    private final List<Journal> journals = new ArrayList<>();

    @BeforeEach
    void open() throws IOException {
        device = BlockDevice.open(DeviceOptions.of(dir.resolve("journal.img")).withCreateSize(JOURNAL_AT + RING + BLOCK)
                .withArenaBytes(4 << 20));
        layout = new MetadataLayout(0, 4 * BLOCK, 4 * BLOCK, JOURNAL_AT, RING, MetadataLayout.ENTRY_BYTES);
    }

    @AfterEach
    void close() throws IOException {
        for (Journal j : journals) j.close();
        device.close();
    }

    private Journal journal(long start, long checkpointFrom) {
        return journal(start, checkpointFrom, true);
    }

    private Journal journal(long start, long checkpointFrom, boolean flush) {
        Journal j = new Journal(device, new IoTracker(device, Placement.of(device, PlacementPolicy.OFF), 0), layout, BLOCK,
                STORE_ID, flush, start, checkpointFrom, checkpointsWanted::incrementAndGet, StoreRuntime.SYSTEM);
        journals.add(j);
        return j;
    }

    private static Change put(int i) {
        return Change.put(new Fingerprint(i + 1, ~i), i, 100 + i, 1000 + i);
    }

    /** Appends the changes as one group: the writer cannot take any of them until all are in. */
    private static long appendGroup(Journal j, List<Change> changes) {
        synchronized (j) {
            long ticket = 0;
            for (Change c : changes) ticket = j.append(c);
            return ticket;
        }
    }

    private static List<Change> puts(int from, int n) {
        List<Change> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) out.add(put(i));
        return out;
    }

    private record Replay(List<Change> changes, List<Long> positions, Journal.Replayed result) {}

    private Replay replay(long from) throws IOException {
        List<Change> changes = new ArrayList<>();
        List<Long> positions = new ArrayList<>();
        Journal.Replayed r = Journal.replay(device, layout, BLOCK, STORE_ID, from, (c, at) -> {
            changes.add(c);
            positions.add(at);
        });
        return new Replay(changes, positions, r);
    }

    /**
     * Recovery reads the slots of the last group's PUTs only when every block was written by a
     * flushing writer; a block of a writer that does not flush makes every PUT up to it suspect.
     */
    @Test
    void onlyTheLastFlushedGroupMayLackItsData() throws Exception {
        Journal flushing = journal(0, 0);
        for (int g = 0; g < 3; g++) flushing.sync(appendGroup(flushing, puts(g, 1))).get(10, TimeUnit.SECONDS);
        flushing.close();
        Journal.Replayed r = replay(0).result();
        assertEquals(-1, r.lastUnflushed());
        assertFalse(r.mayLackData(0));
        assertFalse(r.mayLackData(BLOCK));
        assertTrue(r.mayLackData(2 * BLOCK), "the last group");

        Journal notFlushing = journal(3 * BLOCK, 0, false);
        notFlushing.sync(appendGroup(notFlushing, puts(3, 1))).get(10, TimeUnit.SECONDS);
        notFlushing.close();
        Journal.Replayed after = replay(0).result();
        assertEquals(3 * BLOCK, after.lastUnflushed());
        assertTrue(after.mayLackData(0), "a later block without flushes: earlier data may be gone too");
    }

    @Test
    void changesComeBackInOrderWithTheirBlocksAndGroups() throws Exception {
        Journal j = journal(0, 0);
        long t1 = appendGroup(j, puts(0, 3));
        j.sync(t1).get(10, TimeUnit.SECONDS);
        long t2 = appendGroup(j, List.of(Change.delete(new Fingerprint(1, ~0)), Change.assign(7, 8192), Change.clear(),
                Change.expire(new Fingerprint(2, ~1), 123)));
        j.sync(t2).get(10, TimeUnit.SECONDS);
        assertTrue(j.isDurable(t2));
        assertEquals(2 * BLOCK, j.durableEnd());
        assertEquals(2, j.groups());

        Replay r = replay(0);
        List<Change> expected = new ArrayList<>(puts(0, 3));
        expected.addAll(List.of(Change.delete(new Fingerprint(1, ~0)), Change.assign(7, 8192), Change.clear(),
                Change.expire(new Fingerprint(2, ~1), 123)));
        assertEquals(expected, r.changes());
        assertEquals(List.of(0L, 0L, 0L, (long) BLOCK, (long) BLOCK, (long) BLOCK, (long) BLOCK), r.positions());
        assertEquals(2 * BLOCK, r.result().end());
        assertEquals(BLOCK, r.result().lastGroupStart(), "the last group starts at the second block");
    }

    @Test
    void aGroupThatReachesTheEndOfTheRingContinuesAtItsStart() throws Exception {
        long start = 3 * RING - BLOCK; // the last physical block of the ring, third lap
        Journal j = journal(start, start);
        List<Change> group = puts(0, 2 * PER_BLOCK + 5); // three blocks: one at the end, two at the start
        j.sync(appendGroup(j, group)).get(10, TimeUnit.SECONDS);
        assertEquals(1, j.groups(), "one group");

        Replay r = replay(start);
        assertEquals(group, r.changes());
        assertEquals(start + 3 * BLOCK, r.result().end());
        assertEquals(start, r.result().lastGroupStart());
        assertEquals(List.of(start, start + BLOCK, start + 2 * BLOCK),
                r.positions().stream().distinct().toList(), "logical positions keep growing across the wrap");
        // Physically: block 0 of the group in the ring's last block, blocks 1 and 2 at its start.
        assertEquals(Journal.MAGIC, readInt(JOURNAL_AT + RING - BLOCK));
        assertEquals(Journal.MAGIC, readInt(JOURNAL_AT));
        assertEquals(Journal.MAGIC, readInt(JOURNAL_AT + BLOCK));
    }

    @Test
    void replayStopsAtAStaleBlockOfThePreviousLap() throws Exception {
        Journal lap0 = journal(0, 0);
        lap0.sync(appendGroup(lap0, puts(0, 5 * PER_BLOCK))).get(10, TimeUnit.SECONDS); // physical blocks 0..4
        lap0.close();
        journals.clear();
        // A checkpoint covered all of lap 0; the next lap writes two blocks over its first two.
        Journal lap1 = journal(RING, RING);
        lap1.sync(appendGroup(lap1, puts(1000, 2 * PER_BLOCK))).get(10, TimeUnit.SECONDS);

        Replay r = replay(RING);
        assertEquals(puts(1000, 2 * PER_BLOCK), r.changes(), "lap 0's blocks 2..4 are stale, not replayed");
        assertEquals(RING + 2 * BLOCK, r.result().end());
        // And from lap 0's start nothing is valid any more where lap 1 wrote.
        assertEquals(0, replay(0).changes().size());
    }

    @Test
    void replayStopsAtADamagedBlockAndKeepsWhatCameBefore() throws Exception {
        Journal j = journal(0, 0);
        List<Change> group = puts(0, 3 * PER_BLOCK);
        j.sync(appendGroup(j, group)).get(10, TimeUnit.SECONDS);
        j.close();
        journals.clear();

        flipByte(JOURNAL_AT + BLOCK + Journal.HEADER + 3); // a change in the group's second block
        Replay r = replay(0);
        assertEquals(group.subList(0, PER_BLOCK), r.changes());
        assertEquals(BLOCK, r.result().end(), "writing resumes over the damaged block");
        assertEquals(0, r.result().lastGroupStart());
    }

    @Test
    void replayStopsAtATornBlock() throws Exception {
        Journal j = journal(0, 0);
        j.sync(appendGroup(j, puts(0, 2 * PER_BLOCK))).get(10, TimeUnit.SECONDS);
        j.close();
        journals.clear();
        // The second block's last sectors never landed: zeros where its tail was.
        zero(JOURNAL_AT + BLOCK + BLOCK / 2, BLOCK / 2);
        Replay r = replay(0);
        assertEquals(PER_BLOCK, r.changes().size());
        assertEquals(BLOCK, r.result().end());
    }

    @Test
    void replayStopsAtABlockOfAnotherStoreOrAnUnknownChange() throws Exception {
        Journal j = journal(0, 0);
        j.sync(appendGroup(j, puts(0, 2))).get(10, TimeUnit.SECONDS);
        j.close();
        journals.clear();
        assertEquals(0, Journal.replay(device, layout, BLOCK, STORE_ID + 1, 0, (c, at) -> { }).end(),
                "another store's journal is not replayed");

        // A well-formed block (valid checksum) whose second change has a type this version does not know.
        MemorySegment blk = read(JOURNAL_AT, BLOCK);
        blk.set(JAVA_BYTE, Journal.HEADER + Change.BYTES, (byte) 42);
        blk.set(JAVA_INT_UNALIGNED, 4, SlotHeader.crc(blk.asSlice(8)));
        write(JOURNAL_AT, blk);
        Replay r = replay(0);
        assertEquals(List.of(put(0)), r.changes(), "the changes before the unknown one");
        assertEquals(0, r.result().end(), "the block is where writing resumes");
    }

    @Test
    void aFullRingWaitsForACheckpointAndAsksForOne() throws Exception {
        Journal j = journal(0, 0);
        for (int g = 0; g < RING_BLOCKS; g++) j.sync(appendGroup(j, List.of(put(g)))).get(10, TimeUnit.SECONDS);
        assertEquals(1.0, j.fill());
        int askedBefore = checkpointsWanted.get();
        CompletableFuture<Void> waiting = j.sync(j.append(put(99)));
        Thread.sleep(200);
        assertFalse(waiting.isDone(), "no room until a checkpoint reclaims some");
        assertTrue(checkpointsWanted.get() > askedBefore, "the writer asked for a checkpoint");
        j.reclaim(2 * BLOCK);
        waiting.get(10, TimeUnit.SECONDS);
        Replay r = replay(2 * BLOCK);
        assertEquals(RING_BLOCKS - 2 + 1, r.changes().size(), "blocks 2..15 and the new one at physical block 0");
        assertEquals(put(99), r.changes().getLast());
    }

    @Test
    void aFailedWriteFailsTheWaitersAndEverySyncAfter() throws Exception {
        Journal j = journal(0, 0);
        j.sync(j.append(put(0))).get(10, TimeUnit.SECONDS);
        device.close(); // the next write cannot happen
        CompletableFuture<Void> lost = j.sync(j.append(put(1)));
        Exception e = assertThrows(java.util.concurrent.ExecutionException.class, () -> lost.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() != null, "the waiter learns why"); // the closed device's arena refuses the buffer
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (j.failure() == null && System.nanoTime() < deadline) Thread.onSpinWait();
        assertTrue(j.sync(j.append(put(2))).isCompletedExceptionally(), "a failed journal takes no more changes");
        device = BlockDevice.open(DeviceOptions.of(dir.resolve("journal.img")).withArenaBytes(1 << 20)); // for close()
    }

    @Test
    void closeWritesWhatIsPendingFirst() throws Exception {
        Journal j = journal(0, 0);
        appendGroup(j, puts(0, 10));
        j.close();
        journals.clear();
        assertEquals(puts(0, 10), replay(0).changes());
    }

    // ---------------------------------------------------------------- raw device access

    private MemorySegment read(long offset, int bytes) throws IOException {
        IoBuffer buf = device.buffers().allocate(bytes);
        StoreFormat.await(device.submit(List.of(IoOp.read(offset, buf.segment()))).getFirst(), "read");
        return buf.segment();
    }

    private void write(long offset, MemorySegment data) throws IOException {
        StoreFormat.await(device.submit(List.of(IoOp.write(offset, data))).getFirst(), "write");
    }

    private int readInt(long offset) throws IOException {
        return read(offset, BLOCK).get(JAVA_INT_UNALIGNED, 0);
    }

    private void flipByte(long offset) throws IOException {
        long blockStart = offset / BLOCK * BLOCK;
        MemorySegment blk = read(blockStart, BLOCK);
        blk.set(JAVA_BYTE, offset - blockStart, (byte) ~blk.get(JAVA_BYTE, offset - blockStart));
        write(blockStart, blk);
    }

    private void zero(long offset, int bytes) throws IOException {
        long blockStart = offset / BLOCK * BLOCK;
        MemorySegment blk = read(blockStart, BLOCK);
        blk.asSlice(offset - blockStart, bytes).fill((byte) 0);
        write(blockStart, blk);
    }
}
