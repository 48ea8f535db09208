package dev.rawblock.device;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import static dev.rawblock.testkit.device.BlockDeviceContract.await;
import static dev.rawblock.testkit.device.BlockDeviceContract.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mirror's write protocol, watched on its members: intent bits durable on both before any
 * data write of the batch, one round for batches that arrive together, bits cleared when quiet.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MirrorDeviceProtocolTest {
    private static final long SET_BYTES = 32L << 20, ZONE = 256 << 10;

    @TempDir
    Path dir;

    private final List<WatchedMember.Event> events = new ArrayList<>();

    /** A mirror of two io_uring files in zones of 256 KiB, its members watched, optionally delayed. */
    private MirrorDevice mirror(MirrorDevice.Settings settings, long delayMicros) throws IOException {
        List<BlockDevice> files = List.of(file("a.img"), file("b.img"));
        MirrorDevice.format(files, ZONE, 4096, 1, 2).close();
        List<BlockDevice> watched = new ArrayList<>();
        for (int m = 0; m < 2; m++) {
            BlockDevice d = file(m == 0 ? "a.img" : "b.img");
            if (delayMicros > 0) d = new DelayedDevice(d, delayMicros);
            watched.add(new WatchedMember(d, m, events, new AtomicBoolean()));
        }
        return MirrorDevice.open(watched, settings);
    }

    private BlockDevice file(String name) throws IOException {
        return MirrorFiles.member(dir, name, SET_BYTES);
    }

    private List<WatchedMember.Event> events() {
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }

    private static boolean isData(WatchedMember.Event e) {
        return !e.flush() && e.offset() >= MemberHeader.DATA_OFFSET;
    }

    private static boolean isBitmap(WatchedMember.Event e) {
        return !e.flush() && e.offset() < MemberHeader.DATA_OFFSET;
    }

    private static IoOp write(long offset, int bytes, long seed) {
        return IoOp.write(offset, pattern(MemorySegment.ofArray(new byte[bytes]), seed));
    }

    @Test
    void theBitsAreDurableOnBothMembersBeforeAnyDataWriteOfTheBatchIsIssued() throws IOException {
        MirrorDevice.Settings never = MirrorDevice.Settings.DEFAULT.withQuiet(Duration.ofHours(1));
        try (MirrorDevice dev = mirror(never, 0)) {
            events.clear();
            await(dev.submit(List.of(write(0, 4096, 1), write(5 * ZONE, 8192, 2), write(9 * ZONE - 4096, 8192, 3))));
            List<WatchedMember.Event> log = events();
            int firstData = indexOf(log, MirrorDeviceProtocolTest::isData, 0);
            assertTrue(firstData > 0, "data writes issued: " + log);
            for (int m = 0; m < 2; m++) {
                int member = m;
                int bitsDone = indexOf(log, e -> e.member() == member && isBitmap(e) && e.completed() && e.ok(), 0);
                int flushSubmitted = indexOf(log, e -> e.member() == member && e.flush() && !e.completed(), bitsDone);
                int flushDone = indexOf(log, e -> e.member() == member && e.flush() && e.completed() && e.ok(), flushSubmitted);
                assertTrue(bitsDone >= 0 && bitsDone < flushSubmitted && flushDone < firstData,
                        "member " + m + ": bitmap written at " + bitsDone + ", flush submitted at " + flushSubmitted
                                + " and done at " + flushDone + ", first data write at " + firstData + ": " + log);
            }
            assertEquals(4, dev.state().markedZones(), "zones 0, 5, 8 and 9");
            BitSet onDisk = bitsOn(dev, 1);
            assertEquals(BitSet.valueOf(new long[] {1 | 1 << 5 | 1 << 8 | 1 << 9}), onDisk);

            // Zones already durably marked: the next batch goes straight to its data.
            events.clear();
            await(dev.submit(List.of(write(5 * ZONE + 8192, 4096, 4))));
            assertTrue(events().stream().noneMatch(e -> isBitmap(e) || e.flush()), "no round: " + events());
            assertEquals(1, dev.state().rounds());
        }
    }

    @Test
    void batchesThatArriveDuringARoundShareTheNextOne() throws IOException {
        MirrorDevice.Settings never = MirrorDevice.Settings.DEFAULT.withQuiet(Duration.ofHours(1));
        try (MirrorDevice dev = mirror(never, 2_000)) {
            int batches = 64;
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < batches; i++) all.addAll(dev.submit(List.of(write(i * 2 * ZONE, 4096, i))));
            await(all);
            long rounds = dev.state().rounds();
            assertTrue(rounds >= 1 && rounds < batches / 4, rounds + " rounds for " + batches + " batches");
            long flushes = events().stream().filter(e -> e.flush() && !e.completed()).count();
            assertEquals(2 * rounds, flushes, "each round flushes each member once, and nothing else flushes");
            assertEquals(batches, dev.state().markedZones());
            assertEquals(batches, bitsOn(dev, 0).cardinality());
        }
    }

    @Test
    void aQuietZoneIsClearedOnlyAfterItsQuietTimeAndAFlush() throws IOException {
        AtomicLong now = new AtomicLong();
        long quiet = 1_000_000;
        MirrorDevice.Settings manual = new MirrorDevice.Settings(Duration.ofNanos(quiet), now::get, false);
        try (MirrorDevice dev = mirror(manual, 0)) {
            await(dev.submit(List.of(write(0, 4096, 1), write(3 * ZONE, 4096, 2))));
            now.set(quiet - 1);
            dev.sweep();
            assertEquals(2, dev.state().markedZones(), "not quiet yet");
            events.clear();
            now.set(quiet);
            dev.sweep(); // quiet, but no flush covers the writes: the sweep flushes
            assertEquals(2, dev.state().markedZones(), "no flush yet");
            waitFor(() -> events().stream().filter(e -> e.flush() && e.completed()).count() == 2, "the sweeper's flush");
            events.clear();
            dev.sweep();
            assertEquals(0, dev.state().markedZones());
            waitFor(() -> events().stream().filter(e -> isBitmap(e) && e.completed()).count() == 2, "the bitmap rewrite");
            assertTrue(events().stream().noneMatch(WatchedMember.Event::flush), "a clear is not flushed: " + events());
            for (int m = 0; m < 2; m++) assertTrue(bitsOn(dev, m).isEmpty(), "member " + m);
        }
    }

    @Test
    void theSweeperThreadClearsBitsByItself() throws IOException {
        try (MirrorDevice dev = mirror(MirrorDevice.Settings.DEFAULT.withQuiet(Duration.ofSeconds(1)), 0)) {
            await(dev.submit(List.of(write(ZONE, 4096, 1), write(7 * ZONE, 4096, 2))));
            assertTrue(bitsOn(dev, 0).cardinality() == 2 && bitsOn(dev, 1).cardinality() == 2);
            waitFor(() -> dev.state().markedZones() == 0, "the bits to clear");
            waitFor(() -> {
                try {
                    return bitsOn(dev, 0).isEmpty() && bitsOn(dev, 1).isEmpty();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, "the cleared bitmap on the members");
        }
    }

    @Test
    void aCleanCloseLeavesNothingToResync() throws IOException {
        MirrorDevice.Settings never = MirrorDevice.Settings.DEFAULT.withQuiet(Duration.ofHours(1));
        try (MirrorDevice dev = mirror(never, 0)) {
            await(dev.submit(List.of(write(0, 4096, 1), write(11 * ZONE, 4096, 2)))); // not flushed, not quiet
            assertEquals(2, dev.state().markedZones());
        }
        try (MirrorDevice dev = MirrorDevice.open(List.of(file("a.img"), file("b.img")))) {
            assertEquals(0, dev.resyncedZones());
            for (int m = 0; m < 2; m++) assertTrue(bitsOn(dev, m).isEmpty(), "member " + m);
        }
    }

    @Test
    void readsGoToBothMembersByTheirBytesInFlight() throws IOException {
        try (MirrorDevice dev = mirror(MirrorDevice.Settings.DEFAULT, 1_000)) {
            List<CompletableFuture<Void>> reads = new ArrayList<>();
            for (int i = 0; i < 64; i++) reads.addAll(dev.submit(List.of(IoOp.read(i * 65536L, MemorySegment.ofArray(new byte[65536])))));
            await(reads);
            long a = dev.members().get(0).stats().bytesRead(), b = dev.members().get(1).stats().bytesRead();
            assertTrue(a >= 16 * 65536 && b >= 16 * 65536, "member 0 read " + a + " bytes, member 1 " + b);
            assertEquals(0, dev.inFlightBytes(0) + dev.inFlightBytes(1));
        }
    }

    private static int indexOf(List<WatchedMember.Event> log, Predicate<WatchedMember.Event> p, int from) {
        for (int i = Math.max(0, from); i < log.size(); i++) if (p.test(log.get(i))) return i;
        return -1;
    }

    /** The intent bits member {@code m} holds now, read from its first bitmap block. */
    static BitSet bitsOn(MirrorDevice dev, int m) throws IOException {
        BlockDevice member = dev.members().get(m);
        IntentBitmap geometry = new IntentBitmap(dev.size(), dev.header().zoneBytes(), dev.header().blockBytes());
        MemorySegment block = member.buffers().allocate(geometry.blockBytes()).segment();
        DeviceSet.await(member.submit(List.of(IoOp.read(geometry.blockOffset(0), block))).getFirst(), "read the bitmap");
        BitSet bits = new BitSet();
        geometry.decode(0, block, bits);
        return bits;
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
