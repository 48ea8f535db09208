package dev.rawblock.device;

import dev.rawblock.testkit.device.SimulatedDevice;
import dev.rawblock.testkit.device.SimulatedFaults;
import dev.rawblock.testkit.device.SimulatedMedia;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Power losses at random points of a random workload, on two simulated members that lose or tear
 * every write not yet flushed: the members are driven tick by tick from this thread, so a crash
 * strikes between any two completions (in a bitmap round, between a round and its data, between
 * the two members' halves of a write). After each crash the set is opened again and must have
 * resynced exactly the zones marked on either member, all of them written since they were last
 * cleared; the members' data areas must be equal byte for byte; and every block must hold what
 * the last write acknowledged before a completed flush left, or a write after it. A third of the
 * resyncs lose power too, part way: the next open must finish the job. The set's blocking calls
 * wait on futures that tick the members ({@link Ticking}, as the simulator's do), so everything
 * runs on this thread and a seed always gives the same run.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MirrorDeviceCrashTest {
    private static final int BLOCK = 4096;
    private static final long SET_BYTES = 2L << 20, ZONE = 64 << 10;
    private static final int BLOCKS = (int) (SET_BYTES / BLOCK), CRASHES = 150, MAX_STEPS = 120;

    /** Per logical block: the ids of the writes submitted to it, in order, and how far they are durable. */
    private final List<List<Long>> history = new ArrayList<>();
    private final int[] durableUpTo = new int[BLOCKS], ackedUpTo = new int[BLOCKS];
    private final boolean[] busy = new boolean[BLOCKS];
    private long nextId = 1;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void afterEveryCrashTheMembersAreEqualAndNothingFlushedIsLost(long seed) throws Exception {
        crashes(seed, SimulatedFaults.NONE);
    }

    /**
     * Member 1's writes fail now and then (1 in 50): it is failed mid-run, and a crash may strike
     * anywhere around that, before or after its failure is recorded. After the crash a degraded set
     * is rebuilt onto the same media (as a replacement would be), and all the checks above hold.
     */
    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13})
    void aMemberFailingBetweenCrashesLosesNothingFlushed(long seed) throws Exception {
        crashes(seed, SimulatedFaults.NONE.withWriteError(0.02).within(BLOCK, Long.MAX_VALUE));
    }

    private void crashes(long seed, SimulatedFaults member1) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        SimulatedMedia[] media = {new SimulatedMedia(MemberHeader.DATA_OFFSET + SET_BYTES, BLOCK),
                new SimulatedMedia(MemberHeader.DATA_OFFSET + SET_BYTES, BLOCK)};
        MirrorDevice.format(autoMembers(media, seed), ZONE, BLOCK, seed, ~seed).close();
        for (int b = 0; b < BLOCKS; b++) {
            history.add(new ArrayList<>());
            durableUpTo[b] = ackedUpTo[b] = -1;
        }
        long resyncedZones = 0;
        int interruptedResyncs = 0, failures = 0;
        for (int crash = 0; crash < CRASHES; crash++) {
            BitSet written = runUntilPowerLoss(media, random, seed * 1000 + crash, member1);
            IntentBitmap geometry = new IntentBitmap(SET_BYTES, ZONE, BLOCK);
            BitSet marked = marked(media, geometry);
            BitSet stray = (BitSet) marked.clone();
            stray.andNot(written);
            assertTrue(stray.isEmpty(), "crash " + crash + ": zones " + stray + " marked but not written since the last clean open");
            if (random.nextInt(3) == 0) {
                // Power fails again during the resync: it must leave every zone it has not finished marked.
                interruptedResyncs += resyncUntilPowerLoss(media, 1 + random.nextInt(400), seed * 1000 + crash) ? 1 : 0;
                BitSet left = marked(media, geometry);
                left.andNot(marked);
                assertTrue(left.isEmpty(), "crash " + crash + ": the resync marked zones " + left);
                marked = marked(media, geometry);
            }
            boolean degraded;
            try (MirrorDevice dev = MirrorDevice.open(autoMembers(media, seed * 1000 + crash))) {
                degraded = dev.state().state().equals("degraded");
                assertTrue(!degraded || member1 != SimulatedFaults.NONE && dev.state().failedMember() == 1,
                        "crash " + crash + ": " + dev.state());
                assertEquals(degraded ? 0 : marked.cardinality(), dev.resyncedZones(),
                        "crash " + crash + ": resync copies the marked zones (none when degraded)");
                long bytes = 0;
                for (int z = marked.nextSetBit(0); z >= 0; z = marked.nextSetBit(z + 1)) bytes += geometry.zoneLength(z);
                assertEquals(degraded ? 0 : bytes, dev.resyncedBytes());
                assertTrue(bytes < SET_BYTES || written.cardinality() == geometry.zones(), "never the whole device for a partial workload");
                resyncedZones += dev.resyncedZones();
            }
            if (degraded) {
                failures++;
                List<BlockDevice> survivorAndFresh = autoMembers(media, seed);
                try (MirrorDevice dev = MirrorDevice.replace(survivorAndFresh.get(0), survivorAndFresh.get(1))) {
                    dev.rebuilt().get(30, TimeUnit.SECONDS);
                    assertEquals("healthy", dev.state().state(), "crash " + crash);
                }
            }
            byte[] a = media[0].readDurable(MemberHeader.DATA_OFFSET, (int) SET_BYTES);
            byte[] b = media[1].readDurable(MemberHeader.DATA_OFFSET, (int) SET_BYTES);
            assertEquals(-1, java.util.Arrays.mismatch(a, b), "crash " + crash + ": the members differ after the resync");
            checkBlocks(a, crash);
        }
        assertTrue(resyncedZones > 0, "some crash left zones to resync");
        assertTrue(interruptedResyncs > 0, "some resync was cut short");
        assertTrue(member1 == SimulatedFaults.NONE || failures > 0, "member 1 failed at some point");
    }

    /**
     * Opens the set on driven members, runs random batches, flushes and sweeps, ticking the members
     * from this thread, and cuts the power of both at a random point. Returns the zones written.
     */
    private BitSet runUntilPowerLoss(SimulatedMedia[] media, SplittableRandom random, long seed, SimulatedFaults member1)
            throws Exception {
        Members set = new Members(media, seed, member1);
        SimulatedDevice[] sims = set.sims;
        MirrorDevice.Settings settings = new MirrorDevice.Settings(Duration.ofNanos(8), sims[0]::now, false);
        MirrorDevice dev = MirrorDevice.open(set.members, settings); // its waits tick the members
        BitSet written = new BitSet();
        int steps = 1 + random.nextInt(MAX_STEPS);
        for (int step = 0; step < steps; step++) {
            int action = random.nextInt(25);
            if (action < 15) writeBatch(dev, random, written);
            else if (action < 17) flush(dev); // rare: so that sweeps meet quiet zones no flush covers yet
            else dev.sweep();
            for (int t = random.nextInt(6); t > 0; t--) {
                sims[0].tick();
                sims[1].tick();
            }
        }
        set.powerLoss();
        dev.close(); // its members are dead: nothing more reaches the media
        for (int b = 0; b < BLOCKS; b++) busy[b] = false;
        return written;
    }

    /**
     * Opens the set (which resyncs) on driven members whose power goes after {@code ticks} ticks;
     * true when that was before the open finished.
     */
    private static boolean resyncUntilPowerLoss(SimulatedMedia[] media, int ticks, long seed) throws Exception {
        Members set = new Members(media, seed, SimulatedFaults.NONE);
        set.ticksLeft = ticks;
        MirrorDevice.Settings settings = new MirrorDevice.Settings(Duration.ofHours(1), System::nanoTime, false);
        try {
            MirrorDevice.open(set.members, settings).close();
            return false;
        } catch (IOException cut) {
            for (SimulatedDevice sim : set.sims) sim.close();
            return true;
        }
    }

    /** The zones marked on either member now. */
    private static BitSet marked(SimulatedMedia[] media, IntentBitmap geometry) {
        BitSet marked = new BitSet();
        for (SimulatedMedia m : media) {
            MemorySegment block = MemorySegment.ofArray(new byte[BLOCK]);
            m.read(geometry.blockOffset(0), block);
            geometry.decode(0, block, marked);
        }
        return marked;
    }

    /** 1..3 writes of 1..4 blocks, each on blocks no write is in flight to (so their order is defined). */
    private void writeBatch(MirrorDevice dev, SplittableRandom random, BitSet zonesWritten) {
        List<IoOp> ops = new ArrayList<>();
        List<int[]> ranges = new ArrayList<>();
        List<long[]> ids = new ArrayList<>();
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
            int count = 1 + random.nextInt(4);
            // A few hot zones, as a store's metadata and recent regions are.
            int zone = random.nextInt(4) == 0 ? random.nextInt((int) (SET_BYTES / ZONE)) : random.nextInt(3);
            int first = (int) Math.min(BLOCKS - count, zone * (ZONE / BLOCK) + random.nextInt((int) (ZONE / BLOCK)));
            boolean free = true;
            for (int b = first; b < first + count; b++) free &= !busy[b];
            if (!free) continue;
            MemorySegment data = MemorySegment.ofArray(new byte[count * BLOCK]);
            long[] blockIds = new long[count];
            for (int i = 0; i < count; i++) {
                int b = first + i;
                busy[b] = true;
                blockIds[i] = nextId++;
                history.get(b).add(blockIds[i]);
                fill(data.asSlice((long) i * BLOCK, BLOCK), blockIds[i], b);
            }
            ops.add(IoOp.write((long) first * BLOCK, data));
            ranges.add(new int[] {first, count});
            ids.add(blockIds);
            zonesWritten.set((int) (first * (long) BLOCK / ZONE), (int) (((first + count) * (long) BLOCK - 1) / ZONE) + 1);
        }
        if (ops.isEmpty()) return;
        List<CompletableFuture<Void>> done = dev.submit(ops);
        for (int k = 0; k < ops.size(); k++) {
            int[] r = ranges.get(k);
            done.get(k).whenComplete((v, e) -> {
                for (int b = r[0]; b < r[0] + r[1]; b++) {
                    busy[b] = false;
                    if (e == null) ackedUpTo[b] = history.get(b).size() - 1; // the newest: no later write was in flight
                }
            });
        }
    }

    private void flush(MirrorDevice dev) {
        int[] acked = ackedUpTo.clone();
        dev.flush().thenRun(() -> {
            for (int b = 0; b < BLOCKS; b++) durableUpTo[b] = Math.max(durableUpTo[b], acked[b]);
        });
    }

    /** Every block holds the write durable for it, or one submitted after it (which may have landed). */
    private void checkBlocks(byte[] data, int crash) {
        MemorySegment all = MemorySegment.ofArray(data);
        for (int b = 0; b < BLOCKS; b++) {
            MemorySegment block = all.asSlice((long) b * BLOCK, BLOCK);
            long id = block.get(JAVA_LONG_UNALIGNED, 0);
            List<Long> h = history.get(b);
            int at = id == 0 ? -1 : h.indexOf(id);
            assertTrue(id == 0 ? durableUpTo[b] < 0 : at >= durableUpTo[b] && at >= 0,
                    "crash " + crash + ", block " + b + " holds write " + id + "; durable: "
                            + (durableUpTo[b] < 0 ? "none" : h.get(durableUpTo[b])) + ", history " + h);
            MemorySegment expected = MemorySegment.ofArray(new byte[BLOCK]);
            if (id != 0) fill(expected, id, b);
            assertEquals(-1, expected.mismatch(block), "crash " + crash + ", block " + b + ": not one whole write");
            // What survived is the history from here on: what the next crash may still find.
            if (at >= 0) durableUpTo[b] = ackedUpTo[b] = at;
            else durableUpTo[b] = ackedUpTo[b] = -1;
        }
    }

    /** Block {@code b}'s content from write {@code id}: the id, then bytes only that pair makes. */
    private static void fill(MemorySegment block, long id, int b) {
        SplittableRandom r = new SplittableRandom(id * 1_000_003 + b);
        block.set(JAVA_LONG_UNALIGNED, 0, id);
        for (long i = 8; i < block.byteSize(); i += 8) block.set(JAVA_LONG_UNALIGNED, i, r.nextLong());
    }

    private static DeviceOptions options(int m) {
        return DeviceOptions.of(Path.of("member" + m)).withArenaBytes(4 << 20);
    }

    private static List<BlockDevice> autoMembers(SimulatedMedia[] media, long seed) {
        return List.of(SimulatedDevice.open(media[0], options(0), SimulatedDevice.Config.auto(seed)),
                SimulatedDevice.open(media[1], options(1), SimulatedDevice.Config.auto(seed + 1)));
    }

    /**
     * Two driven simulated members whose futures tick them when waited on (as a simulator's loop
     * does), so that the set's blocking calls (open, close, joins) run on this thread, in seeded
     * order; and a power switch for both at once ({@link WatchedMember}), thrown by
     * {@link #powerLoss()} or when {@link #ticksLeft} runs out.
     */
    private static final class Members {
        final SimulatedDevice[] sims = new SimulatedDevice[2];
        final List<BlockDevice> members = new ArrayList<>();
        final AtomicBoolean power = new AtomicBoolean();
        long ticksLeft = Long.MAX_VALUE;

        Members(SimulatedMedia[] media, long seed, SimulatedFaults member1) {
            for (int m = 0; m < 2; m++) {
                sims[m] = SimulatedDevice.open(media[m], options(m), SimulatedDevice.Config.driven(seed + m).withLatency(1, 6)
                        .withFaults(m == 1 ? member1 : SimulatedFaults.NONE).withFutures(() -> new Ticking<>(this)));
                members.add(new WatchedMember(sims[m], m, new ArrayList<>(), power));
            }
        }

        void powerLoss() {
            power.set(true);
            sims[0].crash();
            sims[1].crash();
        }

        /** One tick of both members; waiting on what no member will ever complete is a bug of the set. */
        void tick(CompletableFuture<?> waiting) {
            if (ticksLeft-- == 0) powerLoss();
            if (sims[0].pendingOperations() + sims[1].pendingOperations() == 0 && !waiting.isDone()) {
                throw new AssertionError("waiting on a future no member operation will complete");
            }
            sims[0].tick();
            sims[1].tick();
        }
    }

    /** A future whose waits tick the members until it is done; the stages built on it are such futures too. */
    private static final class Ticking<T> extends CompletableFuture<T> {
        private final Members members;

        Ticking(Members members) {
            this.members = members;
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new Ticking<>(members);
        }

        @Override
        public T join() {
            while (!isDone()) members.tick(this);
            return super.join();
        }

        @Override
        public T get() throws InterruptedException, java.util.concurrent.ExecutionException {
            while (!isDone()) members.tick(this);
            return super.get();
        }

        @Override
        public T get(long timeout, TimeUnit unit) throws InterruptedException, java.util.concurrent.ExecutionException {
            return get();
        }
    }
}
