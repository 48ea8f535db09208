package dev.rawblock.cli.bench;

import dev.rawblock.cli.bench.ClosedLoop.Observer;
import dev.rawblock.cli.EvictionConverter;

import dev.rawblock.cli.FormatCommand;
import dev.rawblock.cli.IoDelayOption;
import dev.rawblock.cli.SmallValueCacheOption;
import dev.rawblock.cli.Progress;
import dev.rawblock.cli.StatsCommand;
import dev.rawblock.cli.StoreDevices;
import dev.rawblock.cli.text.ParsingConverter;
import dev.rawblock.cli.text.SizeParser;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.Engine;
import dev.rawblock.store.Eviction;
import dev.rawblock.store.FormatOptions;
import dev.rawblock.store.PlacementPolicy;
import dev.rawblock.store.SlotHeader;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreFormat;
import dev.rawblock.store.StoreOptions;
import dev.rawblock.store.StoreStats;
import dev.rawblock.store.Superblock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code rawblock bench store}: put and get throughput of the store on a scratch store, optionally
 * side by side with peers: fio moving the same bytes with the same block size and depth (the
 * device limit), and RocksDB storing the same keys and values (the embedded alternative).
 */
@Command(name = "store", sortOptions = false,
        description = {"Measure the store: put and get throughput, latency and CPU cost with qd values in flight, "
                + "optionally alternating run by run with fio on the same file, RocksDB in a directory beside it, and "
                + "(on /dev/ngXnY) the same store through the io_uring engine on /dev/nvmeXnY; "
                + "with kvcache-mix, also space efficiency.",
                "WARNING: formats --path as a scratch store (an existing rawblock store only with --force); "
                        + "--against fio then overwrites its first --total bytes."})
final class BenchStoreCommand implements Callable<Integer> {
    static final Path DEFAULT_PATH = Path.of("data", "bench-store.img");
    /** RocksDB's default directory, beside --path. */
    static final String ROCKSDB_DIR_NAME = "bench-rocksdb";
    private static final long MIB = 1L << 20;
    /** Warm-up volume per pass: enough for JIT compilation and first-touch effects. */
    static final long WARMUP_BYTES = 256 * MIB;
    /** Upper bound on keys per pass: their names live on the heap. */
    static final long MAX_CHUNKS = 10_000_000;
    /** Header room a slot needs beyond its value (the key is short: one header block). */
    private static final int KEY_BYTES_BOUND = 64;

    /** A pass of {@code --ops}. */
    enum Op {
        PUT, GET;

        static Op parse(String text) {
            return switch (text.strip().toLowerCase(Locale.ROOT)) {
                case "put" -> PUT;
                case "get" -> GET;
                default -> throw new IllegalArgumentException("unknown operation '" + text.strip()
                        + "' in --ops (expected put, get or put,get)");
            };
        }

        /** Lets picocli take the items of an operation list; a bad one becomes a usage error. */
        static final class Converter extends ParsingConverter<Op> {
            Converter() {
                super(Op::parse);
            }
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--path", paramLabel = "PATH",
            description = "File or block device (default: ./data/bench-store.img); a missing file is created with "
                    + "--capacity bytes.")
    Path path;

    @Option(names = "--capacity", paramLabel = "SIZE", converter = SizeParser.Converter.class,
            description = "Bytes of the store (default for a new file: --total x 1.25 rounded up to a MiB, at least "
                    + "--total + 256m; an existing target is used whole).")
    Long capacity;

    @Option(names = "--small-pages", description = "Put values from, and load into, ordinary memory on 4 KiB pages "
            + "(default: transparent huge pages, as the store's own buffers, the server's and fio's on a hugetlbfs): "
            + "what a caller's ordinary memory costs (on virtio-blk a 4 MiB transfer from small pages is split).")
    boolean smallPages;

    @Option(names = "--members", paramLabel = "N", defaultValue = "1",
            description = "Lay the store over N files, PATH and PATH.1 to PATH.(N-1) beside it, as 'format --path A "
                    + "--path B ...' does: each has its own ring thread and a 1/N share of the capacity (default: "
                    + "${DEFAULT-VALUE}). The report gives each ring thread's busy time.")
    int members;

    @Option(names = "--region-size", paramLabel = "SIZE", converter = SizeParser.Converter.class,
            description = "Region size of the scratch store, a power of two from 1m to 1g (default: chosen by format).")
    Long regionSize;

    @Option(names = "--value-size", paramLabel = "SIZE", defaultValue = "4m", converter = SizeParser.Converter.class,
            description = "Bytes per value (chunk) (default: ${DEFAULT-VALUE}); also fio's block size.")
    long valueSize;

    @Option(names = "--qd", paramLabel = "N", defaultValue = "8",
            description = "Values in flight: worker threads each putting or loading one chunk per call "
                    + "(default: ${DEFAULT-VALUE}); also fio's iodepth.")
    int qd;

    @Option(names = "--total", paramLabel = "SIZE", defaultValue = "2g", converter = SizeParser.Converter.class,
            description = "Bytes of chunks per pass, a multiple of --value-size (default: ${DEFAULT-VALUE}); "
                    + "fio moves the same number of bytes.")
    long total;

    @Option(names = "--ops", paramLabel = "put|get", defaultValue = "put,get", split = ",",
            converter = Op.Converter.class,
            description = "Timed passes (default: ${DEFAULT-VALUE}); get alone loads after an untimed put.")
    List<Op> opList;

    /** The passes of --ops, each once. */
    Set<Op> ops;

    @Option(names = "--workload", paramLabel = "uniform|kvcache-mix", defaultValue = "uniform",
            converter = StoreWorkload.Shape.Converter.class,
            description = "uniform: every value --value-size bytes; kvcache-mix: LMCache's chunks, one in eight "
                    + "partial, each with a 28-byte metadata value in the same call (default: ${DEFAULT-VALUE}).")
    StoreWorkload.Shape workload;

    @Option(names = "--engine", paramLabel = "io_uring|posix|uring_cmd",
            converter = BenchDeviceCommand.EngineConverter.class,
            description = "I/O engine (default: uring_cmd for an NVMe generic device /dev/ngXnY, else io_uring).")
    Engine engine;

    @Option(names = "--eviction", paramLabel = "lru|none", defaultValue = "lru", converter = EvictionConverter.class,
            description = "What a put does when space runs out (default: ${DEFAULT-VALUE}).")
    Eviction eviction;

    @Option(names = "--flush", paramLabel = "true|false", arity = "1", defaultValue = "true",
            description = "true: a put returns once its journal record is fdatasync'ed, so it survives a power loss; "
                    + "false: no fdatasync, puts survive a crash of the process only (default: ${DEFAULT-VALUE}).")
    boolean flush;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "1",
            description = "Timed runs; the summary reports medians (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--against", paramLabel = "PEER", split = ",", converter = Peer.Converter.class,
            description = {"Peers to alternate with, run by run, e.g. fio,rocksdb: fio (write then read with the same block size, "
                    + "depth and bytes on the same file, io_uring and O_DIRECT: the device limit) and/or rocksdb "
                    + "(the same keys and values, qd threads, in --rocksdb-dir: BlobDB with min_blob_size 4k and "
                    + "256m blob files, no compression, 64m memtables (at least 4 values), WAL on, writes synced when --flush is true "
                    + "and not synced when it is false, direct I/O for reads and flushes where the file system "
                    + "allows it), and/or io_uring (with --path /dev/ngXnY: the same store through rawblock's io_uring "
                    + "engine on the namespace's block device /dev/nvmeXnY, beside the uring_cmd engine). The table adds "
                    + "their rows and the ratios rawblock / peer."})
    List<Peer> againstList;

    /** The peers of --against, each once, in a fixed order. */
    Set<Peer> peers = EnumSet.noneOf(Peer.class);

    @Option(names = "--rocksdb-dir", paramLabel = "DIR",
            description = "RocksDB's directory with --against rocksdb (default: bench-rocksdb beside --path); "
                    + "emptied before each run, so it must be empty or made by an earlier bench store.")
    Path rocksdbDir;

    @Option(names = "--keep", description = "Keep RocksDB's directory after the run (default: removed).")
    boolean keep;

    @Option(names = "--plot", paramLabel = "FILE.png",
            description = "Draw the median GB/s of rawblock and its peers as a bar chart into a PNG file.")
    Path plot;

    @Mixin
    IoDelayOption ioDelay;

    @Mixin
    SmallValueCacheOption smallValueCache;

    @Option(names = "--force", description = "Overwrite an existing rawblock store at --path.")
    boolean force;

    @Option(names = "--json", description = "End the output with one line of JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        validate();
        FioRunner fio = peers.contains(Peer.FIO) ? FioRunner.locate() : null; // before any I/O: fail fast
        long newSize = capacity != null ? capacity : defaultCapacity(total);
        // A member's share, and room on each for the head (superblock and metadata) that every member keeps.
        long memberSize = members == 1 ? newSize : (newSize / members + newSize / 32 + MIB) / MIB * MIB;
        String sizeOption = capacity != null ? "--capacity" : "--total " + SizeParser.format(total);
        ScratchFile scratch = ScratchFile.claim(path, DEFAULT_PATH, memberSize, force, sizeOption);
        Path target = scratch.path();
        List<ScratchFile> scratches = new ArrayList<>(List.of(scratch));
        for (int m = 1; m < members; m++) {
            Path sibling = target.resolveSibling(target.getFileName() + "." + m);
            scratches.add(scratch.owned() ? ScratchFile.claim(null, sibling, memberSize, force, sizeOption)
                    : ScratchFile.claim(sibling, null, memberSize, force, sizeOption));
        }
        Path rocksDir = rocksdbDir != null ? rocksdbDir : target.resolveSibling(ROCKSDB_DIR_NAME);
        boolean create = scratch.create();
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr(), Progress.stderrIsTerminal());

        // Room for every value in flight twice over: the store stages each slot in an arena buffer
        // (sizes round up to a power of two), and partial chunks use smaller classes beside full ones.
        long arenaBlock = arenaBlock();
        if (engine == null) engine = Engine.forPath(target);
        DeviceOptions options = DeviceOptions.of(target).withEngine(engine).withQueueDepth(Math.min(4096, 2 * qd))
                .withArenaBytes(2L * qd * arenaBlock);
        if (create) options = options.withCreateSize(memberSize); // the device layer preallocates it
        List<DeviceOptions> memberOptions = new ArrayList<>();
        for (ScratchFile f : scratches) {
            memberOptions.add(options.withPath(f.path()).withCreateSize(f.create() ? memberSize : 0));
        }

        int chunks = (int) (total / valueSize);
        StoreReport.Builder report = new StoreReport.Builder();
        Interruption.install(spec.commandLine().getErr());
        RocksPeer rocks = peers.contains(Peer.ROCKSDB) ? RocksPeer.create(rocksDir, flush, keep, valueSize, total) : null;
        // With the io_uring peer, the two engines take turns on one namespace and one store, each
        // opening it only for its own passes (EnginePeer); otherwise our store stays open throughout.
        StoreOptions storeOptions = smallValueCache.apply(StoreOptions.defaults().withEviction(eviction).withFlush(flush));
        Path peerDevice = peers.contains(Peer.IO_URING) ? EnginePeer.blockDevice(path, engine) : null;
        report.hugePages(!smallPages);
        try (rocks; BenchValues values = new BenchValues(valueSize, qd, !smallPages);
             StoreSide us = new StoreSide(memberOptions, storeOptions, values, peerDevice == null);
             StoreSide peer = peerDevice == null ? null : new StoreSide(List.of(options.withPath(peerDevice)
                     .withEngine(Engine.IO_URING).withCreateSize(0)), storeOptions, values, false)) {
            if (rocks != null) report.peerSetup(Peer.ROCKSDB, rocks.settings());
            if (peer != null) report.peerSetup(Peer.IO_URING, EnginePeer.setup(peerDevice));
            Superblock sb;
            String kind;
            if (members == 1) {
                BlockDevice device = us.device();
                kind = StatsCommand.kind(device);
                FormatCommand.refuseToErase(device, scratch.mayErase(force));
                check(device);
                if (create) prepare(device, arenaBlock, qd, progress);
                sb = format(device);
            } else {
                List<BlockDevice> raw = us.openMembers();
                for (int m = 0; m < members; m++) {
                    FormatCommand.refuseToErase(raw.get(m), scratches.get(m).mayErase(force));
                    if (scratches.get(m).create()) prepare(raw.get(m), arenaBlock, qd, progress);
                }
                kind = members + " files";
                sb = us.formatSpan(formatOptions());
            }
            report.setup(target, kind, sb, workload, engine, eviction, flush, valueSize, qd, total, ops);
            StoreWorkload bench = us.open();
            if (valueSize > us.store().maxValueBytes()) {
                throw new IOException("--value-size " + SizeParser.format(valueSize) + " is larger than the "
                        + "largest value of a store with " + SizeParser.format(sb.regionBytes())
                        + " regions; use a larger --region-size");
            }
            warmUp(bench, chunks, progress, "");
            us.done();
            if (peer != null) {
                warmUp(peer.open(), chunks, progress, "io_uring ");
                peer.done();
            }
            if (rocks != null) warmUp(rocks, values, chunks, progress);
            for (int run = 1; run <= runs; run++) {
                String label = "run " + run + "/" + runs;
                BenchKeys keys = new BenchKeys(workload, valueSize, String.valueOf(run), chunks);
                bench = us.open();
                Store store = us.store();
                long evictionsBefore = store.stats().evictions();
                StoreWorkload.Pass put = bench.put(keys, Observer.of(progress, label + " put"));
                requireStored(put, label);
                StoreStats afterPut = store.stats();
                if (ops.contains(Op.PUT)) {
                    report.put(put);
                    progress.line(put.figures().summary(label + " put", "ops/s"));
                }
                report.stats(afterPut, afterPut.evictions() - evictionsBefore);
                if (ops.contains(Op.GET)) {
                    StoreWorkload.Pass get = bench.get(keys, Observer.of(progress, label + " get"));
                    if (get.failed() > 0) throw new IOException(label + " get: " + get.failed() + " keys failed ("
                            + "first: " + get.firstFailure() + ")");
                    report.get(get);
                    progress.line(get.figures().summary(label + " get", "ops/s") + (get.missed() > 0
                            ? ", " + get.missed() + " keys missed (evicted)" : ""));
                }
                bench.delete(keys);
                us.done();
                if (fio != null) {
                    // fio writes the first --total bytes of the file, over the store's superblock
                    // and slots: fine for a scratch store whose keys were just deleted.
                    if (ops.contains(Op.PUT)) {
                        String fioLabel = "fio " + label + " write";
                        Figures f = fio.run(target, total, valueSize, AccessPattern.WRITE, qd,
                                t -> progress.waiting(fioLabel, t));
                        report.peerPut(Peer.FIO, f);
                        progress.line(f.summary(fioLabel, "ops/s"));
                    }
                    if (ops.contains(Op.GET)) {
                        String fioLabel = "fio " + label + " read";
                        Figures f = fio.run(target, total, valueSize, AccessPattern.READ, qd,
                                t -> progress.waiting(fioLabel, t));
                        report.peerGet(Peer.FIO, f);
                        progress.line(f.summary(fioLabel, "ops/s"));
                    }
                }
                if (peer != null) runPeer(peer, keys, label, report, progress);
                if (rocks != null) runRocks(rocks, values, keys, label, report, progress);
            }
        } finally {
            progress.clear();
            if (Interruption.requested() && rocks != null && rocks.removedBytes() >= 0) {
                spec.commandLine().getErr().println("rawblock: removed " + rocksDir + " ("
                        + MachineLimits.approx(rocks.removedBytes()) + ")");
            }
        }

        StoreReport result = report.plot(plot).build();
        result.printHuman(out);
        out.flush();
        if (plot != null) {
            ComparisonPlot.write(result, LocalDate.now(), plot); // after the table: a failure here loses no figures
            out.println("plot: " + plot);
        }
        if (json) out.println(result.json());
        out.flush();
        if (result.missed() > 0) {
            spec.commandLine().getErr().println("rawblock: warning: " + result.missed() + " keys were evicted before "
                    + "the get pass could load them; the store is too small for --total (see --capacity, --region-size)");
            spec.commandLine().getErr().flush();
        }
        return 0;
    }

    /** Usage errors (exit code 2) found by looking at the options together. */
    private void validate() {
        ioDelay.validate();
        if (opList == null || opList.isEmpty()) usage("--ops needs put, get or both");
        ops = EnumSet.copyOf(opList);
        if (qd < 1 || qd > 1024) usage("--qd must be between 1 and 1024, got " + qd);
        if (members < 1 || members > 16) usage("--members must be between 1 and 16, got " + members);
        if (runs < 1 || runs > 1000) usage("--runs must be between 1 and 1000, got " + runs);
        if (againstList != null && !againstList.isEmpty()) peers = EnumSet.copyOf(againstList);
        if (valueSize > 1L << 30) usage("--value-size must be at most 1g, got " + SizeParser.format(valueSize));
        if (workload == StoreWorkload.Shape.KVCACHE_MIX && valueSize < 2) {
            usage("--value-size must be at least 2 bytes with kvcache-mix (partial chunks are shorter)");
        }
        if (peers.contains(Peer.FIO) && valueSize % 4096 != 0) {
            usage("--value-size must be a multiple of 4k with --against fio (it is fio's direct I/O block size), got "
                    + valueSize);
        }
        if (total % valueSize != 0) {
            usage("--total (" + total + " bytes) must be a multiple of --value-size (" + valueSize + " bytes)");
        }
        if (total / valueSize > MAX_CHUNKS) {
            usage("--total / --value-size gives " + total / valueSize + " values per pass, more than the "
                    + MAX_CHUNKS + " allowed");
        }
        if (regionSize != null) {
            try {
                new FormatOptions(0, regionSize, 0);
            } catch (IllegalArgumentException e) {
                usage("--" + e.getMessage().replace("region size", "region-size"));
            }
        }
        if (members > 1 && !peers.isEmpty()) usage("--members needs no --against: the peers run on one device");
        if (members > 1 && path != null && Files.exists(path) && !Files.isRegularFile(path)) {
            usage("--members lays the store over files beside --path; " + path + " is not a regular file");
        }
        if (peers.contains(Peer.FIO) && EnginePeer.fioProblem(path) != null) usage(EnginePeer.fioProblem(path));
        if (peers.contains(Peer.IO_URING)) {
            try {
                EnginePeer.blockDevice(path, engine);
            } catch (IllegalArgumentException e) {
                usage(e.getMessage());
            }
        }
        if (!peers.contains(Peer.ROCKSDB) && (rocksdbDir != null || keep)) {
            usage((rocksdbDir != null ? "--rocksdb-dir" : "--keep") + " needs --against rocksdb");
        }
        if (peers.contains(Peer.ROCKSDB) && rocksdbDir == null && path != null) {
            if (Files.exists(path) && !Files.isRegularFile(path)) {
                usage("--against rocksdb with a block device as --path needs --rocksdb-dir (a directory on a file "
                        + "system)");
            }
        }
        if (plot != null) {
            Path dir = plot.toAbsolutePath().getParent();
            if (dir == null || !Files.isDirectory(dir)) usage("--plot: the directory " + dir + " does not exist");
        }
        long buffers = 2L * qd * arenaBlock() + (long) qd * valueSize;
        if (buffers > BenchDeviceCommand.MAX_BUFFER_BYTES) {
            usage("--qd x --value-size needs " + SizeParser.format(buffers) + " of buffers, more than the "
                    + SizeParser.format(BenchDeviceCommand.MAX_BUFFER_BYTES) + " allowed");
        }
    }

    private void usage(String message) {
        throw new ParameterException(spec.commandLine(), message);
    }

    /** A new file: the chunks x 1.25 (slot headers, partly filled regions), at least 256 MiB more. */
    static long defaultCapacity(long total) {
        long scaled = (total / 4 * 5 + total % 4 + MIB - 1) / MIB * MIB;
        return Math.max(scaled, total + 256 * MIB);
    }

    /** The arena block of one staged value: its slot (header block + padded value) rounded up to a power of two. */
    private long arenaBlock() {
        long slot = SlotHeader.ioBytes(KEY_BYTES_BOUND, valueSize, Superblock.MIN_BLOCK_BYTES);
        return Long.highestOneBit(slot) == slot ? slot : Long.highestOneBit(slot) << 1;
    }

    private void check(BlockDevice device) throws IOException {
        long needed = capacity != null ? capacity : defaultCapacity(total);
        if (device.size() < needed) {
            throw new IOException(device.path() + " has " + device.size() + " bytes (" + SizeParser.format(device.size())
                    + "), less than the " + SizeParser.format(needed) + " this run needs"
                    + (capacity != null ? " (--capacity)" : " for --total " + SizeParser.format(total)
                    + " (total x 1.25, at least total + 256 MiB)") + "; use a smaller --total or another path");
        }
    }

    /**
     * A fresh preallocated file has unwritten extents: reads of them return zeros without touching
     * the disk and first writes pay for converting them. Write it once, untimed, as bench device and
     * fio do, with buffers of the arena class the store uses afterwards (so none is wasted). Shared
     * with {@code bench recovery}.
     */
    static void prepare(BlockDevice device, long arenaBlock, int qd, Progress progress)
            throws IOException, InterruptedException {
        long block = Math.min(arenaBlock, 1L << 30);
        long span = device.size() / block * block;
        if (span == 0) return;
        try (DeviceWorkload writer = new DeviceWorkload(device, (int) block, qd, span)) {
            writer.run(AccessPattern.WRITE, span, Observer.of(progress, "preparing new file"));
        }
    }

    /** Formats the scratch store (it has room for as many entries as its space holds). */
    private Superblock format(BlockDevice device) throws IOException {
        return StoreFormat.format(device, formatOptions());
    }

    /** The scratch store's geometry: --capacity (per member with --members) and --region-size, or chosen by format. */
    private FormatOptions formatOptions() {
        return new FormatOptions(capacity == null ? 0 : members == 1 ? capacity : 0, regionSize != null ? regionSize : 0, 0);
    }

    /**
     * An untimed put, get and delete of up to {@link #WARMUP_BYTES} of chunks: JIT, arena and
     * first-touch effects. {@code who} prefixes the progress labels ("" for rawblock's own store).
     */
    private void warmUp(StoreWorkload bench, int chunks, Progress progress, String who)
            throws IOException, InterruptedException {
        int n = (int) Math.max(1, Math.min(chunks, WARMUP_BYTES / valueSize));
        BenchKeys keys = new BenchKeys(workload, valueSize, "warmup", n);
        requireStored(bench.put(keys, Observer.of(progress, who + "warm-up put")), who + "warm-up");
        StoreWorkload.Pass get = bench.get(keys, Observer.of(progress, who + "warm-up get"));
        if (get.failed() > 0) throw new IOException(who + "warm-up get: " + get.failed() + " keys failed (first: "
                + get.firstFailure() + ")");
        bench.delete(keys);
    }

    /**
     * The io_uring peer's turn in one run: the same store, opened through the namespace's block
     * device, the run's keys put (untimed when only get is asked for, as for rawblock), got back
     * and deleted, the store closed again.
     */
    private void runPeer(StoreSide peer, BenchKeys keys, String label, StoreReport.Builder report, Progress progress)
            throws IOException, InterruptedException {
        String peerLabel = "io_uring " + label;
        StoreWorkload bench = peer.open();
        StoreWorkload.Pass put = bench.put(keys, Observer.of(progress, peerLabel + " put"));
        requireStored(put, peerLabel);
        if (ops.contains(Op.PUT)) {
            report.peerPut(Peer.IO_URING, put.figures());
            progress.line(put.figures().summary(peerLabel + " put", "ops/s"));
        }
        if (ops.contains(Op.GET)) {
            StoreWorkload.Pass get = bench.get(keys, Observer.of(progress, peerLabel + " get"));
            if (get.failed() > 0) throw new IOException(peerLabel + " get: " + get.failed() + " keys failed (first: "
                    + get.firstFailure() + ")");
            report.peerGet(Peer.IO_URING, get.figures());
            progress.line(get.figures().summary(peerLabel + " get", "ops/s"));
        }
        bench.delete(keys);
        peer.done();
    }

    /**
     * One engine's device and the store on it: open for the whole bench ({@code stayOpen}), or opened
     * for each turn and closed after it (when the other engine needs the namespace in between).
     * Both sides open the same store: it was formatted once, on our side's device.
     */
    private final class StoreSide implements AutoCloseable {
        private final List<DeviceOptions> options;
        private final StoreOptions storeOptions;
        private final BenchValues values;
        private final boolean stayOpen;
        private BlockDevice device;
        private List<BlockDevice> members;
        private Store store;
        private StoreWorkload bench;

        /** A side on the device of {@code options}, or on the set of their devices when there are several. */
        StoreSide(List<DeviceOptions> options, StoreOptions storeOptions, BenchValues values, boolean stayOpen) {
            this.options = options;
            this.storeOptions = storeOptions;
            this.values = values;
            this.stayOpen = stayOpen;
        }

        /** The device, opened if it is not (the store is not opened by this); for several, the set they form. */
        BlockDevice device() throws IOException {
            if (device == null) {
                if (members == null) openMembers();
                device = StoreDevices.combine(members, false);
            }
            return device;
        }

        /** Each device, opened (with --io-delay's delay) but not yet combined: to prepare and format them. */
        List<BlockDevice> openMembers() throws IOException {
            members = new ArrayList<>(StoreDevices.openEach(options));
            members.replaceAll(ioDelay::apply);
            return members;
        }

        /** Formats a store over the members {@link #openMembers} opened; the set is then the side's device. */
        Superblock formatSpan(FormatOptions format) throws IOException {
            device = StoreFormat.formatSpan(members, format, PlacementPolicy.AUTO);
            return StoreFormat.read(device);
        }

        /** The store's workload, the device and the store opened if they are not. */
        StoreWorkload open() throws IOException {
            if (store == null) {
                store = Store.open(device(), storeOptions);
                bench = new StoreWorkload(store, device, values, qd);
            }
            return bench;
        }

        Store store() {
            return store;
        }

        /** The end of a turn: closes the store and the device unless this side keeps them. */
        void done() throws IOException {
            if (!stayOpen) close();
        }

        @Override
        public void close() throws IOException {
            try (BlockDevice d = device; Store s = store) {
                if (d == null && members != null) for (BlockDevice m : members) m.close(); // never combined
                device = null;
                members = null;
                store = null;
                bench = null;
            }
        }
    }

    /**
     * RocksDB's turn in one run: an empty database, the run's keys put (untimed when only get is
     * asked for, as for rawblock) and got back, the database closed.
     */
    private void runRocks(RocksPeer rocks, BenchValues values, BenchKeys keys, String label, StoreReport.Builder report,
                          Progress progress) throws IOException, InterruptedException {
        String rocksLabel = "rocksdb " + label;
        try (RocksPeer.Db db = rocks.openEmpty(); RocksWorkload bench = new RocksWorkload(db, values, qd)) {
            Figures put = bench.put(keys, Observer.of(progress, rocksLabel + " put"));
            if (ops.contains(Op.PUT)) {
                report.peerPut(Peer.ROCKSDB, put);
                progress.line(put.summary(rocksLabel + " put", "ops/s"));
            }
            if (ops.contains(Op.GET)) {
                Figures get = bench.get(keys, Observer.of(progress, rocksLabel + " get"));
                report.peerGet(Peer.ROCKSDB, get);
                progress.line(get.summary(rocksLabel + " get", "ops/s"));
            }
        }
    }

    /** RocksDB's untimed warm-up, the same volume as rawblock's, in a database thrown away after it. */
    private void warmUp(RocksPeer rocks, BenchValues values, int chunks, Progress progress)
            throws IOException, InterruptedException {
        int n = (int) Math.max(1, Math.min(chunks, WARMUP_BYTES / valueSize));
        BenchKeys keys = new BenchKeys(workload, valueSize, "warmup", n);
        try (RocksPeer.Db db = rocks.openEmpty(); RocksWorkload bench = new RocksWorkload(db, values, qd)) {
            bench.put(keys, Observer.of(progress, "rocksdb warm-up put"));
            bench.get(keys, Observer.of(progress, "rocksdb warm-up get"));
        }
    }

    /** A put pass that could not store every key measured something else: an error, with the reason. */
    private void requireStored(StoreWorkload.Pass put, String label) throws IOException {
        if (put.failed() == 0) return;
        throw new IOException(label + " put: " + put.failed() + " keys were not stored (first: " + put.firstFailure()
                + ")" + (eviction == Eviction.NONE ? "; the store is too small for --total without eviction" : ""));
    }

}
