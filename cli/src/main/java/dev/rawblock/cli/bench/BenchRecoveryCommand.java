package dev.rawblock.cli.bench;

import dev.rawblock.cli.FormatCommand;
import dev.rawblock.cli.Main;
import dev.rawblock.cli.Progress;
import dev.rawblock.cli.StatsCommand;
import dev.rawblock.cli.text.Json;
import dev.rawblock.cli.text.SizeParser;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.store.Eviction;
import dev.rawblock.store.FormatOptions;
import dev.rawblock.store.PutResult;
import dev.rawblock.store.SlotHeader;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreFormat;
import dev.rawblock.store.StoreOptions;
import dev.rawblock.store.Superblock;
import dev.rawblock.testkit.device.FaultInjectingDevice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code rawblock bench recovery}: how long a store takes to open after a clean close and after a
 * crash, on a scratch store filled with many small values.
 *
 * <p>Phases: fill {@code --entries} values with {@code putMany} batches from a few threads (timed:
 * entries/s); close (final checkpoint) and time the open ("clean"); put 10% more keys and delete 1%
 * without a checkpoint; simulate a crash through {@link FaultInjectingDevice} (the store never
 * writes its final checkpoint); time the open that recovers ("crash": checkpoint plus journal
 * replay plus header checks of the slots the journal named); then check that every acknowledged put
 * is there (a sample byte for byte) and every acknowledged delete is gone. A loss is a failure.
 */
@Command(name = "recovery", sortOptions = false,
        description = {"Measure store open time after a clean close and after a crash, with many small values; "
                + "checks that the crash lost nothing acknowledged.",
                "WARNING: formats --path as a scratch store (an existing rawblock store only with --force)."})
final class BenchRecoveryCommand implements Callable<Integer> {
    static final Path DEFAULT_PATH = Path.of("data", "bench-recovery.img");
    private static final long MIB = 1L << 20;
    /** Keys per putMany, deleteMany, existsMany and loadMany call. */
    static final int BATCH_KEYS = 1000;
    /** The crash phase puts this fraction of --entries as new keys... */
    private static final int CRASH_PUTS_PER_MILLE = 100;
    /** ...and deletes every this-many-th key of the fill. */
    private static final int DELETE_EVERY = 100;
    /** Values compared byte for byte after the crash (at most; all of them when there are fewer). */
    private static final long VERIFY_SAMPLE = 20_000;
    /**
     * Checkpoint payload records (see Checkpoint and MetadataLayout in the store): 8 bytes per region
     * (its slot size), 24 per entry (fingerprint 16, slot id 4, length 4).
     */
    private static final String KEY_PREFIX = "bench-recovery/";
    /** Values start at shifts in [0, SHIFT_SPAN) of the random source; their first 8 bytes are the key number. */
    private static final long SHIFT_SPAN = 1L << 20;
    private static final long SHIFT_STEP = 8191;

    @Spec
    CommandSpec spec;

    @Option(names = "--path", paramLabel = "PATH",
            description = "File or block device (default: ./data/bench-recovery.img); a missing file is created "
                    + "with room for the entries (entries x slot x 1.3 + 256 MiB).")
    Path path;

    @Option(names = "--entries", paramLabel = "N", defaultValue = "1000000",
            description = "Values to fill the store with (default: ${DEFAULT-VALUE}).")
    long entries;

    @Option(names = "--value-size", paramLabel = "SIZE", defaultValue = "100", converter = SizeParser.Converter.class,
            description = "Bytes per value, at most 1m (default: ${DEFAULT-VALUE}).")
    long valueSize;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "4",
            description = "Threads issuing batches of " + BATCH_KEYS + " keys (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--flush", paramLabel = "true|false", arity = "1", defaultValue = "true",
            description = "The store's flush option (default: ${DEFAULT-VALUE}): true fdatasyncs every journal "
                    + "write; false does not, and the crash simulated is then one of the process (completed "
                    + "writes survive), not a power loss.")
    boolean flush;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the simulated crash's choices among unflushed writes (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--force", description = "Overwrite an existing rawblock store at --path.")
    boolean force;

    @Option(names = "--json", description = "End the output with one line of JSON.")
    boolean json;

    /** What the run measured. */
    private record Result(Path target, String kind, Superblock superblock, long fillEntries, double fillSeconds,
                          long fillCheckpoints, double cleanOpenSeconds, String cleanRecovery, long crashPuts,
                          long crashDeletes, long crashPhaseCheckpoints, int unflushedAtCrash,
                          double crashOpenSeconds, String crashRecovery, long entriesAfterCrash, long keysChecked,
                          long valuesVerified) {

        double fillEntriesPerSecond() {
            return fillEntries / fillSeconds;
        }

        /** On-device size of one checkpoint copy's payload (region table and entry records), per entry. */
        long checkpointPayloadBytes() {
            return superblock.checkpointPayloadBytes(fillEntries);
        }

        double checkpointBytesPerEntry() {
            return checkpointPayloadBytes() / (double) fillEntries;
        }
    }

    @Override
    public Integer call() throws Exception {
        validate();
        long slot = SlotHeader.slotBytes(key(maxKey()).length, valueSize, Superblock.MIN_BLOCK_BYTES);
        long needed = capacity(slot);
        ScratchFile scratch = ScratchFile.claim(path, DEFAULT_PATH, needed, force, "--entries " + entries);
        Path target = scratch.path();
        boolean create = scratch.create();
        long arenaBytes = Math.max(64 * MIB, Long.highestOneBit(2L * threads * BATCH_KEYS * slot) * 2);
        DeviceOptions options = DeviceOptions.of(target).withQueueDepth(256).withArenaBytes(arenaBytes);
        if (create) options = options.withCreateSize(needed);
        PrintWriter err = spec.commandLine().getErr();
        Progress progress = new Progress(err, Progress.stderrIsTerminal());

        Result result;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment source = randomSource(arena);
            // The wrapper is in place from the start but only the crash uses it; writes through it
            // cost one extra read each (its undo log), so the timed fill goes to the device directly.
            BlockDevice device = BlockDevice.open(options);
            try (FaultInjectingDevice faulty = new FaultInjectingDevice(device)) {
                String kind = StatsCommand.kind(device);
                FormatCommand.refuseToErase(device, scratch.mayErase(force));
                if (device.size() < needed) {
                    throw new IOException(device.path() + " has " + SizeParser.format(device.size()) + ", less than the "
                            + SizeParser.format(needed) + " that " + entries + " entries of " + valueSize
                            + " bytes need (entries x " + slot + "-byte slot x 1.3 + 256 MiB); use another path");
                }
                if (create) BenchStoreCommand.prepare(device, MIB, 8, progress);
                Superblock sb = StoreFormat.format(device, new FormatOptions(needed, 0, 0));
                result = run(device, faulty, sb, target, kind, source, progress);
            } finally {
                progress.clear();
            }
        }

        PrintWriter out = spec.commandLine().getOut();
        printHuman(out, result);
        if (json) out.println(json(result));
        out.flush();
        return 0;
    }

    private Result run(BlockDevice device, FaultInjectingDevice faulty, Superblock sb, Path target, String kind,
                       MemorySegment source, Progress progress) throws IOException, InterruptedException {
        StoreOptions fillOptions = StoreOptions.defaults().withFlush(flush).withEviction(Eviction.NONE);
        // From the clean open on, no interval checkpoint: the crash must find the changes in the journal
        // (a checkpoint the journal's fill asks for still runs; it is reported).
        StoreOptions options = fillOptions.withCheckpointInterval(Duration.ofDays(1));

        // Fill, timed: acknowledged puts are durable (with flush on) when putMany returns.
        long fillNanos;
        long fillCheckpoints;
        try (Store store = Store.open(device, fillOptions)) {
            long t0 = System.nanoTime();
            runBatches("fill", batches(entries), entries, progress, b -> put(store, b * BATCH_KEYS,
                    Math.min(entries, (b + 1) * BATCH_KEYS), source));
            fillNanos = System.nanoTime() - t0;
            fillCheckpoints = store.stats().checkpoints();
            progress.line(String.format(Locale.ROOT, "fill: %d entries in %.1f s, %.0f entries/s", entries,
                    fillNanos / 1e9, entries * 1e9 / fillNanos));
        } // close: final checkpoint

        long t0 = System.nanoTime();
        Store store = Store.open(faulty, options);
        double cleanOpen = (System.nanoTime() - t0) / 1e9;
        String cleanRecovery = store.recoverySummary();
        progress.line(String.format(Locale.ROOT, "clean open: %.3f s (%s)", cleanOpen, cleanRecovery));
        long stored = store.stats().entries();
        if (stored != entries) {
            store.close();
            throw new IOException("after a clean close and open the store holds " + stored + " entries, not the "
                    + entries + " put");
        }

        // Changes the crash must not lose: new keys put, every DELETE_EVERY-th fill key deleted.
        long puts = Math.max(1, entries * CRASH_PUTS_PER_MILLE / 1000);
        long deletes = (entries + DELETE_EVERY - 1) / DELETE_EVERY;
        long putBatches = batches(puts), deleteBatches = batches(deletes);
        long crashPhaseCheckpoints;
        int unflushed;
        try {
            runBatches("changes", putBatches + deleteBatches, putBatches + deleteBatches, progress, b -> {
                // Delete batches spread evenly among the put batches.
                long all = putBatches + deleteBatches;
                long deletesUpTo = (b + 1) * deleteBatches / all;
                boolean delete = deletesUpTo != b * deleteBatches / all;
                if (delete) {
                    long d = b * deleteBatches / all;
                    delete(store, d * BATCH_KEYS, Math.min(deletes, (d + 1) * BATCH_KEYS));
                } else {
                    long p = b - deletesUpTo;
                    put(store, entries + p * BATCH_KEYS, entries + Math.min(puts, (p + 1) * BATCH_KEYS), source);
                }
                // Without flush, the wrapper's undo log would keep every write of the phase on the heap;
                // flushing it here changes nothing for a process crash, where completed writes survive.
                if (!flush) deviceFlush(faulty);
                return 1;
            });
            crashPhaseCheckpoints = store.stats().checkpoints();
            if (!flush) deviceFlush(faulty); // a crash of the process: what completed is in the device
            unflushed = faulty.unflushedWrites();
            faulty.crash(seed);
        } catch (IOException | RuntimeException | InterruptedException e) {
            try {
                store.close();
            } catch (IOException ignored) {
                // reporting the first failure
            }
            throw e;
        }
        try {
            store.close(); // cannot write its final checkpoint: the device is dead
        } catch (IOException expected) {
            // "final checkpoint ... failed (the journal has every acknowledged change)"
        }
        faulty.revive();
        progress.line(String.format(Locale.ROOT, "crash after %d puts and %d deletes (%d writes not yet flushed)",
                puts, deletes, unflushed));

        t0 = System.nanoTime();
        Store recovered = Store.open(faulty, options);
        double crashOpen = (System.nanoTime() - t0) / 1e9;
        String crashRecovery = recovered.recoverySummary();
        progress.line(String.format(Locale.ROOT, "crash open: %.3f s (%s)", crashOpen, crashRecovery));
        long[] checked;
        long entriesAfter;
        try {
            entriesAfter = recovered.stats().entries();
            checked = check(recovered, puts, source, progress);
        } finally {
            recovered.close();
        }
        return new Result(target, kind, sb, entries, fillNanos / 1e9, fillCheckpoints, cleanOpen, cleanRecovery, puts,
                deletes, crashPhaseCheckpoints, unflushed, crashOpen, crashRecovery, entriesAfter, checked[0],
                checked[1]);
    }

    // ------------------------------------------------------------------ keys and values

    private static byte[] key(long i) {
        return (KEY_PREFIX + i).getBytes(StandardCharsets.US_ASCII);
    }

    /** The largest key number used: the longest key. */
    private long maxKey() {
        return entries + Math.max(1, entries * CRASH_PUTS_PER_MILLE / 1000);
    }

    private static long batches(long keys) {
        return (keys + BATCH_KEYS - 1) / BATCH_KEYS;
    }

    /** Random non-zero bytes that values are cut from. */
    private MemorySegment randomSource(Arena arena) {
        MemorySegment source = arena.allocate(SHIFT_SPAN + valueSize);
        SplittableRandom random = new SplittableRandom(0x5EED);
        byte[] bytes = new byte[(int) source.byteSize()];
        random.nextBytes(bytes);
        for (int j = 0; j < bytes.length; j++) if (bytes[j] == 0) bytes[j] = 1;
        MemorySegment.copy(bytes, 0, source, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return source;
    }

    /** Writes key {@code i}'s value into {@code into}: a slice of the source, its first bytes the key number. */
    private void value(long i, MemorySegment source, MemorySegment into) {
        MemorySegment.copy(source, i * SHIFT_STEP & (SHIFT_SPAN - 1), into, 0, valueSize);
        for (int b = 0; b < Math.min(8, valueSize); b++) into.set(ValueLayout.JAVA_BYTE, b, (byte) (i >>> (8 * b)));
    }

    /** Whether key {@code i} must be stored after the changes: not one of the deleted fill keys. */
    private boolean expectedAfterChanges(long i) {
        return i >= entries || i % DELETE_EVERY != 0;
    }

    // ------------------------------------------------------------------ batches

    /** Puts keys [from, to); a key not stored is a failure of the benchmark. */
    private long put(Store store, long from, long to, MemorySegment source) throws IOException {
        int n = (int) (to - from);
        try (Arena batch = Arena.ofConfined()) {
            MemorySegment values = batch.allocate(n * valueSize);
            List<byte[]> keys = new ArrayList<>(n);
            List<MemorySegment> slices = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                keys.add(key(from + k));
                MemorySegment v = values.asSlice(k * valueSize, valueSize);
                value(from + k, source, v);
                slices.add(v);
            }
            PutResult[] results = store.putMany(keys, slices);
            for (int k = 0; k < n; k++) {
                if (!results[k].stored()) {
                    throw new IOException("put of key " + KEY_PREFIX + (from + k) + " failed: " + results[k]
                            + (results[k] == PutResult.NO_SPACE ? " (the scratch store is too small)" : ""));
                }
            }
        }
        return n;
    }

    /** Deletes the fill keys number {@code from * DELETE_EVERY} ... of delete ordinals [from, to). */
    private long delete(Store store, long from, long to) throws IOException {
        List<byte[]> keys = new ArrayList<>((int) (to - from));
        for (long d = from; d < to; d++) keys.add(key(d * DELETE_EVERY));
        boolean[] deleted = store.deleteMany(keys, true);
        for (int k = 0; k < deleted.length; k++) {
            if (!deleted[k]) throw new IOException("delete of key " + KEY_PREFIX + (from + k) * DELETE_EVERY
                    + " found nothing to delete");
        }
        return deleted.length;
    }

    /**
     * After the crash: every key's presence as acknowledged (existsMany over all of them), and a
     * sample of values byte for byte. Returns {keys checked, values compared}.
     */
    private long[] check(Store store, long puts, MemorySegment source, Progress progress)
            throws IOException, InterruptedException {
        long keys = entries + puts;
        LongAdder lost = new LongAdder(), resurrected = new LongAdder(), differed = new LongAdder();
        LongAdder compared = new LongAdder();
        AtomicReference<String> first = new AtomicReference<>();
        long step = Math.max(1, keys / VERIFY_SAMPLE);
        runBatches("checking", batches(keys), batches(keys), progress, b -> {
            long from = b * BATCH_KEYS, to = Math.min(keys, from + BATCH_KEYS);
            List<byte[]> batch = new ArrayList<>();
            for (long i = from; i < to; i++) batch.add(key(i));
            boolean[] present = store.existsMany(batch, false);
            List<Long> sample = new ArrayList<>();
            for (long i = from; i < to; i++) {
                boolean want = expectedAfterChanges(i);
                boolean got = present[(int) (i - from)];
                if (want && !got) {
                    lost.increment();
                    first.compareAndSet(null, "acknowledged put of " + KEY_PREFIX + i + " is missing");
                } else if (!want && got) {
                    resurrected.increment();
                    first.compareAndSet(null, "acknowledged delete of " + KEY_PREFIX + i + " was undone");
                }
                // A hashed choice, so that the sample does not line up with the deleted keys' stride.
                if (want && got && Long.remainderUnsigned(i * 0x9E3779B97F4A7C15L >>> 17, step) == 0) sample.add(i);
            }
            if (sample.isEmpty()) return 1;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment into = arena.allocate(sample.size() * valueSize * 2);
                List<byte[]> sampleKeys = new ArrayList<>();
                List<MemorySegment> destinations = new ArrayList<>();
                for (int k = 0; k < sample.size(); k++) {
                    sampleKeys.add(key(sample.get(k)));
                    destinations.add(into.asSlice(k * valueSize, valueSize));
                }
                long[] lengths = store.loadMany(sampleKeys, destinations);
                MemorySegment expected = into.asSlice(sample.size() * valueSize, valueSize);
                for (int k = 0; k < lengths.length; k++) {
                    long i = sample.get(k);
                    value(i, source, expected);
                    if (lengths[k] != valueSize || destinations.get(k).mismatch(expected) != -1) {
                        differed.increment();
                        first.compareAndSet(null, "load of " + KEY_PREFIX + i + " returned " + (lengths[k] < 0
                                ? "a miss" : lengths[k] + " bytes") + " that differ from the value put");
                    }
                    compared.increment();
                }
            }
            return 1;
        });
        if (lost.sum() + resurrected.sum() + differed.sum() > 0) {
            throw new IOException("crash recovery broke acknowledged changes: " + lost.sum() + " puts lost, "
                    + resurrected.sum() + " deletes undone, " + differed.sum() + " values differ (first: "
                    + first.get() + ")");
        }
        return new long[] {keys, compared.sum()};
    }

    /** One batch of a phase; returns the items it did (for progress). */
    private interface Batch {
        long run(long batch) throws Exception;
    }

    /**
     * Runs batches 0 .. count-1 in the {@link ClosedLoop} on {@code --threads} threads, each taking
     * the next batch number, with progress; the first failure stops the phase and is thrown.
     */
    private void runBatches(String label, long count, long items, Progress progress, Batch body)
            throws IOException, InterruptedException {
        String unit = label.equals("fill") ? "entries" : "batches";
        ClosedLoop.run(label + " batch", threads, Math.toIntExact(count), items, (b, lane, latency) -> body.run(b),
                () -> {}, (done, total, elapsed) -> progress.count(label, done, total, unit, elapsed),
                () -> "; the store or the engine is stuck");
    }

    private static void deviceFlush(BlockDevice device) throws IOException, InterruptedException {
        try {
            device.flush().get();
        } catch (ExecutionException e) {
            throw new IOException("flush of " + device.path() + " failed: " + Main.describe(e.getCause()), e.getCause());
        }
    }

    // ------------------------------------------------------------------ options, sizing, report

    private void validate() {
        if (entries < 1 || entries > FormatOptions.MAX_ENTRIES / 5 * 4 - 1024) {
            usage("--entries must be between 1 and " + (FormatOptions.MAX_ENTRIES / 5 * 4 - 1024) + ", got " + entries);
        }
        if (valueSize > MIB) usage("--value-size must be at most 1m, got " + SizeParser.format(valueSize));
        if (valueSize < 1) usage("--value-size must be at least 1 byte, got " + valueSize);
        if (threads < 1 || threads > 256) usage("--threads must be between 1 and 256, got " + threads);
        // The fill, the 10% more the crash phase puts, and the index of all of them.
        String tooLarge = MachineLimits.indexDoesNotFit("--entries", entries + entries / 10);
        if (tooLarge != null) usage(tooLarge);
    }

    private void usage(String message) {
        throw new ParameterException(spec.commandLine(), message);
    }

    /** Bytes of the scratch store: every entry's slot x 1.3 (the crash phase adds 10%, regions fill in part), + 256 MiB. */
    private long capacity(long slot) {
        long bytes = entries * slot / 10 * 13 + 256 * MIB;
        return (bytes + MIB - 1) / MIB * MIB;
    }

    private void printHuman(PrintWriter out, Result r) {
        Superblock sb = r.superblock();
        out.printf(Locale.ROOT, "bench recovery: %d entries of %s on %s (%s), flush %s, %d threads x %d-key batches%n",
                r.fillEntries(), SizeParser.format(valueSize), r.target(), r.kind(), flush ? "on" : "off", threads,
                BATCH_KEYS);
        out.printf(Locale.ROOT, "  store: %s in %d regions of %s, max entries %d%n", SizeParser.format(sb.capacity()),
                sb.regionCount(), SizeParser.format(sb.regionBytes()), sb.maxEntries());
        out.printf(Locale.ROOT, "  %-12s %9.3f s  %.0f entries/s (%d checkpoints during the fill)%n", "fill",
                r.fillSeconds(), r.fillEntriesPerSecond(), r.fillCheckpoints());
        out.printf(Locale.ROOT, "  %-12s %9.3f s  %s%n", "clean open", r.cleanOpenSeconds(), r.cleanRecovery());
        out.printf(Locale.ROOT, "  %-12s %9.3f s  %s%n", "crash open", r.crashOpenSeconds(), r.crashRecovery());
        out.printf(Locale.ROOT, "  %-12s %9.1f B per entry: %d regions x %d B + %d entries x %d B = %s per copy%n",
                "checkpoint", r.checkpointBytesPerEntry(), sb.regionCount(), sb.checkpointRegionBytes(), r.fillEntries(),
                sb.checkpointEntryBytes(), SizeParser.format(r.checkpointPayloadBytes()));
        out.printf(Locale.ROOT, "  crash after %d puts and %d deletes (%d checkpoints in that phase, %d writes not "
                        + "flushed at the crash); after recovery %d entries%n", r.crashPuts(), r.crashDeletes(),
                r.crashPhaseCheckpoints(), r.unflushedAtCrash(), r.entriesAfterCrash());
        out.printf(Locale.ROOT, "  checked: %d keys present or absent as acknowledged, %d values byte for byte%n",
                r.keysChecked(), r.valuesVerified());
        out.println("open times include reading the superblock, the checkpoint and the journal, and checking the "
                + "slots the journal names; compare fill throughput with --flush " + (flush ? "false" : "true"));
    }

    private String json(Result r) {
        Superblock sb = r.superblock();
        return new Json().put("entries", r.fillEntries()).put("value_bytes", valueSize).put("flush", flush)
                .put("threads", threads).put("batch_keys", BATCH_KEYS)
                .put("fill_s", r.fillSeconds()).put("fill_entries_per_s", r.fillEntriesPerSecond())
                .put("fill_checkpoints", r.fillCheckpoints())
                .put("clean_open_s", r.cleanOpenSeconds()).put("crash_open_s", r.crashOpenSeconds())
                .put("checkpoint_bytes_per_entry", r.checkpointBytesPerEntry())
                .put("checkpoint_payload_bytes", r.checkpointPayloadBytes())
                .put("crash_puts", r.crashPuts()).put("crash_deletes", r.crashDeletes())
                .put("crash_phase_checkpoints", r.crashPhaseCheckpoints())
                .put("unflushed_writes_at_crash", r.unflushedAtCrash())
                .put("entries_after_crash", r.entriesAfterCrash()).put("keys_checked", r.keysChecked())
                .put("values_verified", r.valuesVerified()).put("seed", seed)
                .put("clean_recovery", r.cleanRecovery()).put("crash_recovery", r.crashRecovery())
                .put("path", r.target().toString()).put("capacity_bytes", sb.capacity())
                .put("region_bytes", sb.regionBytes()).put("region_count", sb.regionCount())
                .put("max_entries", sb.maxEntries()).toString();
    }
}
