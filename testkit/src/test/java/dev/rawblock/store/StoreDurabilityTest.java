package dev.rawblock.store;

import dev.rawblock.device.IoOp;
import dev.rawblock.testkit.store.StoreFixture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static dev.rawblock.store.PutResult.*;
import static org.junit.jupiter.api.Assertions.*;

/** Invariants 2 and 3: acknowledged is durable; recovery uses checkpoint + journal; bad metadata is refused or dropped. */
class StoreDurabilityTest extends StoreFixture {

    /** Simulates the process dying: the device stops taking writes, the store is dropped, the device comes back. */
    Store crashAndReopen(long seed) throws IOException {
        device.crash(seed);
        try {
            store.close();
        } catch (IOException expected) {
            // the final checkpoint cannot reach a crashed device: exactly what a dead process does not write
        }
        device.revive();
        store = Store.open(device, StoreOptions.defaults());
        return store;
    }

    Store reopen() throws IOException {
        store.close();
        store = Store.open(device, StoreOptions.defaults());
        return store;
    }

    /** Items 35, 36, 13: everything survives a clean close and reopen; pins do not. */
    @Test
    void cleanCloseAndReopenKeepsEverything() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        int[] sizes = {1, 28, 5000, 70_000, 1_000_000};
        for (int i = 0; i < sizes.length; i++) put("k" + i, bytes(i, sizes[i]));
        store.existsMany(keys("k1"), true);
        store.deleteMany(keys("k2"), false);
        reopen();
        assertTrue(store.recoverySummary().contains("and 0 journal changes"), store.recoverySummary());
        for (int i = 0; i < sizes.length; i++) {
            if (i == 2) assertNull(load("k2"));
            else assertArrayEquals(bytes(i, sizes[i]), load("k" + i), "k" + i);
        }
        assertEquals(0, store.stats().pinnedEntries(), "locks are not persisted");
        assertArrayEquals(new boolean[] {true}, store.deleteMany(keys("k1"), false));
        assertNoLeak();
    }

    /**
     * A read-only open (stats, fsck) recovers a crashed store in memory and writes nothing: its
     * puts, deletes and checkpoints are refused, and the next read-write open still replays the journal.
     */
    @Test
    void readOnlyOpenRecoversAndWritesNothing() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        for (int i = 0; i < 10; i++) put("k" + i, bytes(i, 5000 + i));
        store.deleteMany(keys("k3"), false);
        device.crash(7);
        assertThrows(IOException.class, store::close);
        device.revive();
        device.failWhen(op -> op.kind() == IoOp.Kind.WRITE, dev.rawblock.uring.Errno.EROFS);
        long flushes = device.flushes();
        store = Store.open(device, StoreOptions.defaults().withReadOnly(true));
        assertEquals(9, store.stats().entries(), store.recoverySummary());
        assertArrayEquals(bytes(5, 5005), load("k5"));
        assertNull(load("k3"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> put("new", bytes(1, 10)));
        assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> store.deleteMany(keys("k1"), true));
        assertThrows(IllegalStateException.class, store::checkpoint);
        assertThrows(IllegalStateException.class, () -> store.verify(true, n -> { }));
        assertEquals(0, store.verify(false, n -> { }).errors());
        store.close();
        assertEquals(0, device.injectedFailures(), "no write was even attempted");
        assertEquals(flushes, device.flushes(), "no flush either");
        device.clearFaults();
        store = Store.open(device, StoreOptions.defaults());
        assertFalse(store.recoverySummary().contains("and 0 journal changes"), store.recoverySummary());
        assertEquals(9, store.stats().entries());
    }

    /** Acknowledged puts and deletes since the last checkpoint come back from the journal after a crash. */
    @Test
    void crashReplaysTheJournal() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        for (int i = 0; i < 20; i++) put("early" + i, bytes(i, 3000 + i));
        store.checkpoint();
        for (int i = 0; i < 20; i++) put("late" + i, bytes(100 + i, 9000 + i));
        store.deleteMany(keys("early3", "late4"), false);
        crashAndReopen(1);
        assertTrue(store.recoverySummary().contains("journal changes"), store.recoverySummary());
        for (int i = 0; i < 20; i++) {
            if (i != 3) assertArrayEquals(bytes(i, 3000 + i), load("early" + i), "early" + i);
            if (i != 4) assertArrayEquals(bytes(100 + i, 9000 + i), load("late" + i), "late" + i);
        }
        assertNull(load("early3"));
        assertNull(load("late4"));
        assertEquals(38, store.stats().entries());
        assertNoLeak();
        // The recovered store keeps working and recovers again.
        put("after", bytes(7, 7000));
        crashAndReopen(2);
        assertArrayEquals(bytes(7, 7000), load("after"));
    }

    /** Recovery reports each phase to a progress listener, in order, ending with the phase's total. */
    @Test
    void recoveryReportsItsProgress() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        for (int i = 0; i < 30; i++) put("early" + i, bytes(i, 3000));
        store.checkpoint();
        for (int i = 0; i < 12; i++) put("late" + i, bytes(i, 5000));
        device.crash(11);
        try {
            store.close();
        } catch (IOException expected) {
            // a crashed device takes no final checkpoint
        }
        device.revive();
        List<String> reports = new java.util.ArrayList<>();
        store = Store.open(device, StoreOptions.defaults(),
                (phase, done, total) -> reports.add(phase.name() + " " + done + "/" + total));
        // The checkpoint holds the 30 early keys; the 12 late puts are replayed (plus any region
        // assignments the journal recorded). Each was its own flushed group: only the last group's
        // slot is checked, the earlier ones' data was durable before their records were.
        assertEquals("LOADING_CHECKPOINT 30/30", reports.getFirst(), reports.toString());
        assertTrue(reports.get(1).startsWith("REPLAYING_JOURNAL "), reports.toString());
        assertEquals("CHECKING_SLOTS 1/1", reports.getLast(), reports.toString());
        assertEquals(3, reports.size(), reports.toString());
        assertEquals(42, store.stats().entries());
    }

    /** Item 38: a slot deleted and reused after the checkpoint belongs to its new key after recovery. */
    @Test
    void aReusedSlotBelongsToItsNewKey() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults().withEviction(Eviction.NONE));
        put("old", bytes(1, 6000));
        store.checkpoint();
        store.deleteMany(keys("old"), false);
        put("new", bytes(2, 6000)); // same class: takes the freed slot
        crashAndReopen(3);
        assertNull(load("old"));
        assertArrayEquals(bytes(2, 6000), load("new"));
        assertEquals(1, store.stats().entries());
        assertNoLeak();
    }

    /**
     * Simulated power loss at many random points under concurrent puts and deletes: every
     * acknowledged put is back byte-exact, every acknowledged delete stays deleted, nothing else
     * is ever served wrongly, and space adds up.
     */
    @Test
    void powerLossAtRandomPointsLosesNothingAcknowledged() throws Exception {
        open(96 * MIB, 4 * MIB, StoreOptions.defaults().withEviction(Eviction.NONE));
        int round = 0;
        for (long seed = 0; seed < 12; seed++, round++) {
            int r = round;
            int writers = 3, perWriter = 30;
            // ack[w][i]: 0 unknown, 1 put acknowledged, 2 delete acknowledged
            int[][] ack = new int[writers][perWriter];
            List<CompletableFuture<Void>> running = new java.util.ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                running.add(CompletableFuture.runAsync(() -> {
                    try {
                        for (int i = 0; i < perWriter; i++) {
                            String k = "r" + r + "w" + id + "k" + i;
                            if (put(k, bytes(r * 1000 + id * 100 + i, 2000 + 977 * i)) == STORED) ack[id][i] = 1;
                            if (i % 3 == 0 && store.deleteMany(keys(k), false)[0]) ack[id][i] = 2;
                        }
                    } catch (RuntimeException crashed) {
                        // the device died under us: whatever was not acknowledged is in doubt
                    }
                }));
            }
            Thread.sleep(5 + seed * 7 % 40);
            crashAndReopen(seed);
            for (CompletableFuture<Void> f : running) f.join();
            for (int w = 0; w < writers; w++) {
                for (int i = 0; i < perWriter; i++) {
                    String k = "r" + r + "w" + w + "k" + i;
                    byte[] got = load(k);
                    byte[] expected = bytes(r * 1000 + w * 100 + i, 2000 + 977 * i);
                    if (ack[w][i] == 1 && i % 3 != 0) assertArrayEquals(expected, got, "seed " + seed + " " + k);
                    if (ack[w][i] == 2) assertNull(got, "seed " + seed + " deleted " + k);
                    if (got != null) assertArrayEquals(expected, got, "seed " + seed + " " + k + " served wrong bytes");
                }
            }
            assertNoLeak();
        }
    }

    /** A checkpoint torn by a crash falls back to the older copy plus the journal (item 49). */
    @Test
    void aTornCheckpointFallsBackToTheOtherCopy() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        put("a", bytes(1, 5000));
        store.checkpoint();
        put("b", bytes(2, 5000));
        // The next checkpoint's header write is torn (none of its block lands): it never becomes valid.
        MetadataLayout layout = MetadataLayout.of(store.superblock());
        device.tearWhen(op -> op.kind() == IoOp.Kind.WRITE
                && (op.offset() == layout.checkpointA() || op.offset() == layout.checkpointB()), 0);
        assertThrows(IOException.class, store::checkpoint);
        device.clearFaults();
        put("c", bytes(3, 5000));
        crashAndReopen(5);
        for (String k : List.of("a", "b", "c")) assertNotNull(load(k), k);
        assertTrue(store.recoverySummary().contains("checkpoint 2"), store.recoverySummary());
        assertNoLeak();
    }

    /** A flipped byte in a checkpoint copy makes that copy invalid; the other one is used; the store opens. */
    @Test
    void aCorruptCheckpointCopyIsIgnored() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        put("a", bytes(1, 5000));
        store.checkpoint(); // copy B (seq 2)
        put("b", bytes(2, 5000));
        store.close();      // final checkpoint: copy A (seq 3), journal reclaimed up to it
        MetadataLayout layout = MetadataLayout.of(store.superblock());
        flipByte(layout.checkpointB() + store.superblock().blockBytes() + 3); // payload of the older copy
        store = Store.open(device, StoreOptions.defaults());
        assertTrue(store.recoverySummary().contains("checkpoint copy B: payload checksum mismatch"), store.recoverySummary());
        assertArrayEquals(bytes(2, 5000), load("b"));
        store.close(); // rewrites copy B (seq 4): both copies are valid again
        flipByte(layout.checkpointA() + 20);
        flipByte(layout.checkpointB() + 20); // now neither header is valid
        IOException e = assertThrows(IOException.class, () -> Store.open(device, StoreOptions.defaults()));
        assertTrue(e.getMessage().contains("no valid checkpoint"), e.getMessage());
        store = null;
    }

    /** Item 53: a torn or corrupt journal block stops replay there; nothing wrong is served; the store opens. */
    @Test
    void aCorruptJournalBlockStopsReplay() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        put("first", bytes(1, 5000));
        store.sync();
        put("second", bytes(2, 5000)); // a journal group of its own: the last block written
        MetadataLayout layout = MetadataLayout.of(store.superblock());
        long blocks = store.stats().journalGroups();
        device.crash(9);
        try {
            store.close();
        } catch (IOException expected) {
        }
        device.revive();
        // Every group here fits one block; corrupt the last one written.
        flipByte(layout.journal() + (blocks - 1) * store.superblock().blockBytes() + 40);
        store = Store.open(device, StoreOptions.defaults());
        assertArrayEquals(bytes(1, 5000), load("first"));
        assertNull(load("second"), "its record was in the corrupt block");
        assertNoLeak();
    }

    /** Item 41-style: a slot header damaged after its PUT was journaled is dropped at recovery, never served. */
    @Test
    void aDamagedSlotHeaderIsNeverServed() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        put("victim", bytes(1, 5000));
        put("fine", bytes(2, 5000));
        device.crash(4);
        try {
            store.close();
        } catch (IOException expected) {
        }
        device.revive();
        flipByte(dataStart + 48); // the length field of the first slot's header
        store = Store.open(device, StoreOptions.defaults());
        // The victim's PUT is of a flushed group before the last: recovery trusts its record, and
        // the load that meets the damage misses and drops it. No wrong byte either way.
        assertNull(load("victim"));
        assertEquals(1, store.stats().checksumFailures());
        assertEquals(1, store.stats().entries());
        assertArrayEquals(bytes(2, 5000), load("fine"));
        assertNoLeak();
    }

    /** Item 37 restated: a device of other geometry is refused, never started empty over. */
    @Test
    void aShrunkDeviceIsRefused() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        store.close();
        store = null;
        device.close();
        device = null;
        java.nio.file.Path file = dir.resolve("store.img");
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(32 * MIB);
        }
        try (dev.rawblock.device.BlockDevice shrunk = dev.rawblock.device.BlockDevice.open(dev.rawblock.device.DeviceOptions.of(file))) {
            IOException e = assertThrows(IOException.class, () -> Store.open(shrunk, StoreOptions.defaults()));
            assertTrue(e.getMessage().contains("refusing"), e.getMessage());
        }
    }

    /** The quiet gate of interval checkpoints is closed while I/O is in flight, and opens after the bound. */
    @Test
    void intervalCheckpointsPreferQuietButCannotBeStarved() throws Exception {
        // A long interval keeps the background thread out of the way; the gate is asked about future times.
        open(64 * MIB, 4 * MIB, StoreOptions.defaults().withCheckpointInterval(Duration.ofSeconds(10))
                .withQuietWait(Duration.ofSeconds(5)));
        long s = 1_000_000_000L;
        assertFalse(store.checkpointDue(System.nanoTime() + 11 * s), "a clean store needs no checkpoint");
        put("dirty", bytes(1, 5000));
        assertTrue(store.checkpointDue(System.nanoTime() + 11 * s), "dirty, due, and quiet: it runs");
        device.delay(Duration.ofSeconds(2));
        CompletableFuture<PutResult> slow = CompletableFuture.supplyAsync(() -> put("slow", bytes(2, 5000)));
        while (store.stats().inFlightIo() == 0) Thread.onSpinWait();
        long now = System.nanoTime();
        assertFalse(store.checkpointDue(now + 10 * s + s / 10), "dirty, due, but I/O in flight: the gate is closed");
        assertTrue(store.checkpointDue(now + 16 * s), "past interval + quiet wait it runs anyway");
        assertFalse(store.checkpointDue(now + 9 * s), "before the interval it never runs");
        device.delay(Duration.ZERO);
        assertEquals(STORED, slow.get());
    }

    /** A journal that cannot be written takes the store offline; what was acknowledged survives. */
    @Test
    void aFailedJournalTakesTheStoreOfflineAndLosesNothingAcknowledged() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        put("kept", bytes(1, 5000));
        MetadataLayout layout = MetadataLayout.of(store.superblock());
        device.failWhen(op -> op.offset() >= layout.journal() && op.offset() < dataStart, dev.rawblock.uring.Errno.EIO);
        assertEquals(WRITE_FAILED, put("lost", bytes(2, 5000)));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> put("refused", bytes(3, 5000)));
        assertTrue(e.getMessage().contains("offline"), e.getMessage());
        device.clearFaults();
        crashAndReopen(6);
        assertArrayEquals(bytes(1, 5000), load("kept"));
        assertNull(load("lost"));
        assertNoLeak();
    }

    private void flipByte(long offset) throws IOException {
        long blockStart = offset / 4096 * 4096;
        try (var buf = raw.buffers().allocate(4096)) {
            MemorySegment seg = buf.segment();
            raw.submit(List.of(IoOp.read(blockStart, seg))).getFirst().join();
            int i = (int) (offset - blockStart);
            seg.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) ~seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i));
            raw.submit(List.of(IoOp.write(blockStart, seg))).getFirst().join();
            raw.flush().join();
        }
    }

    /** Item 44: keys too long for one header block (5,000 bytes) recover through the longer header read. */
    @Test
    void longKeysRecover() throws IOException {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        String longKey = "k".repeat(5000);
        put(longKey, bytes(1, 9000));
        crashAndReopen(7);
        assertArrayEquals(bytes(1, 9000), load(longKey));
        assertTrue(store.recoverySummary().contains("1 slots checked, 0 dropped"), store.recoverySummary());
    }

    /** The checkpoint age (the metrics' checkpoint lag) counts from open, and again from each checkpoint. */
    @Test
    void checkpointAgeCountsFromOpenAndFromEachCheckpoint() throws Exception {
        open(64 * MIB, 4 * MIB, StoreOptions.defaults());
        Thread.sleep(300); // unchanged, so no interval checkpoint can reset the age meanwhile
        long sinceOpen = store.stats().lastCheckpointAgeMillis();
        assertTrue(sinceOpen >= 300, "age since open: " + sinceOpen);
        put("k", bytes(1, 100));
        store.checkpoint();
        long sinceCheckpoint = store.stats().lastCheckpointAgeMillis();
        assertTrue(sinceCheckpoint >= 0 && sinceCheckpoint < sinceOpen, "age after a checkpoint: " + sinceCheckpoint);
    }

    /** Items 51-56: a journal that fills up triggers checkpoints by itself; everything survives a crash. */
    @Test
    void aFillingJournalCheckpointsByItself() throws IOException {
        open(64 * MIB, MIB, 10_000, StoreOptions.defaults(), dev.rawblock.device.Engine.IO_URING); // a 4 MiB journal
        for (int i = 0; i < 3000; i++) {
            put("k" + i, bytes(i, 100));
            if (i % 3 == 0) store.deleteMany(keys("k" + i), false);
        }
        assertTrue(store.stats().checkpoints() > 0, "the journal asked for checkpoints");
        assertEquals(0, store.stats().evictions());
        assertTrue(store.stats().journalFill() < 1.0);
        crashAndReopen(8);
        for (int i = 0; i < 3000; i += 7) {
            if (i % 3 == 0) assertNull(load("k" + i), "k" + i);
            else assertArrayEquals(bytes(i, 100), load("k" + i), "k" + i);
        }
        assertEquals(2000, store.stats().entries());
        assertNoLeak();
    }
}
