package dev.rawblock.sim;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.IoBuffer;
import dev.rawblock.store.Eviction;
import dev.rawblock.store.FormatOptions;
import dev.rawblock.store.PlacementPolicy;
import dev.rawblock.store.PutMode;
import dev.rawblock.store.PutResult;
import dev.rawblock.store.PutStream;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreFormat;
import dev.rawblock.store.StoreOptions;
import dev.rawblock.store.ValueReader;
import dev.rawblock.testkit.device.SimulatedDevice;
import dev.rawblock.testkit.device.SimulatedFaults;
import dev.rawblock.testkit.device.SimulatedMedia;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Runs a store on a {@link SimulatedDevice} under a {@link SimRuntime} with a random workload of one
 * seed — puts of every mode, overwrites, deletes, pins, streamed puts and reads, batched loads,
 * checkpoints, journal wrap, eviction; one seed in four with values of megabytes in 4 MiB regions,
 * which meet the large-slot layout; one seed in five on a store over two or three simulated
 * devices, each of which loses or tears its own unflushed writes at a crash — and crashes the
 * simulated machine at random steps inside
 * that sequence (in the middle of an operation, a journal write, a checkpoint, or a recovery).
 * After every restart, and at the end after a clean close, every key is read back and checked
 * against the {@link Model}: an acknowledged value that is gone is <em>lost</em>, bytes that are
 * no version the key could hold are <em>wrong</em>, and a value an acknowledged delete removed
 * that comes back is <em>resurrected</em>. Everything follows from the seed: the same seed gives
 * the same run, and the same digest.
 */
public final class Simulator {
    private static final int BLOCK = 4096;
    /** The largest value of a large seed: more than half a region of 4 MiB, so some regions hold one slot. */
    private static final int LARGE_VALUE_BYTES = 2_600_000;

    /** What one seed's run found. */
    public record Result(long seed, int operations, int crashPoints, long lost, long wrong, long resurrected,
                         long inconsistent, long checks, long ticks, long digest, List<String> problems) {
        public boolean passed() {
            return lost == 0 && wrong == 0 && resurrected == 0 && problems.isEmpty();
        }
    }

    /** How a run is shaped; {@link #standard()} is what {@code rawblock simulate} uses. */
    public record Settings(int operations, int keys, int crashOneIn, boolean flush, double readCorruption) {
        public static Settings standard() {
            return new Settings(400, 48, 6, true, 0);
        }
    }

    private final long seed;
    private final Settings settings;
    private final Random random;
    private final boolean tight;
    /** Whether this seed stores large values (see the constructor). */
    private final boolean large;
    /** Choices only large seeds make, apart from {@link #random} so that the other seeds run as they always did. */
    private final Random shape;
    private final Values values;
    private final Model model = new Model();
    private final SimRuntime runtime;
    /** The media of the store's devices: one, or each member's of a store over several. */
    private final List<SimulatedMedia> media = new ArrayList<>();
    private final StoreOptions storeOptions;
    private final List<String> problems = new ArrayList<>();
    private final CRC32C digest = new CRC32C();
    private final java.util.function.Consumer<String> trace;
    /** The device the store is on: the one simulated device, or the span over the members. */
    private BlockDevice device;
    private final List<SimulatedDevice> members = new ArrayList<>();
    private Store store;
    private long nextVersion = 1;
    private int crashPoints;
    private long lost, wrong, resurrected, checks, inconsistent;
    private int pinned;
    private long corruptionsSeen;
    /** Evictions the running store has reported so far. */
    private long evictionsSeen;
    private double corruptReads;

    private Simulator(long seed, Settings settings, java.util.function.Consumer<String> trace) {
        this.seed = seed;
        this.trace = trace;
        this.corruptReads = settings.readCorruption();
        this.settings = settings;
        this.random = new Random(seed);
        // One seed in four has little space, so that eviction runs; the others never evict.
        this.tight = random.nextInt(4) == 0;
        // One seed in four stores large values: 4 MiB regions and values up to 2.5 MiB, some of them
        // exactly 1 or 2 MiB, so that slots of 1 MiB and more keep their headers in the header table
        // (SlotLayout). Its space is sized as the others': enough never to evict, or (tight) little.
        this.shape = new Random(new java.util.SplittableRandom(seed ^ 0x6C61726765L).nextLong()); // well mixed: seeds in a row differ
        this.large = shape.nextInt(4) == 0;
        long capacity = large ? (tight ? 40L : 320L) << 20 : (tight ? 14L : 48L) << 20;
        this.values = new Values(seed, large ? LARGE_VALUE_BYTES : random.nextInt(3) == 0 ? 300_000 : 40_000);
        // Apart from the other choices too, so that the seeds on one device run as they always did.
        Random span = new Random(new java.util.SplittableRandom(seed ^ 0x7370616eL).nextLong());
        int memberCount = span.nextInt(5) == 0 ? 2 + span.nextInt(2) : 1;
        // Each member gets its share, and room for the head (superblock, metadata) every member keeps.
        long memberBytes = memberCount == 1 ? capacity : (capacity / memberCount >> 20 << 20) + (8L << 20);
        for (int m = 0; m < memberCount; m++) media.add(new SimulatedMedia(memberBytes, BLOCK));
        this.runtime = new SimRuntime(1_800_000_000_000L);
        this.storeOptions = StoreOptions.defaults()
                .withRuntime(runtime)
                .withEviction(Eviction.LRU)
                .withFlush(settings.flush())
                .withMaxBatchBytes((64L + random.nextInt(256)) << 10)
                // One seed in three checkpoints rarely, so that recoveries follow recoveries with the journal in between.
                .withCheckpointInterval(Duration.ofMillis(random.nextInt(3) == 0 ? 60_000 : 20 + random.nextInt(200)))
                .withQuietWait(Duration.ofMillis(random.nextInt(20)));
    }

    /** Runs one seed. */
    public static Result run(long seed, Settings settings) {
        return run(seed, settings, null);
    }

    /** Runs one seed, telling {@code trace} (when not null) every operation, its results, and every crash. */
    public static Result run(long seed, Settings settings, java.util.function.Consumer<String> trace) {
        return new Simulator(seed, settings, trace).run();
    }

    private void trace(String what) {
        if (trace != null) trace.accept("t=" + runtime.ticks() + " " + what);
    }

    private Result run() {
        try {
            boot(true);
            for (int op = 0; op < settings.operations(); op++) {
                // Once armed, a crash fires after its steps, in whichever operation (or idle time) that is.
                if (!runtime.armed() && random.nextInt(settings.crashOneIn()) == 0) runtime.crashAfter(1 + random.nextInt(400));
                List<Runnable> undo = new ArrayList<>();
                try {
                    operation(undo);
                    idle(random.nextInt(8));
                } catch (Crash c) {
                    // below
                } catch (RuntimeException e) {
                    if (!runtime.crashed()) throw e; // else: the dead store's own failure, as the crash unwinds
                }
                if (runtime.crashed()) {
                    undo.forEach(Runnable::run); // what the interrupted operation may have left
                    restart();
                }
            }
            runtime.crashAfter(Long.MAX_VALUE);
            noteEvictions(); // the next store counts afresh
            store.close();
            closeDevices();
            corruptReads = 0; // the final check reads what the media hold
            boot(false); // a clean restart keeps everything
            checkAll("after a clean restart");
            store.close();
            closeDevices();
        } catch (IOException | RuntimeException | AssertionError e) {
            problems.add("seed " + seed + ": " + e);
        }
        digest.update(longBytes(lost, wrong, resurrected, inconsistent, checks, crashPoints, runtime.ticks()));
        return new Result(seed, settings.operations(), crashPoints, lost, wrong, resurrected, inconsistent, checks,
                runtime.ticks(),
                digest.getValue(), List.copyOf(problems));
    }

    // ---- the machine ----

    private void boot(boolean format) throws IOException {
        SimulatedDevice.Config config = new SimulatedDevice.Config(random.nextLong(), SimulatedDevice.Mode.DRIVEN, 1,
                1 + random.nextInt(12), SimulatedFaults.NONE.withReadCorruption(corruptReads)).withFutures(runtime::newFuture);
        members.clear();
        for (int m = 0; m < media.size(); m++) {
            // A member's own seed: the first member's config is the one device's, as before.
            SimulatedDevice.Config c = m == 0 ? config : new SimulatedDevice.Config(random.nextLong(), config.mode(),
                    config.minLatency(), config.maxLatency(), config.faults(), config.futures());
            members.add(SimulatedDevice.open(media.get(m), DeviceOptions.of(Path.of(m == 0 ? "sim" : "sim." + m))
                    .withArenaBytes((m > 0 ? 1L : large ? 64L : 8L) << 20), c));
        }
        runtime.attach(members);
        FormatOptions geometry = new FormatOptions(0, (large ? 4L : 1L) << 20, 0);
        if (members.size() == 1) {
            device = members.getFirst();
            if (format) StoreFormat.format(device, geometry);
        } else {
            List<BlockDevice> devices = List.copyOf(members);
            device = format ? StoreFormat.formatSpan(devices, geometry, PlacementPolicy.AUTO) : StoreFormat.openSet(devices);
        }
        store = Store.open(device, storeOptions);
        pinned = 0;
        corruptionsSeen = 0;
        evictionsSeen = 0;
    }

    /** Closes the store's devices (a span over members holds nothing of its own: its members are closed). */
    private void closeDevices() throws IOException {
        for (SimulatedDevice m : members) m.close();
        members.clear();
    }

    /** The machine crashed: the dead store lets go, a new boot recovers (and may crash again while it does). */
    private void restart() throws IOException {
        crashPoints++;
        trace("CRASH " + crashPoints);
        noteEvictions(); // the next store counts afresh
        try {
            store.close();
        } catch (IOException | RuntimeException | Crash e) {
            // a dead device: whatever close could not write, recovery must not need
        }
        closeDevices();
        runtime.reboot();
        model.crashed();
        if (tight) model.mayAllBeAbsent(settings.keys());
        while (true) {
            boolean armed = random.nextInt(5) == 0;
            if (armed) runtime.crashAfter(1 + random.nextInt(200));
            try {
                boot(false);
                runtime.crashAfter(Long.MAX_VALUE);
                break;
            } catch (Crash c) {
                crashPoints++;
                closeDevices();
                runtime.reboot();
            }
        }
        checkAll("after crash point " + crashPoints);
    }

    private void idle(int steps) {
        for (int i = 0; i < steps; i++) runtime.step();
    }

    // ---- the workload ----

    private void operation(List<Runnable> undo) throws IOException {
        int kind = random.nextInt(100);
        if (kind < 30) putBatch(undo);
        else if (kind < 40) streamedPut(undo);
        else if (kind < 55) deleteBatch(undo);
        else if (kind < 72) loadBatch();
        else if (kind < 80) streamedRead();
        else if (kind < 88) pins();
        else if (kind < 91) {
            trace("checkpoint");
            store.checkpoint();
        }
        else idle(random.nextInt(300));
    }

    private List<Integer> someKeys(int max) {
        int n = 1 + random.nextInt(max);
        List<Integer> keys = new ArrayList<>(n);
        while (keys.size() < n) {
            int k = random.nextInt(settings.keys());
            if (!keys.contains(k)) keys.add(k);
        }
        return keys;
    }

    private static byte[] key(int k) {
        return ("key-" + k).getBytes(StandardCharsets.US_ASCII);
    }

    private void putBatch(List<Runnable> undo) {
        List<Integer> keys = someKeys(4);
        PutMode mode = PutMode.values()[random.nextInt(PutMode.values().length)];
        List<byte[]> names = new ArrayList<>();
        List<MemorySegment> data = new ArrayList<>();
        long[] versions = new long[keys.size()];
        // A large seed puts half its batches from the device's memory: the payload goes without a copy.
        boolean zeroCopy = large && shape.nextBoolean();
        List<IoBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            versions[i] = nextVersion++;
            names.add(key(keys.get(i)));
            byte[] bytes = values.bytes(versions[i]);
            if (zeroCopy) {
                IoBuffer b = device.buffers().allocate(roundUp(bytes.length));
                buffers.add(b);
                MemorySegment.copy(bytes, 0, b.segment(), ValueLayout.JAVA_BYTE, 0, bytes.length);
                data.add(b.segment().asSlice(0, bytes.length));
            } else {
                data.add(MemorySegment.ofArray(bytes));
            }
            int k = keys.get(i);
            long v = versions[i];
            undo.add(() -> model.mayBe(k, v));
            undo.add(() -> model.mayBe(k, Model.ABSENT)); // a failed replacing put may leave the key absent
        }
        trace("put " + mode + " keys " + keys + " versions " + java.util.Arrays.toString(versions));
        PutResult[] results;
        try {
            results = store.putMany(names, data, mode);
        } finally {
            buffers.forEach(IoBuffer::close);
        }
        trace("  -> " + java.util.Arrays.toString(results));
        record(results.length);
        for (int i = 0; i < keys.size(); i++) {
            int k = keys.get(i);
            switch (results[i]) {
                case STORED -> model.is(k, versions[i]);
                case ALREADY_STORED, BUSY -> { }
                case NO_SPACE, TOO_LARGE, WRITE_FAILED, CANCELED -> model.mayBe(k, Model.ABSENT);
            }
            digest.update(results[i].ordinal());
        }
        if (!runtime.crashed()) undo.clear();
    }

    private void streamedPut(List<Runnable> undo) {
        int k = random.nextInt(settings.keys());
        long v = nextVersion++;
        byte[] bytes = values.bytes(v);
        undo.add(() -> model.mayBe(k, v));
        undo.add(() -> model.mayBe(k, Model.ABSENT));
        if (bytes.length <= BLOCK) { // small enough to live in its slot header: only putMany takes it
            PutResult r = store.putMany(List.of(key(k)), List.of(MemorySegment.ofArray(bytes)), PutMode.REPLACE)[0];
            digest.update(r.ordinal());
            if (r == PutResult.STORED) model.is(k, v);
            else model.mayBe(k, Model.ABSENT);
            if (!runtime.crashed()) undo.clear();
            return;
        }
        trace("streamed put key " + k + " version " + v + " (" + bytes.length + " bytes)");
        try (PutStream put = store.beginPut(key(k), bytes.length, PutMode.REPLACE, 0)) {
            if (put.refusal() != null) {
                digest.update(100 + put.refusal().ordinal());
                model.mayBe(k, Model.ABSENT);
                return;
            }
            int piece = BLOCK * (1 + random.nextInt(16));
            try (IoBuffer buf = device.buffers().allocate(piece)) {
                MemorySegment seg = buf.segment();
                for (long from = 0; from < bytes.length; from += piece) {
                    int n = (int) Math.min(piece, bytes.length - from);
                    MemorySegment.copy(bytes, (int) from, seg, ValueLayout.JAVA_BYTE, 0, n);
                    int padded = (n + BLOCK - 1) / BLOCK * BLOCK;
                    seg.asSlice(n, padded - n).fill((byte) 0);
                    put.write(from, seg.asSlice(0, padded)).join(); // one buffer: wait before reusing it
                }
            }
            PutResult r = put.commit();
            trace("  -> " + r);
            digest.update(r.ordinal());
            if (r == PutResult.STORED) model.is(k, v);
            else model.mayBe(k, Model.ABSENT);
        }
        if (!runtime.crashed()) undo.clear();
    }

    private void deleteBatch(List<Runnable> undo) {
        List<Integer> keys = someKeys(3);
        boolean force = random.nextBoolean();
        List<byte[]> names = keys.stream().map(Simulator::key).toList();
        for (int k : keys) undo.add(() -> model.mayBe(k, Model.ABSENT));
        trace("delete " + (force ? "forced " : "") + "keys " + keys);
        boolean[] gone = store.deleteMany(names, force);
        trace("  -> " + java.util.Arrays.toString(gone));
        record(gone.length);
        for (int i = 0; i < keys.size(); i++) {
            digest.update(gone[i] ? 1 : 0);
            // Not gone: absent already, or pinned and not forced; either way a read shows which.
            if (gone[i]) model.is(keys.get(i), Model.ABSENT);
        }
        if (!runtime.crashed()) undo.clear();
    }

    private void loadBatch() {
        List<Integer> keys = someKeys(4);
        List<byte[]> names = keys.stream().map(Simulator::key).toList();
        List<IoBuffer> buffers = new ArrayList<>();
        List<MemorySegment> dst = new ArrayList<>();
        try {
            for (int i = 0; i < keys.size(); i++) {
                IoBuffer b = device.buffers().allocate(roundUp(Math.max(values.length(1) + 300_000, values.maxLength())));
                buffers.add(b);
                dst.add(b.segment());
            }
            long[] lengths = store.loadMany(names, dst);
            if (runtime.crashed()) return;
            for (int i = 0; i < keys.size(); i++) {
                check(keys.get(i), lengths[i] < 0 ? null : dst.get(i).asSlice(0, lengths[i]), "a load");
            }
        } finally {
            buffers.forEach(IoBuffer::close);
        }
    }

    private void streamedRead() {
        int k = random.nextInt(settings.keys());
        try (ValueReader reader = store.openReader(key(k))) {
            if (reader == null) { // absent, or small enough to live in its slot header
                if (!runtime.crashed()) checkKey(k, "a load");
                return;
            }
            if (!reader.headerMatches()) {
                if (!runtime.crashed()) check(k, null, "a streamed read");
                return;
            }
            long padded = roundUp(reader.length());
            int piece = BLOCK * (1 + random.nextInt(8));
            byte[] all = new byte[(int) reader.length()];
            boolean ok;
            try (IoBuffer buf = device.buffers().allocate(piece)) {
                long from = 0;
                MemorySegment got = null;
                for (; from < padded; from += piece) {
                    if (got != null) MemorySegment.copy(got, ValueLayout.JAVA_BYTE, 0, all, (int) (from - piece), (int) got.byteSize());
                    int n = (int) Math.min(piece, padded - from);
                    reader.read(from, buf.segment().asSlice(0, n)).join();
                    got = buf.segment().asSlice(0, (int) Math.min(n, reader.length() - from));
                    reader.check(got);
                }
                ok = reader.finish(); // the last piece is in the buffer only once the checksum vouched for it
                if (ok) MemorySegment.copy(got, ValueLayout.JAVA_BYTE, 0, all, (int) (from - piece), (int) got.byteSize());
            }
            if (runtime.crashed()) return;
            // Only bytes the checksum vouched for may be served; a failed check is a miss.
            check(k, ok ? MemorySegment.ofArray(all) : null, "a streamed read");
        } catch (RuntimeException e) {
            if (!runtime.crashed()) throw e;
        }
    }

    private void pins() {
        if (pinned > 0 && random.nextBoolean()) {
            List<Integer> keys = someKeys(4);
            trace("unpin keys " + keys);
            store.unlock(keys.stream().map(Simulator::key).toList());
            return;
        }
        List<Integer> keys = someKeys(3);
        int hits = store.prefixHits(keys.stream().map(Simulator::key).toList(), true);
        trace("pin keys " + keys + " -> " + hits + " leading hits pinned");
        pinned += hits;
        digest.update(hits);
    }

    // ---- checks ----

    /**
     * Every key against the model, then the store against itself: each entry's slot must hold that
     * entry (fsck's check). An entry whose slot holds something else is never served (loads check),
     * but it means recovery believed a record it should not have.
     */
    private void checkAll(String when) {
        for (int k = 0; k < settings.keys(); k++) checkKey(k, when);
        if (corruptReads > 0) return; // a corrupted read would fail the check without the slot being bad
        Store.VerifyReport report = store.verify(false, n -> { });
        if (report.errors() > 0) {
            inconsistent += report.errors();
            problems.add("seed " + seed + ": " + when + ", " + report.errors() + " entries fail fsck: " + report.problems());
        }
    }

    private void checkKey(int k, String when) {
        {
            long[] length = store.lengths(List.of(key(k)));
            MemorySegment value = null;
            if (length[0] >= 0) {
                try (IoBuffer b = device.buffers().allocate(roundUp(Math.max(1, length[0])))) {
                    long n = store.loadMany(List.of(key(k)), List.of(b.segment()))[0];
                    value = n < 0 ? null : MemorySegment.ofArray(b.segment().asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                }
            }
            check(k, value, when);
        }
    }

    /** Compares what a read returned ({@code null}: a miss) with what the key may hold, then narrows the model. */
    private void check(int k, MemorySegment value, String when) {
        checks++;
        noteCorruption();
        noteEvictions();
        long seen = value == null ? Model.ABSENT : values.versionOf(value);
        Set<Long> allowed = model.allowed(k);
        digest.update(longBytes(k, seen));
        if (trace != null && !(allowed.size() == 1 && allowed.contains(seen))) {
            trace("  read key " + k + " " + when + ": " + seen + " (allowed " + allowed + ")");
        }
        if (seen == -1) {
            wrong++;
            problems.add("seed " + seed + ": key-" + k + " read " + when + " returned " + value.byteSize()
                    + " bytes that are no version ever written (allowed: " + allowed + ")");
            return;
        }
        if (allowed.contains(seen)) {
            // A miss where the store may remove keys on its own (eviction, a failed check) may be undone by a crash.
            if (seen == Model.ABSENT && (tight || corruptionsSeen > 0 || evictionsSeen > 0)) model.observedRemoval(k);
            else model.observed(k, seen);
            return;
        }
        if (seen == Model.ABSENT) {
            lost++;
            problems.add("seed " + seed + ": key-" + k + " lost " + when + ": expected one of " + allowed);
        } else if (model.wasDeleted(k, seen)) {
            resurrected++;
            problems.add("seed " + seed + ": key-" + k + " resurrected " + when + ": version " + seen
                    + " was deleted (allowed: " + allowed + ")");
        } else {
            wrong++;
            problems.add("seed " + seed + ": key-" + k + " read " + when + " version " + seen + ", allowed " + allowed);
        }
        model.observed(k, seen);
    }

    /**
     * An eviction (the store's own removal when space is short) may have taken any key that is not
     * pinned: a miss is then no loss. Read from the store's counter, so that a run without evictions
     * still counts every miss of an acknowledged value as lost.
     */
    private void noteEvictions() {
        long evictions;
        try {
            evictions = store.stats().evictions();
        } catch (IllegalStateException offline) {
            return;
        }
        if (evictions > evictionsSeen) {
            evictionsSeen = evictions;
            model.mayAllBeAbsent(settings.keys());
        }
    }

    /** A read the device corrupted makes the store drop that entry (its checksum failed): any key may be gone. */
    private void noteCorruption() {
        long faults = members.stream().mapToLong(SimulatedDevice::faultsInjected).sum();
        if (faults > corruptionsSeen) {
            corruptionsSeen = faults;
            model.mayAllBeAbsent(settings.keys());
        }
    }

    private void record(int n) {
        digest.update(n);
    }

    private static long roundUp(long n) {
        return (n + BLOCK - 1) / BLOCK * BLOCK;
    }

    private static byte[] longBytes(long... xs) {
        byte[] b = new byte[xs.length * 8];
        for (int i = 0; i < xs.length; i++) for (int j = 0; j < 8; j++) b[i * 8 + j] = (byte) (xs[i] >>> (8 * j));
        return b;
    }
}
