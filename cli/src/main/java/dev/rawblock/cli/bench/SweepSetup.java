package dev.rawblock.cli.bench;

import dev.rawblock.cli.Progress;
import dev.rawblock.cli.StatsCommand;
import dev.rawblock.cli.text.SizeParser;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.Engine;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code bench device --sweep}: checks the sweep's options, prepares the target (a new file is
 * written once, untimed, so that reads hit real blocks), runs {@link DeviceSweep} and reports.
 */
final class SweepSetup {
    /** The span of one run when --size is not given: large next to any cache a run could warm, small enough to write quickly. */
    static final long DEFAULT_SPAN = 1L << 30;
    /** Block and depth of the untimed pass that writes a new target once. */
    private static final int PREPARE_BLOCK = 1 << 20;
    private static final int PREPARE_QD = 8;

    private final BenchDeviceCommand c;

    SweepSetup(BenchDeviceCommand command) {
        this.c = command;
    }

    int run() throws Exception {
        ParseResult parsed = c.spec.commandLine().getParseResult();
        for (String single : List.of("--pattern", "--block", "--qd")) {
            if (parsed.hasMatchedOption(single)) c.usage(single + " sets one point; with --sweep use --patterns, --blocks and --qds");
        }
        if (c.againstList != null && c.againstList.stream().anyMatch(p -> p != Peer.FIO)) {
            c.usage("--sweep compares with fio only (--against fio, which it implies)");
        }
        SweepGrid grid = new SweepGrid(c.patterns != null ? c.patterns : SweepGrid.DEFAULT_PATTERNS,
                c.blocks != null ? c.blocks : SweepGrid.DEFAULT_BLOCKS, c.qds != null ? c.qds : SweepGrid.DEFAULT_QDS);
        int runs = parsed.hasMatchedOption("--runs") ? c.runs : BenchDeviceCommand.SWEEP_RUNS;
        long span = parsed.hasMatchedOption("--size") ? c.size : DEFAULT_SPAN;
        validate(grid, runs, span);
        long total = span * c.spans;
        long runNanos = c.runTime.toNanos();
        long seed = c.seed != null ? c.seed : ThreadLocalRandom.current().nextLong();

        FioRunner fio = FioRunner.locate(); // before any I/O: fail fast
        ScratchFile scratch = ScratchFile.claim(c.path, BenchDeviceCommand.DEFAULT_PATH, total, false,
                "--size x --spans " + SizeParser.format(total));
        Path target = scratch.path();
        Engine engine = c.engine != null ? c.engine : Engine.forPath(target);
        DeviceOptions options = DeviceOptions.of(target).withEngine(engine).withQueueDepth(grid.maxQd())
                .withArenaBytes(Math.max(grid.maxBufferBytes(), PREPARE_QD * PREPARE_BLOCK));
        if (scratch.create()) options = options.withCreateSize(total);
        PrintWriter out = c.spec.commandLine().getOut();
        Progress progress = new Progress(c.spec.commandLine().getErr(), Progress.stderrIsTerminal());
        int points = grid.points().size();
        progress.line(String.format(Locale.ROOT, "sweep: %d points x %d runs x 2 sides of %s s, and %d warm-up runs: "
                        + "about %s", points, runs, SweepReport.seconds(runNanos), c.spans,
                Progress.duration(DeviceSweep.estimatedSeconds(points, runs, c.spans, runNanos))));
        progress.line("sweep: " + fio.memory());

        SweepReport report;
        try (BlockDevice device = BlockDevice.open(options)) {
            check(device, total, grid);
            if (scratch.create()) prepare(device, total, progress);
            DeviceSweep sweep = new DeviceSweep(device, fio, target, grid, span, c.spans, runs, runNanos, seed);
            List<SweepPoint> results = sweep.run(progress::waiting, progress::line);
            report = new SweepReport(target, StatsCommand.kind(device), engine, span, c.spans, runs, runNanos, seed,
                    results);
        } finally {
            progress.clear();
        }
        report.printHuman(out);
        if (c.json) out.println(report.json());
        out.flush();
        if (c.plot != null) {
            CurvePlot.write(report, LocalDate.now(), c.plot); // after the table: a failure here loses no figures
            out.println("plot: " + c.plot);
            out.flush();
        }
        return 0;
    }

    /** Usage errors (exit code 2) of a sweep's options. */
    private void validate(SweepGrid grid, int runs, long span) {
        if (grid.patterns().isEmpty() || grid.blocks().isEmpty() || grid.qds().isEmpty()) {
            c.usage("--patterns, --blocks and --qds must each name at least one value");
        }
        for (long b : grid.blocks()) {
            if (b % 4096 != 0 || b <= 0) c.usage("--blocks: " + b + " is not a multiple of 4k (4096 bytes)");
            if (b > 1L << 30) c.usage("--blocks: " + SizeParser.format(b) + " is more than 1g");
            if (span % b != 0) c.usage("--size (" + span + " bytes, the span of a run) must be a multiple of every "
                    + "block, not of " + SizeParser.format(b));
        }
        for (int q : grid.qds()) if (q < 1 || q > 4096) c.usage("--qds: each must be between 1 and 4096, got " + q);
        if (grid.maxBufferBytes() > BenchDeviceCommand.MAX_BUFFER_BYTES) {
            c.usage("--qds x --blocks needs " + SizeParser.format(grid.maxBufferBytes()) + " of buffers, more than the "
                    + SizeParser.format(BenchDeviceCommand.MAX_BUFFER_BYTES) + " allowed");
        }
        if (runs < 1 || runs > 1000) c.usage("--runs must be between 1 and 1000, got " + runs);
        if (c.spans < 2 || c.spans > 1000) c.usage("--spans must be between 2 and 1000, got " + c.spans);
        if (c.runTime.isNegative() || c.runTime.isZero() || c.runTime.toSeconds() > 3600) {
            c.usage("--run-time must be above 0 and at most 3600 seconds");
        }
        String fioProblem = EnginePeer.fioProblem(c.path);
        if (fioProblem != null) c.usage(fioProblem);
        if (c.plot != null) {
            Path dir = c.plot.toAbsolutePath().getParent();
            if (dir == null || !java.nio.file.Files.isDirectory(dir)) c.usage("--plot: the directory " + dir + " does not exist");
        }
    }

    private static void check(BlockDevice device, long total, SweepGrid grid) throws IOException {
        if (device.size() < total) {
            throw new IOException(device.path() + " has " + device.size() + " bytes (" + SizeParser.format(device.size())
                    + "), less than --size x --spans " + SizeParser.format(total)
                    + "; use a smaller --size or fewer --spans, or another path");
        }
        for (long b : grid.blocks()) {
            if (b % device.alignment() != 0) {
                throw new IOException("--blocks " + b + " is not a multiple of the direct I/O alignment "
                        + device.alignment() + " of " + device.path());
            }
        }
    }

    /**
     * Writes a new target once, untimed: a fresh preallocated file has unwritten extents, which read
     * back as zeros without touching the disk, and first writes pay for converting them.
     */
    private static void prepare(BlockDevice device, long total, Progress progress)
            throws IOException, InterruptedException {
        int block = (int) Math.min(PREPARE_BLOCK, total);
        try (DeviceWorkload w = new DeviceWorkload(device, block, PREPARE_QD, total / block * block)) {
            w.run(AccessPattern.WRITE, total / block * block, ClosedLoop.Observer.of(progress, "preparing new file"));
        }
    }
}
