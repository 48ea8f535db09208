package dev.rawblock.cli.bench;

import dev.rawblock.cli.text.JsonReader;
import dev.rawblock.device.IoOp;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Runs fio with the parameters of our pass, so that {@code --against fio} compares like with like,
 * and reads its JSON report.
 */
final class FioRunner {
    private final Path fio;
    private final HugeTlb hugeTlb;

    private FioRunner(Path fio) {
        this.fio = fio;
        this.hugeTlb = HugeTlb.find().orElse(null);
    }

    /** Finds fio on the PATH (or in /usr/bin). */
    static FioRunner locate() throws IOException {
        String pathVar = System.getenv("PATH");
        String dirs = (pathVar == null ? "" : pathVar + File.pathSeparator) + "/usr/bin";
        for (String dir : dirs.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, "fio");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return new FioRunner(candidate);
        }
        throw new IOException("--against fio needs fio, which is not installed (install it with: apt-get install fio)");
    }

    /**
     * The fio command line for one pass; plain io_uring, which was the faster fio baseline here.
     * Like our pass, a write pass ends with a flush ({@code --end_fsync}) and random offsets are
     * drawn with replacement ({@code --norandommap}).
     */
    List<String> command(Path target, long size, long block, AccessPattern pattern, int qd) {
        List<String> cmd = common(target, block, pattern, qd);
        cmd.add("--size=" + size);
        return cmd;
    }

    /**
     * The fio command line for one run of a sweep: the same window as ours ({@code --offset} and
     * {@code --size} are the span), for a fixed time ({@code --time_based}), with the run's own
     * random seed, so that no two runs replay the same offsets.
     */
    List<String> command(Path target, DeviceWorkload.Window window, long block, AccessPattern pattern, int qd) {
        List<String> cmd = common(target, block, pattern, qd);
        cmd.addAll(List.of("--offset=" + window.start(), "--size=" + window.span(), "--time_based",
                "--runtime=" + Math.max(1, TimeUnit.NANOSECONDS.toMillis(window.nanos())) + "ms",
                // fio wants a seed it can print as a signed 64-bit number; ours may be any long.
                "--randseed=" + (window.seed() & Long.MAX_VALUE)));
        return cmd;
    }

    private List<String> common(Path target, long block, AccessPattern pattern, int qd) {
        List<String> cmd = new java.util.ArrayList<>(List.of(fio.toString(), "--name=rawblock-vs-fio",
                // fio splits --filename at ':' (a list of files); escape it so any path works.
                "--filename=" + target.toAbsolutePath().toString().replace(":", "\\:"),
                "--bs=" + block, "--rw=" + pattern.label(), "--ioengine=io_uring",
                "--iodepth=" + qd, "--direct=1", "--invalidate=1", "--output-format=json",
                // Percentiles of the whole latency, submission included, as ours are measured: fio's
                // default (clat) leaves out the submission, 20+ us of a 4 KiB QD1 read here.
                "--lat_percentiles=1"));
        if (pattern.kind() == IoOp.Kind.WRITE) cmd.add("--end_fsync=1");
        if (pattern.random()) cmd.add("--norandommap");
        // fio's buffers on huge pages where the machine has them, as ours are (see HugeTlb).
        if (hugeTlb != null && hugeTlb.fits(block * qd)) {
            cmd.add("--iomem=mmaphuge:" + hugeTlb.mount().resolve("rawblock-fio-" + ProcessHandle.current().pid()));
        }
        return cmd;
    }

    /** What fio's buffers are made of, for the report: huge pages, or small ones and why. */
    String memory() {
        return hugeTlb != null ? "fio's buffers on huge pages (hugetlbfs at " + hugeTlb.mount() + ", where they fit)"
                : "fio's buffers on 4 KiB pages (no hugetlbfs with free huge pages; rawblock's arena is on transparent "
                        + "huge pages, so large transfers favour rawblock: see docs/benchmarks.md)";
    }

    /**
     * Runs one fio pass and returns its figures.
     *
     * @param tick called about every 200 ms with the elapsed nanoseconds, for progress
     */
    Figures run(Path target, long size, long block, AccessPattern pattern, int qd, LongConsumer tick)
            throws IOException, InterruptedException {
        return run(command(target, size, block, pattern, qd), pattern, tick);
    }

    /** Runs one fio pass over a window (a sweep's run) and returns its figures. */
    Figures run(Path target, DeviceWorkload.Window window, long block, AccessPattern pattern, int qd,
                LongConsumer tick) throws IOException, InterruptedException {
        return run(command(target, window, block, pattern, qd), pattern, tick);
    }

    private Figures run(List<String> command, AccessPattern pattern, LongConsumer tick)
            throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).start();
        try {
            process.getOutputStream().close();
            CompletableFuture<String> stdout = drain(process.getInputStream());
            CompletableFuture<String> stderr = drain(process.getErrorStream());
            long t0 = System.nanoTime();
            while (!process.waitFor(200, TimeUnit.MILLISECONDS)) tick.accept(System.nanoTime() - t0);
            String out = stdout.join();
            if (process.exitValue() != 0) {
                String err = stderr.join();
                throw new IOException("fio failed (exit code " + process.exitValue() + "): "
                        + lastLine(err.isBlank() ? out : err));
            }
            return parse(out, pattern);
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * Reads the figures from fio's JSON report: {@code jobs[0].read|write} for throughput and
     * latency percentiles (total latency, {@code lat_ns}, when present), the job's CPU percentages for CPU per GB.
     */
    static Figures parse(String output, AccessPattern pattern) throws IOException {
        // fio may print warnings before the report; the report starts at the first line opening '{'.
        int start = output.startsWith("{") ? 0 : output.indexOf("\n{");
        if (start < 0) throw new IOException("fio printed no JSON report: " + lastLine(output));
        Object root;
        try {
            root = JsonReader.parse(output.substring(start));
        } catch (IllegalArgumentException e) {
            throw new IOException("cannot read fio's JSON report: " + e.getMessage(), e);
        }
        Object job = JsonReader.at(root, "jobs", 0);
        if (job == null) throw new IOException("fio's JSON report has no jobs");
        double error = number(job, "error");
        if (error != 0) throw new IOException("fio's job failed with error " + (long) error);
        String side = pattern.kind() == IoOp.Kind.WRITE ? "write" : "read";
        Object io = JsonReader.at(job, side);
        double bytes = number(io, "io_bytes");
        double cpuPercent = number(job, "usr_cpu") + number(job, "sys_cpu");
        double cpuSeconds = cpuPercent / 100 * number(job, "job_runtime") / 1000;
        // Total latency when fio reports its percentiles (--lat_percentiles), else completion latency.
        String latency = JsonReader.at(io, "lat_ns", "percentile") != null ? "lat_ns" : "clat_ns";
        return new Figures(number(io, "bw_bytes") / 1e9, number(io, "iops"),
                number(io, latency, "percentile", "50.000000") / 1e6,
                number(io, latency, "percentile", "99.000000") / 1e6,
                bytes > 0 ? cpuSeconds / (bytes / 1e9) : Double.NaN);
    }

    private static double number(Object from, Object... path) throws IOException {
        if (JsonReader.at(from, path) instanceof Double d) return d;
        throw new IOException("fio's JSON report has no number at " + String.join(".",
                Arrays.stream(path).map(String::valueOf).toList()));
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                result.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.complete("");
            }
        });
        return result;
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines.length == 0 || lines[lines.length - 1].isBlank() ? "(no output)" : lines[lines.length - 1].strip();
    }
}
