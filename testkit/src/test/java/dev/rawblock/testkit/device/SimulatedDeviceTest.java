package dev.rawblock.testkit.device;

import dev.rawblock.device.DeviceClosedException;
import dev.rawblock.device.DeviceIoException;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.IoOp;
import dev.rawblock.testkit.device.SimulatedDevice.Config;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulated device's own behaviour in driven mode: time, order, durability, crashes, faults, determinism. */
class SimulatedDeviceTest {
    private static final int SECTOR = 4096;
    private static final long SIZE = 4L << 20;

    private static SimulatedDevice driven(long seed) {
        return SimulatedDevice.create(SIZE, Config.driven(seed));
    }

    private static SimulatedDevice withFaults(SimulatedMedia media, long seed, SimulatedFaults faults) {
        return SimulatedDevice.open(media, DeviceOptions.of(Path.of("faulty")).withArenaBytes(1 << 20),
                Config.driven(seed).withFaults(faults));
    }

    private static byte[] pattern(int bytes, long seed) {
        byte[] b = new byte[bytes];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static CompletableFuture<Void> write(SimulatedDevice dev, long offset, byte[] data) {
        return dev.submit(List.of(IoOp.write(offset, MemorySegment.ofArray(data.clone())))).getFirst();
    }

    /** Reads through the device, ticking until the read completed. */
    private static byte[] read(SimulatedDevice dev, long offset, int length) {
        MemorySegment dst = MemorySegment.ofArray(new byte[length]);
        CompletableFuture<Void> f = dev.submit(List.of(IoOp.read(offset, dst))).getFirst();
        while (!f.isDone()) dev.tick();
        f.join();
        return dst.toArray(JAVA_BYTE);
    }

    private static Throwable failure(CompletableFuture<Void> f) {
        return assertThrows(CompletionException.class, f::join).getCause();
    }

    @Test
    void operationsCompleteOnlyWhenTheClockIsAdvanced() {
        SimulatedDevice dev = driven(1);
        CompletableFuture<Void> w = write(dev, 0, pattern(SECTOR, 1));
        CompletableFuture<Void> f = dev.flush();
        assertFalse(w.isDone() || f.isDone(), "nothing completes before a tick");
        assertEquals(2, dev.pendingOperations());
        assertEquals(2, dev.stats().inFlight());
        long ticks = dev.runUntilIdle();
        assertTrue(ticks >= 1 && ticks <= 20, "latencies are 1..20 ticks: " + ticks);
        assertEquals(ticks, dev.now());
        w.join();
        f.join();
        assertEquals(0, dev.pendingOperations());
    }

    @Test
    void completionsOfOneBatchComeInASeededOrderNotTheSubmissionOrder() {
        List<Integer> first = completionOrder(7), again = completionOrder(7), other = completionOrder(8);
        assertEquals(first, again, "the same seed gives the same order");
        assertNotEquals(first, other, "another seed another order");
        List<Integer> sorted = new ArrayList<>(first);
        sorted.sort(null);
        assertNotEquals(sorted, first, "completions are reordered");
        assertEquals(List.of(0, 1, 2, 3), sorted.subList(0, 4));
    }

    private static List<Integer> completionOrder(long seed) {
        SimulatedDevice dev = driven(seed);
        List<IoOp> reads = new ArrayList<>();
        for (int i = 0; i < 32; i++) reads.add(IoOp.read((long) i * SECTOR, MemorySegment.ofArray(new byte[SECTOR])));
        List<Integer> order = new ArrayList<>();
        List<CompletableFuture<Void>> futures = dev.submit(reads);
        for (int i = 0; i < futures.size(); i++) {
            int id = i;
            futures.get(i).thenRun(() -> order.add(id));
        }
        dev.runUntilIdle();
        assertEquals(32, order.size());
        return order;
    }

    @Test
    void aFlushMakesDurableOnlyWritesThatCompletedBeforeItWasSubmitted() {
        SimulatedDevice dev = driven(3);
        byte[] a = pattern(SECTOR, 1), b = pattern(SECTOR, 2);
        CompletableFuture<Void> wa = write(dev, 0, a);
        dev.runUntilIdle();
        wa.join();
        CompletableFuture<Void> flush = dev.flush();
        CompletableFuture<Void> wb = write(dev, SECTOR, b); // submitted after the flush: not covered by it
        dev.runUntilIdle();
        flush.join();
        wb.join();
        assertArrayEquals(a, dev.media().readDurable(0, SECTOR));
        assertArrayEquals(new byte[SECTOR], dev.media().readDurable(SECTOR, SECTOR), "b is not durable");
        assertArrayEquals(b, read(dev, SECTOR, SECTOR), "but reads see it");
        assertEquals(1, dev.media().unflushedWrites());
        dev.flush();
        dev.runUntilIdle();
        assertArrayEquals(b, dev.media().readDurable(SECTOR, SECTOR));
        assertEquals(0, dev.media().unflushedWrites());
    }

    /**
     * Over many seeds: flushed writes survive every crash byte for byte; every sector of an
     * unflushed or in-flight write holds its old or its new bytes, never anything else; and all
     * three fates (kept, lost, torn) happen.
     */
    @Test
    void aCrashKeepsWhatWasFlushedAndDecidesTheRestSectorBySector() {
        int kept = 0, lost = 0, torn = 0;
        for (long seed = 0; seed < 40; seed++) {
            SimulatedDevice dev = driven(seed);
            byte[] old = pattern(4 * SECTOR, seed);
            write(dev, 0, old);                          // the old contents of the unflushed range, flushed
            byte[] flushed = pattern(2 * SECTOR, seed + 100);
            write(dev, 8 * SECTOR, flushed);
            dev.runUntilIdle();
            dev.flush();
            dev.runUntilIdle();
            byte[] unflushed = pattern(4 * SECTOR, seed + 200);
            write(dev, 0, unflushed);
            dev.runUntilIdle();                          // completed, not flushed
            byte[] inFlight = pattern(2 * SECTOR, seed + 300);
            CompletableFuture<Void> pending = write(dev, 4 * SECTOR, inFlight); // never ticked
            CompletableFuture<Void> pendingFlush = dev.flush();

            SimulatedMedia.CrashOutcome outcome = dev.crash();
            assertEquals(2, outcome.writes(), "the unflushed write and the one in flight");
            kept += outcome.kept();
            lost += outcome.lost();
            torn += outcome.torn();
            assertInstanceOf(DeviceIoException.class, failure(pending));
            assertTrue(failure(pendingFlush).getMessage().contains("device crashed"));
            Throwable refused = failure(dev.submit(List.of(IoOp.read(0, MemorySegment.ofArray(new byte[SECTOR])))).getFirst());
            assertTrue(refused.getMessage().contains("device crashed"), refused.getMessage());

            dev.restart();
            assertArrayEquals(flushed, read(dev, 8 * SECTOR, 2 * SECTOR), "seed " + seed);
            byte[] after = read(dev, 0, 6 * SECTOR);
            for (int s = 0; s < 6; s++) {
                byte[] got = Arrays.copyOfRange(after, s * SECTOR, (s + 1) * SECTOR);
                byte[] before = s < 4 ? Arrays.copyOfRange(old, s * SECTOR, (s + 1) * SECTOR) : new byte[SECTOR];
                byte[] written = s < 4 ? Arrays.copyOfRange(unflushed, s * SECTOR, (s + 1) * SECTOR)
                        : Arrays.copyOfRange(inFlight, (s - 4) * SECTOR, (s - 3) * SECTOR);
                assertTrue(Arrays.equals(got, before) || Arrays.equals(got, written), "seed " + seed + " sector " + s);
            }
            assertArrayEquals(dev.media().readDurable(0, 6 * SECTOR), after, "after a crash reads see the durable image");
        }
        assertTrue(kept > 0 && lost > 0 && torn > 0, "kept " + kept + ", lost " + lost + ", torn " + torn);
    }

    @Test
    void theSameSeedGivesTheSameHistoryByteForByte() {
        assertEquals(history(42), history(42));
        assertNotEquals(history(42), history(43));
    }

    /** A random workload with crashes: the completion order and the media's digest after each crash. */
    private static List<Long> history(long seed) {
        SimulatedDevice dev = driven(seed);
        Random workload = new Random(99); // the same operations every time: only the device's seed varies
        List<Long> history = new ArrayList<>();
        for (int round = 0; round < 30; round++) {
            for (int i = 0; i < 8; i++) {
                int sectors = 1 + workload.nextInt(4);
                long offset = (long) workload.nextInt(64) * SECTOR;
                long id = round * 100L + i;
                write(dev, offset, pattern(sectors * SECTOR, id)).thenRun(() -> history.add(id));
                if (workload.nextInt(4) == 0) dev.flush();
                for (int t = workload.nextInt(5); t > 0; t--) dev.tick();
            }
            if (round % 5 == 4) {
                dev.crash();
                dev.restart();
                history.add(dev.media().digest());
            }
        }
        dev.runUntilIdle();
        history.add(dev.media().digest());
        return history;
    }

    @Test
    void reportedFaultsFailTheOperationAndChangeNothing() {
        SimulatedMedia media = new SimulatedMedia(SIZE, SECTOR);
        SimulatedDevice dev = withFaults(media, 1, SimulatedFaults.NONE.withReadError(1).withWriteError(1).withFlushError(1));
        CompletableFuture<Void> w = write(dev, 0, pattern(SECTOR, 1));
        CompletableFuture<Void> r = dev.submit(List.of(IoOp.read(0, MemorySegment.ofArray(new byte[SECTOR])))).getFirst();
        CompletableFuture<Void> f = dev.flush();
        dev.runUntilIdle();
        for (CompletableFuture<Void> op : List.of(w, r, f)) {
            DeviceIoException e = assertInstanceOf(DeviceIoException.class, failure(op));
            assertEquals(5, e.errno(), "EIO");
            assertTrue(e.getMessage().contains("simulated"), e.getMessage());
        }
        assertEquals(0, media.completedWrites());
        assertEquals(3, dev.faultsInjected());
        assertEquals(3, dev.stats().failed());
    }

    @Test
    void aCorruptedReadFlipsOneBitOfWhatItReturnsAndTheMediaKeepsTheRightBytes() {
        SimulatedMedia media = new SimulatedMedia(SIZE, SECTOR);
        byte[] data = pattern(4 * SECTOR, 5);
        media.write(0, data, null);
        SimulatedDevice dev = withFaults(media, 2, SimulatedFaults.NONE.withReadCorruption(1));
        byte[] got = read(dev, 0, 4 * SECTOR);
        int differing = 0;
        for (int i = 0; i < got.length; i++) differing += Integer.bitCount((got[i] ^ data[i]) & 0xff);
        assertEquals(1, differing, "one bit flipped");
        assertArrayEquals(data, read(withFaults(media, 3, SimulatedFaults.NONE), 0, 4 * SECTOR), "a clean read");
    }

    @Test
    void misdirectedReadsAndWritesGoToAnotherPlace() {
        SimulatedMedia media = new SimulatedMedia(SIZE, SECTOR);
        byte[] mine = pattern(SECTOR, 1);
        media.write(0, mine, null);
        SimulatedDevice reads = withFaults(media, 4, SimulatedFaults.NONE.withMisdirectedRead(1));
        assertArrayEquals(new byte[SECTOR], read(reads, 0, SECTOR), "another (empty) sector's bytes");

        SimulatedDevice writes = withFaults(media, 5, SimulatedFaults.NONE.withMisdirectedWrite(1));
        byte[] lost = pattern(SECTOR, 2);
        CompletableFuture<Void> w = write(writes, 0, lost);
        writes.runUntilIdle();
        w.join(); // reported as a success
        byte[] everything = new byte[(int) SIZE];
        media.read(0, MemorySegment.ofArray(everything));
        assertArrayEquals(mine, Arrays.copyOf(everything, SECTOR), "the intended place kept its bytes");
        int found = 0;
        for (int s = 1; s < SIZE / SECTOR; s++) {
            if (Arrays.equals(lost, Arrays.copyOfRange(everything, s * SECTOR, (s + 1) * SECTOR))) found++;
        }
        assertEquals(1, found, "the bytes landed in exactly one other place");
    }

    @Test
    void lostAndTornWritesAreReportedAsSuccesses() {
        SimulatedMedia media = new SimulatedMedia(SIZE, SECTOR);
        SimulatedDevice lost = withFaults(media, 6, SimulatedFaults.NONE.withLostWrite(1));
        CompletableFuture<Void> w = write(lost, 0, pattern(SECTOR, 1));
        lost.runUntilIdle();
        w.join();
        assertEquals(0, media.completedWrites(), "nothing reached the media");

        int partial = 0;
        for (long seed = 0; seed < 10; seed++) {
            SimulatedMedia m = new SimulatedMedia(SIZE, SECTOR);
            SimulatedDevice torn = withFaults(m, seed, SimulatedFaults.NONE.withTornWrite(1));
            byte[] data = pattern(8 * SECTOR, seed);
            CompletableFuture<Void> t = write(torn, 0, data);
            torn.runUntilIdle();
            t.join();
            byte[] got = new byte[8 * SECTOR];
            m.read(0, MemorySegment.ofArray(got));
            int landed = 0;
            for (int s = 0; s < 8; s++) {
                byte[] sector = Arrays.copyOfRange(got, s * SECTOR, (s + 1) * SECTOR);
                boolean isNew = Arrays.equals(sector, Arrays.copyOfRange(data, s * SECTOR, (s + 1) * SECTOR));
                assertTrue(isNew || Arrays.equals(sector, new byte[SECTOR]), "a sector is old or new");
                if (isNew) landed++;
            }
            if (landed > 0 && landed < 8) partial++;
        }
        assertTrue(partial > 5, "most torn writes keep some sectors and lose others: " + partial);
    }

    @Test
    void faultsStayInTheirRange() {
        SimulatedMedia media = new SimulatedMedia(SIZE, SECTOR);
        SimulatedDevice dev = withFaults(media, 7, SimulatedFaults.NONE.withWriteError(1).within(SIZE / 2, SIZE));
        CompletableFuture<Void> spared = write(dev, 0, pattern(SECTOR, 1));
        CompletableFuture<Void> hit = write(dev, SIZE / 2, pattern(SECTOR, 2));
        dev.runUntilIdle();
        spared.join();
        assertInstanceOf(DeviceIoException.class, failure(hit));
        assertEquals(1, dev.faultsInjected());
    }

    @Test
    void aBufferChangedWhileItsWriteIsInFlightIsCaught() {
        SimulatedDevice dev = driven(9);
        MemorySegment buffer = MemorySegment.ofArray(pattern(SECTOR, 1));
        CompletableFuture<Void> w = dev.submit(List.of(IoOp.write(0, buffer))).getFirst();
        buffer.set(JAVA_BYTE, 17, (byte) (buffer.get(JAVA_BYTE, 17) + 1));
        dev.runUntilIdle();
        assertInstanceOf(AssertionError.class, failure(w));
        assertEquals(1, dev.bufferRaces());
    }

    @Test
    void closeFailsWhatIsPending() throws Exception {
        SimulatedDevice dev = driven(10);
        CompletableFuture<Void> w = write(dev, 0, pattern(SECTOR, 1));
        dev.close();
        assertInstanceOf(DeviceClosedException.class, failure(w));
        assertInstanceOf(DeviceClosedException.class, failure(dev.flush()));
        dev.close();
    }

    @Test
    void inAutoModeEveryCallReturnsWithItsOperationsComplete() {
        SimulatedDevice dev = SimulatedDevice.create(SIZE, Config.auto(11));
        byte[] data = pattern(2 * SECTOR, 3);
        assertTrue(write(dev, 0, data).isDone());
        assertTrue(dev.flush().isDone());
        assertArrayEquals(data, dev.media().readDurable(0, 2 * SECTOR));
        assertEquals(0, dev.pendingOperations());
        assertTrue(dev.now() > 0, "the calls ran the clock");
    }
}
