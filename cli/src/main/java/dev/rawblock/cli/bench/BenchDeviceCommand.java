package dev.rawblock.cli.bench;

import dev.rawblock.cli.bench.ClosedLoop.Observer;
import dev.rawblock.cli.Progress;
import dev.rawblock.cli.StatsCommand;
import dev.rawblock.cli.text.ParsingConverter;
import dev.rawblock.cli.text.SecondsParser;
import dev.rawblock.cli.text.SizeParser;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.Engine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code rawblock bench device}: raw device throughput with our engines, optionally side by side
 * with fio, and, on an NVMe generic device, with the io_uring engine on the namespace's block device.
 */
@Command(name = "device", sortOptions = false,
        description = {"Measure raw device throughput, IOPS, latency and CPU cost with rawblock's I/O engines, "
                + "optionally alternating with fio on the same target and parameters, or, on /dev/ngXnY, with the "
                + "io_uring engine on /dev/nvmeXnY.",
                "WARNING: the write pattern overwrites the first --size bytes of the target."})
final class BenchDeviceCommand implements Callable<Integer> {
    static final Path DEFAULT_PATH = Path.of("data", "bench-device.img");
    /** Warm-up volume: enough for JIT compilation and first-touch effects, short next to a real pass. */
    static final long WARMUP_BYTES = 256L << 20;
    /** Upper bound for qd x block of buffer memory, so a typo cannot ask for terabytes of RAM. */
    static final long MAX_BUFFER_BYTES = 4L << 30;
    /** Runs per side and point of a sweep: a median of 5 with its spread, and 40 points in about 10 minutes. */
    static final int SWEEP_RUNS = 5;

    @Spec
    CommandSpec spec;

    @Option(names = "--path", paramLabel = "PATH",
            description = "File or block device (default: ./data/bench-device.img); a missing file is created "
                    + "with --size bytes, an existing target is used as it is.")
    Path path;

    @Option(names = "--pattern", paramLabel = "write|randread|read", defaultValue = "write",
            converter = AccessPattern.Converter.class,
            description = "Access pattern (default: ${DEFAULT-VALUE}); sequential patterns wrap around --size.")
    AccessPattern pattern;

    @Option(names = "--block", paramLabel = "SIZE", defaultValue = "256k", converter = SizeParser.Converter.class,
            description = "Bytes per operation, a multiple of 4k (default: ${DEFAULT-VALUE}).")
    long block;

    @Option(names = "--qd", paramLabel = "N", defaultValue = "32",
            description = "Operations in flight (default: ${DEFAULT-VALUE}).")
    int qd;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "2g", converter = SizeParser.Converter.class,
            description = "Bytes moved per run and the span of offsets used (default: ${DEFAULT-VALUE}; with --sweep, "
                    + "the span of one run, default 1g); k, m, g, t are powers of 1024.")
    long size;

    @Option(names = "--engine", paramLabel = "io_uring|posix|uring_cmd",
            converter = EngineConverter.class, description = "I/O engine (default: uring_cmd for an NVMe generic device /dev/ngXnY, else io_uring).")
    Engine engine;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "1",
            description = "Timed runs; the summary reports medians (default: ${DEFAULT-VALUE}; with --sweep, "
                    + "runs per side and point, default " + SWEEP_RUNS + ").")
    int runs;

    @Option(names = "--against", paramLabel = "PEER", split = ",", converter = Peer.Converter.class,
            description = {"Peers to alternate with, run by run: fio (the same target and parameters) and/or io_uring "
                    + "(with --path /dev/ngXnY: rawblock's io_uring engine on the namespace's block device /dev/nvmeXnY, "
                    + "beside the uring_cmd engine on the generic device). The table adds their rows and the ratios."})
    List<Peer> againstList;

    /** The peers of --against, each once, in a fixed order. */
    Set<Peer> peers = EnumSet.noneOf(Peer.class);

    @Option(names = "--json", description = "End the output with one line of JSON.")
    boolean json;

    @Option(names = "--sweep", description = {"Measure the whole curve against fio in one run: every pattern x block x "
            + "queue depth of --patterns, --blocks and --qds, each point by --runs timed runs per side in ABBA order, "
            + "every run on the next of --spans disjoint spans of --size bytes (so the target needs --size x --spans), "
            + "with a fresh random seed. Reports each median with its min-max spread and a verdict: \"at fio\" when "
            + "the runs of the two sides overlap. Takes about 10 minutes with the defaults."})
    boolean sweep;

    @Option(names = "--patterns", paramLabel = "P,P", split = ",", converter = AccessPattern.Converter.class,
            description = "With --sweep: the patterns (default: write,randread).")
    List<AccessPattern> patterns;

    @Option(names = "--blocks", paramLabel = "SIZE,SIZE", split = ",", converter = SizeParser.Converter.class,
            description = "With --sweep: the block sizes, multiples of 4k (default: 4k,64k,256k,1m,4m).")
    List<Long> blocks;

    @Option(names = "--qds", paramLabel = "N,N", split = ",",
            description = "With --sweep: the queue depths (default: 1,8,32,64).")
    List<Integer> qds;

    @Option(names = "--run-time", paramLabel = "SECONDS", defaultValue = "1", converter = SecondsParser.Converter.class,
            description = "With --sweep: the length of each timed run, both sides (default: ${DEFAULT-VALUE}).")
    Duration runTime;

    @Option(names = "--spans", paramLabel = "N", defaultValue = "5",
            description = "With --sweep: disjoint spans of --size bytes that runs rotate over, at least 2, so that no "
                    + "run works where the one before it did (default: ${DEFAULT-VALUE}).")
    int spans;

    @Option(names = "--seed", paramLabel = "N",
            description = "With --sweep: the seed the runs' random seeds are drawn from, to replay a sweep's offsets "
                    + "(default: a new one, printed in the JSON).")
    Long seed;

    @Option(names = "--plot", paramLabel = "FILE.png",
            description = "With --sweep: also draw the curve (throughput and p99 per point, rawblock beside fio, "
                    + "medians with min-max bars) into this PNG.")
    Path plot;

    @Override
    public Integer call() throws Exception {
        if (sweep) return new SweepSetup(this).run();
        if (plot != null || patterns != null || blocks != null || qds != null || seed != null) {
            usage("--patterns, --blocks, --qds, --seed and --plot belong to --sweep");
        }
        validate();
        FioRunner fio = peers.contains(Peer.FIO) ? FioRunner.locate() : null; // before any I/O: fail fast
        Path peerDevice = peers.contains(Peer.IO_URING) ? EnginePeer.blockDevice(path, engine) : null;
        ScratchFile scratch = ScratchFile.claim(path, DEFAULT_PATH, size, false, "--size " + SizeParser.format(size));
        Path target = scratch.path();
        boolean create = scratch.create();
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr(), Progress.stderrIsTerminal());

        if (engine == null) engine = Engine.forPath(target);
        DeviceOptions options = DeviceOptions.of(target).withEngine(engine).withQueueDepth(qd)
                .withArenaBytes(qd * blockClass());
        if (create) options = options.withCreateSize(size); // the device layer preallocates it

        List<Figures> ours = new ArrayList<>();
        Map<Peer, List<Figures>> theirs = new EnumMap<>(Peer.class);
        Map<Peer, Peer.Setup> setups = new EnumMap<>(Peer.class);
        // With the io_uring peer, the two engines take turns on one namespace, each opening it only
        // for its own passes (EnginePeer); otherwise our device stays open from the first pass to the last.
        Side us = new Side(options, peerDevice == null);
        Side peer = peerDevice == null ? null
                : new Side(DeviceOptions.of(peerDevice).withEngine(Engine.IO_URING).withQueueDepth(qd)
                        .withArenaBytes(qd * blockClass()), false);
        if (peer != null) setups.put(Peer.IO_URING, EnginePeer.setup(peerDevice));
        String kind;
        try (us; peer) {
            kind = us.open();
            if (create) {
                // A fresh preallocated file has unwritten extents: reads of them return zeros
                // without touching the disk and first writes pay for converting them. Write it
                // once, untimed, as fio does when it lays out a file.
                us.run(AccessPattern.WRITE, size, Observer.of(progress, "preparing new file"));
            }
            long warmUp = Math.max(block, Math.min(size, WARMUP_BYTES) / block * block);
            us.run(pattern, warmUp, Observer.of(progress, "warm-up"));
            if (peer != null) peer.run(pattern, warmUp, Observer.of(progress, "io_uring warm-up"));
            for (int i = 1; i <= runs; i++) {
                String label = "run " + i + "/" + runs;
                Figures f = us.run(pattern, size, Observer.of(progress, label));
                ours.add(f);
                progress.line(f.summary(label, "IOPS"));
                if (fio != null) {
                    String fioLabel = "fio " + label;
                    Figures g = fio.run(target, size, block, pattern, qd, t -> progress.waiting(fioLabel, t));
                    theirs.computeIfAbsent(Peer.FIO, p -> new ArrayList<>()).add(g);
                    progress.line(g.summary(fioLabel, "IOPS"));
                }
                if (peer != null) {
                    String peerLabel = "io_uring " + label;
                    Figures g = peer.run(pattern, size, Observer.of(progress, peerLabel));
                    theirs.computeIfAbsent(Peer.IO_URING, p -> new ArrayList<>()).add(g);
                    progress.line(g.summary(peerLabel, "IOPS"));
                }
            }
        } finally {
            progress.clear();
        }

        DeviceReport report = new DeviceReport(target, kind, pattern, engine, block, qd, size, ours, theirs, setups);
        report.printHuman(out);
        if (json) out.println(report.json());
        out.flush();
        return 0;
    }

    /**
     * One engine's device and workload: open for the whole bench ({@code stayOpen}), or opened for each
     * pass and closed after it (when another engine needs the same namespace in between).
     */
    private final class Side implements AutoCloseable {
        private final DeviceOptions options;
        private final boolean stayOpen;
        private BlockDevice device;
        private DeviceWorkload workload;

        Side(DeviceOptions options, boolean stayOpen) {
            this.options = options;
            this.stayOpen = stayOpen;
        }

        /** Opens the device (if it is not open) and checks it against the options; returns its kind for the report. */
        String open() throws IOException {
            if (device == null) {
                device = BlockDevice.open(options);
                try {
                    check(device);
                    workload = new DeviceWorkload(device, (int) block, qd, size);
                } catch (IOException | RuntimeException e) {
                    close();
                    throw e;
                }
            }
            return StatsCommand.kind(device);
        }

        /** One pass of {@code bytes}; the device's open and close are not in its time. */
        Figures run(AccessPattern p, long bytes, Observer observer) throws Exception {
            open();
            try {
                return workload.run(p, bytes, observer);
            } finally {
                if (!stayOpen) close();
            }
        }

        @Override
        public void close() throws IOException {
            try (BlockDevice d = device; DeviceWorkload w = workload) {
                device = null;
                workload = null;
            }
        }
    }

    /** Usage errors (exit code 2) found by looking at the options together. */
    private void validate() {
        if (block % 4096 != 0) usage("--block must be a multiple of 4k (4096 bytes), got " + block);
        if (block > 1L << 30) usage("--block must be at most 1g, got " + SizeParser.format(block));
        if (qd < 1 || qd > 4096) usage("--qd must be between 1 and 4096, got " + qd);
        if (size % block != 0) {
            usage("--size (" + size + " bytes) must be a multiple of --block (" + block + " bytes)");
        }
        if (qd * blockClass() > MAX_BUFFER_BYTES) {
            usage("--qd x --block needs " + SizeParser.format(qd * blockClass()) + " of buffers, more than the "
                    + SizeParser.format(MAX_BUFFER_BYTES) + " allowed");
        }
        if (runs < 1 || runs > 1000) usage("--runs must be between 1 and 1000, got " + runs);
        if (againstList != null && !againstList.isEmpty()) peers = EnumSet.copyOf(againstList);
        if (peers.contains(Peer.ROCKSDB)) usage("--against rocksdb is a peer of bench store; bench device takes fio and io_uring");
        if (peers.contains(Peer.FIO) && EnginePeer.fioProblem(path) != null) usage(EnginePeer.fioProblem(path));
        if (peers.contains(Peer.IO_URING)) {
            try {
                EnginePeer.blockDevice(path, engine);
            } catch (IllegalArgumentException e) {
                usage(e.getMessage());
            }
        }
    }

    void usage(String message) {
        throw new ParameterException(spec.commandLine(), message);
    }

    /**
     * Arena bytes per buffer: the arena hands out power-of-two blocks, so this is what qd buffers
     * need for all of them to be registered (fixed) buffers.
     */
    private long blockClass() {
        return blockClass(block);
    }

    static long blockClass(long block) {
        return Long.highestOneBit(block) == block ? block : Long.highestOneBit(block) << 1;
    }

    private void check(BlockDevice device) throws IOException {
        if (device.size() < size) {
            throw new IOException(device.path() + " has " + device.size() + " bytes (" + SizeParser.format(device.size())
                    + "), less than --size " + SizeParser.format(size) + "; use a smaller --size or another path");
        }
        if (block % device.alignment() != 0) {
            throw new IOException("--block " + block + " is not a multiple of the direct I/O alignment "
                    + device.alignment() + " of " + device.path());
        }
    }


    /** Lets picocli take engine names; a bad value becomes a usage error naming the choices. */
    static final class EngineConverter extends ParsingConverter<Engine> {
        EngineConverter() {
            super(Engine::parse);
        }
    }
}
