package dev.rawblock.cli.bench;

import dev.rawblock.cli.FormatCommand;
import dev.rawblock.cli.IoDelayOption;
import dev.rawblock.cli.SmallValueCacheOption;
import dev.rawblock.cli.Progress;
import dev.rawblock.cli.text.Json;
import dev.rawblock.cli.text.SizeParser;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.server.Server;
import dev.rawblock.server.ServerConfig;
import dev.rawblock.store.FormatOptions;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreFormat;
import dev.rawblock.store.StoreOptions;
import dev.rawblock.store.Superblock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * {@code rawblock bench server}: what the network costs. In one run, alternating, the embedded
 * store's put and get ({@link StoreWorkload}, the same code as {@code bench store}) and
 * redis-benchmark's SET and GET against {@code rawblock serve} on the same file, with the same
 * value size and number of clients; then, for small values, redis-benchmark against rawblock and
 * against a local redis-server, for reference.
 */
@Command(name = "server", sortOptions = false,
        description = {"Measure the server: redis-benchmark SET/GET of large values against the embedded store's "
                + "put/get on the same file, alternating; and small values next to a local redis-server.",
                "Needs redis-benchmark (Debian redis-tools); with redis-server installed, the same passes run against it "
                        + "as the reference (values in memory: what the client and loopback carry).",
                "WARNING: formats --path as a scratch store (an existing rawblock store only with --force)."})
final class BenchServerCommand implements Callable<Integer> {
    static final Path DEFAULT_PATH = Path.of("data", "bench-server.img");
    /** Keys the GET pass reads: few enough to be filled quickly, many enough to spread over regions. */
    private static final int GET_KEYS = 64;
    private static final int SMALL_VALUE = 100;
    private static final int SMALL_REQUESTS = 200_000;
    private static final int SMALL_PIPELINE = 16;

    @Spec
    CommandSpec spec;

    @Option(names = "--path", paramLabel = "PATH", description = "Scratch file or device (default: ./data/bench-server.img).")
    Path path;

    @Option(names = "--capacity", paramLabel = "SIZE", converter = SizeParser.Converter.class, defaultValue = "4g",
            description = "Size of a new scratch file (default: ${DEFAULT-VALUE}).")
    long capacity;

    @Option(names = "--value-size", paramLabel = "SIZE", converter = SizeParser.Converter.class, defaultValue = "4m",
            description = "Bytes per value (default: ${DEFAULT-VALUE}).")
    long valueSize;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "8",
            description = "redis-benchmark connections, and values in flight for the embedded store (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--requests", paramLabel = "N", defaultValue = "256",
            description = "Values per pass (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "3", description = "Alternating runs (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--no-flush", description = "Do not fdatasync acknowledged writes (both sides).")
    boolean noFlush;

    @Option(names = "--no-small", description = "Skip the small-value comparison with redis-server.")
    boolean noSmall;

    @Mixin
    IoDelayOption ioDelay;

    @Mixin
    SmallValueCacheOption smallValueCache;

    @Option(names = "--force", description = "Erase an existing rawblock store at --path.")
    boolean force;

    @Option(names = "--json", description = "End the output with one line of JSON.")
    boolean json;

    /**
     * One pass: GB/s of put (SET of new keys), of get, and for the server of SET over keys that
     * exist (0 elsewhere); and the CPU seconds per GB the serving process spent on put and get.
     */
    private record Rates(double putGbps, double getGbps, double overwriteGbps, double putCpu, double getCpu) {
    }

    @Override
    public Integer call() throws Exception {
        validate();
        RedisBenchmark redisBenchmark = RedisBenchmark.find();
        Interruption.install(spec.commandLine().getErr()); // Ctrl-C still removes the scratch file it creates
        ScratchFile scratch = ScratchFile.claim(path, DEFAULT_PATH, capacity, force, "--capacity");
        Path target = scratch.path();
        boolean create = scratch.create();
        Progress progress = new Progress(spec.commandLine().getErr(), Progress.stderrIsTerminal());
        StoreOptions storeOptions = smallValueCache.apply(StoreOptions.defaults().withFlush(!noFlush));
        DeviceOptions options = DeviceOptions.of(target).withQueueDepth(Math.max(64, 2 * clients))
                .withArenaBytes(Math.min(1L << 30, 4L * clients * Long.highestOneBit(valueSize * 2 - 1)));
        if (create) options = options.withCreateSize(capacity);

        List<Rates> embedded = new ArrayList<>(), served = new ArrayList<>(), reference = new ArrayList<>();
        try (BlockDevice device = ioDelay.apply(BlockDevice.open(options)); RedisServer redis = RedisServer.startIfInstalled()) {
            FormatCommand.refuseToErase(device, scratch.mayErase(force));
            // One untimed round first, so the runs measure a compiled server: without it the JIT
            // was in run 1 (C2 at 8% of a GET pass's samples; SET CPU 0.79, 0.57, 0.39 s/GB in runs 1-3).
            embeddedPass(device, storeOptions, 0, progress, "warm-up");
            serverPass(device, storeOptions, redisBenchmark, 0);
            progress.line("warm-up round done (not counted)");
            for (int run = 1; run <= runs; run++) {
                String label = "run " + run + "/" + runs;
                embedded.add(embeddedPass(device, storeOptions, run, progress, label));
                progress.line(passLine(label + " embedded:    ", "put", embedded.getLast()));
                served.add(serverPass(device, storeOptions, redisBenchmark, run));
                progress.line(passLine(label + " server:      ", "SET", served.getLast()));
                if (redis != null) {
                    reference.add(referencePass(redisBenchmark, redis));
                    progress.line(passLine(label + " redis-server:", "SET", reference.getLast()));
                }
            }
            double[] ours = noSmall ? null : smallPass(device, storeOptions, redisBenchmark);
            double[] theirs = redis == null || noSmall ? null : smallRates(redisBenchmark, redis.port);
            report(embedded, served, reference.isEmpty() ? null : reference, ours, theirs);
        } finally {
            if (create) Files.deleteIfExists(target);
        }
        return 0;
    }

    /** Usage errors (exit code 2), before any file is made or any pass runs. */
    private void validate() throws IOException {
        ioDelay.validate();
        if (runs < 1 || runs > 1000) usage("--runs must be between 1 and 1000, got " + runs);
        if (clients < 1 || clients > 1024) usage("--clients must be between 1 and 1024, got " + clients);
        if (requests < 1) usage("--requests must be at least 1, got " + requests);
        if (valueSize < 1) usage("--value-size must be at least 1 byte, got " + valueSize);
        Superblock sb;
        try {
            sb = StoreFormat.plan(capacity, Superblock.MIN_BLOCK_BYTES, formatOptions());
        } catch (IOException e) {
            usage("--capacity " + SizeParser.format(capacity) + " is too small for a store (" + e.getMessage() + ")");
            return;
        }
        long largest = sb.maxValueBytes();
        if (valueSize > largest) {
            usage("--value-size " + SizeParser.format(valueSize) + " is larger than the largest value of a --capacity "
                    + SizeParser.format(capacity) + " store (" + SizeParser.format(largest) + ")");
        }
        // A pass stores its requests, the GET keys and, while SETs replace them, one new slot per client.
        long slotBytes = sb.slotBytes(16, valueSize);
        long slots = sb.regionCount() * (sb.regionBytes() / slotBytes);
        long needed = (long) requests + GET_KEYS + clients;
        if (needed > slots) {
            usage("--requests " + requests + " of --value-size " + SizeParser.format(valueSize) + " need " + needed
                    + " slots with the GET keys and --clients, more than the " + slots + " of a --capacity "
                    + SizeParser.format(capacity) + " store; use fewer --requests or a larger --capacity");
        }
    }

    private void usage(String message) {
        throw new ParameterException(spec.commandLine(), message);
    }

    private Rates embeddedPass(BlockDevice device, StoreOptions storeOptions, int run, Progress progress, String label)
            throws IOException, InterruptedException {
        StoreFormat.format(device, formatOptions());
        try (Store store = Store.open(device, storeOptions); BenchValues values = new BenchValues(valueSize, clients, true)) {
            StoreWorkload bench = new StoreWorkload(store, device, values, clients);
            BenchKeys keys = new BenchKeys(StoreWorkload.Shape.UNIFORM, valueSize, "embedded-" + run, requests);
            StoreWorkload.Pass put = bench.put(keys, ClosedLoop.Observer.of(progress, label + " put"));
            StoreWorkload.Pass get = bench.get(keys, ClosedLoop.Observer.of(progress, label + " get"));
            if (put.failed() > 0 || get.failed() > 0 || get.missed() > 0) {
                throw new IOException(label + ": the embedded pass lost keys (" + put.firstFailure() + ")");
            }
            return new Rates(put.figures().gbps(), get.figures().gbps(), 0, put.figures().cpuSPerGb(),
                    get.figures().cpuSPerGb());
        }
    }

    private static String passLine(String label, String put, Rates r) {
        return String.format(Locale.ROOT, "%s %s %.2f GB/s (%.3f CPU-s/GB), GET %.2f GB/s (%.3f CPU-s/GB)", label, put,
                r.putGbps(), r.putCpu(), r.getGbps(), r.getCpu());
    }

    private Rates serverPass(BlockDevice device, StoreOptions storeOptions, RedisBenchmark rb, int run)
            throws IOException, InterruptedException {
        StoreFormat.format(device, formatOptions());
        try (Store store = Store.open(device, storeOptions); Server server = serve(store)) {
            int port = server.respAddress().getPort();
            // The server runs in this JVM, which does nothing else meanwhile: its CPU time is the server's.
            LongSupplier cpu = ClosedLoop::processCpuNanos;
            // SET: fresh keys (a key space far larger than the requests), as the embedded put writes new keys.
            Timed set = timed(cpu, () -> rb.rps(port, "set", clients, requests, valueSize, 1_000_000_000L));
            // GET: the keys redis-benchmark will draw, stored beforehand through the store itself (untimed).
            fillGetKeys(store);
            Timed get = timed(cpu, () -> rb.rps(port, "get", clients, requests, valueSize, GET_KEYS));
            if (server.stats().misses() > 0) {
                throw new IOException("run " + run + ": " + server.stats().misses() + " GETs missed; the GET pass "
                        + "would not measure reads (is --capacity large enough?)");
            }
            // SET again over the same keys: every one exists, so each SET replaces a value atomically.
            double overwrite = rb.rps(port, "set", clients, requests, valueSize, GET_KEYS);
            return new Rates(set.gbps(), get.gbps(), overwrite * valueSize / 1e9, set.cpuSPerGb(), get.cpuSPerGb());
        }
    }

    /** A redis-benchmark pass: GB/s, and the serving process's CPU seconds per GB over it. */
    private record Timed(double gbps, double cpuSPerGb) {}

    @FunctionalInterface
    private interface RatePass {
        /** @return requests per second */
        double run() throws IOException, InterruptedException;
    }

    private Timed timed(LongSupplier cpuNanos, RatePass pass) throws IOException, InterruptedException {
        long cpu0 = cpuNanos.getAsLong();
        double rps = pass.run();
        long cpu = cpuNanos.getAsLong() - cpu0;
        return new Timed(rps * valueSize / 1e9, cpu / ((double) requests * valueSize)); // ns per byte = s per GB
    }

    /** Stores the {@link #GET_KEYS} keys redis-benchmark's {@code -r} draws from: key:000000000000 and on. */
    private void fillGetKeys(Store store) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(valueSize, store.memory().alignment()).fill((byte) 'x');
            for (int i = 0; i < GET_KEYS; i++) {
                byte[] key = String.format(Locale.ROOT, "key:%012d", i).getBytes(StandardCharsets.US_ASCII);
                if (!store.putMany(List.of(key), List.of(value))[0].stored()) {
                    throw new IOException("could not store " + new String(key, StandardCharsets.US_ASCII) + " for the GET pass");
                }
            }
        }
    }

    /**
     * The same passes against redis-server, which keeps values in memory: what redis-benchmark and
     * loopback TCP can carry on this machine, the ceiling for any server measured this way, and the
     * CPU a server needs for it. Its keys are flushed first, so each run starts alike.
     */
    private Rates referencePass(RedisBenchmark rb, RedisServer redis) throws IOException, InterruptedException {
        redis.flushAll();
        Timed set = timed(redis::cpuNanos, () -> rb.rps(redis.port, "set", clients, requests, valueSize, 1_000_000_000L));
        // Filled through the network (8 draws per key; a key left out, 2% of runs, makes a few GETs quick misses).
        rb.rps(redis.port, "set", clients, 8 * GET_KEYS, valueSize, GET_KEYS);
        Timed get = timed(redis::cpuNanos, () -> rb.rps(redis.port, "get", clients, requests, valueSize, GET_KEYS));
        return new Rates(set.gbps(), get.gbps(), 0, set.cpuSPerGb(), get.cpuSPerGb());
    }

    /** Pipelined SET then GET of small values: requests per second. */
    private double[] smallRates(RedisBenchmark rb, int port) throws IOException, InterruptedException {
        return new double[] {rb.rps(port, "set", clients, SMALL_REQUESTS, SMALL_VALUE, 10_000, SMALL_PIPELINE),
                rb.rps(port, "get", clients, SMALL_REQUESTS, SMALL_VALUE, 10_000, SMALL_PIPELINE)};
    }

    /** Small values through rawblock: SET and GET requests per second, pipelined. */
    private double[] smallPass(BlockDevice device, StoreOptions storeOptions, RedisBenchmark rb)
            throws IOException, InterruptedException {
        StoreFormat.format(device, formatOptions());
        try (Store store = Store.open(device, storeOptions); Server server = serve(store)) {
            int port = server.respAddress().getPort();
            // An untimed pass first: the large-value round did not compile the small-request path
            // (one cold pass gave 46 k SET/s, the next 64 k, C2 still at a tenth of the samples).
            smallRates(rb, port);
            return smallRates(rb, port);
        }
    }

    /** The geometry serve gives a new store on this target. */
    private static FormatOptions formatOptions() {
        return FormatOptions.defaults();
    }

    private Server serve(Store store) throws IOException {
        ServerConfig config = ServerConfig.defaults(store.maxValueBytes()).withPorts(0, -1);
        return new Server(store, config, message -> { }).start();
    }

    private void report(List<Rates> embedded, List<Rates> served, List<Rates> reference, double[] small,
                        double[] smallRedis) {
        Rates e = medians(embedded), sv = medians(served), r = reference == null ? null : medians(reference);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%s values, %d clients, %d per pass, flush %s, medians of %d alternating runs after a warm-up round:%n",
                SizeParser.format(valueSize), clients, requests, noFlush ? "off" : "on", runs);
        out.printf(Locale.ROOT, "  %-4s %9s %9s %15s %14s %13s%n", "GB/s", "embedded", "server", "server/embedded",
                r != null ? "redis-server" : "", r != null ? "server/redis" : "");
        row(out, "put", e.putGbps(), sv.putGbps(), r == null ? 0 : r.putGbps());
        row(out, "get", e.getGbps(), sv.getGbps(), r == null ? 0 : r.getGbps());
        out.printf(Locale.ROOT, "  %-4s %9s %9s %15s %14s%n", "CPU", "embedded", "server", "", r != null ? "redis-server" : "");
        cpuRow(out, "put", e.putCpu(), sv.putCpu(), r == null ? Double.NaN : r.putCpu());
        cpuRow(out, "get", e.getCpu(), sv.getCpu(), r == null ? Double.NaN : r.getCpu());
        out.println("  (CPU: seconds per GB of the process that holds the values, JIT and GC included: this one for "
                + "the embedded store and the server, redis-server's own; redis-benchmark's is not counted)");
        if (r != null) out.println("  (redis-server keeps values in memory: its figures are what redis-benchmark and "
                + "loopback carry here)");
        out.printf(Locale.ROOT, "  SET of existing keys (each replaces a value): %.2f GB/s, %.2f x SET of new keys%n",
                sv.overwriteGbps(), sv.overwriteGbps() / sv.putGbps());
        if (small != null) {
            out.printf(Locale.ROOT, "%d-byte values, %d clients, pipeline %d (requests/s):%n", SMALL_VALUE, clients,
                    SMALL_PIPELINE);
            out.printf(Locale.ROOT, "  %-4s %12s %14s%n", "", "rawblock", smallRedis != null ? "redis-server" : "");
            out.printf(Locale.ROOT, "  %-4s %12.0f %14s%n", "SET", small[0], smallRedis != null ? String.format(Locale.ROOT, "%.0f", smallRedis[0]) : "");
            out.printf(Locale.ROOT, "  %-4s %12.0f %14s%n", "GET", small[1], smallRedis != null ? String.format(Locale.ROOT, "%.0f", smallRedis[1]) : "");
        }
        if (r == null) out.println("  (redis-server not installed: no reference figures)");
        if (json) {
            Json j = new Json().put("value_bytes", valueSize).put("clients", clients).put("requests", requests)
                    .put("runs", runs).put("flush", !noFlush).put("embedded_put_gbps", e.putGbps())
                    .put("embedded_get_gbps", e.getGbps()).put("server_set_gbps", sv.putGbps())
                    .put("server_get_gbps", sv.getGbps()).put("set_ratio", sv.putGbps() / e.putGbps())
                    .put("get_ratio", sv.getGbps() / e.getGbps()).put("server_overwrite_gbps", sv.overwriteGbps())
                    .put("overwrite_ratio", sv.overwriteGbps() / sv.putGbps())
                    .put("embedded_put_cpu_s_per_gb", e.putCpu()).put("embedded_get_cpu_s_per_gb", e.getCpu())
                    .put("server_set_cpu_s_per_gb", sv.putCpu()).put("server_get_cpu_s_per_gb", sv.getCpu());
            if (small != null) j.put("small_set_rps", small[0]).put("small_get_rps", small[1]);
            if (r != null) {
                j.put("redis_set_gbps", r.putGbps()).put("redis_get_gbps", r.getGbps())
                        .put("redis_set_cpu_s_per_gb", r.putCpu()).put("redis_get_cpu_s_per_gb", r.getCpu());
                if (smallRedis != null) j.put("redis_small_set_rps", smallRedis[0]).put("redis_small_get_rps", smallRedis[1]);
            }
            out.println(j);
        }
        out.flush();
    }

    private static Rates medians(List<Rates> runs) {
        return new Rates(Figures.median(runs, Rates::putGbps), Figures.median(runs, Rates::getGbps),
                Figures.median(runs, Rates::overwriteGbps), Figures.median(runs, Rates::putCpu),
                Figures.median(runs, Rates::getCpu));
    }

    private static void row(PrintWriter out, String op, double embedded, double server, double redis) {
        out.printf(Locale.ROOT, "  %-4s %9.2f %9.2f %15.2f %14s %13s%n", op, embedded, server, server / embedded,
                redis > 0 ? String.format(Locale.ROOT, "%.2f", redis) : "",
                redis > 0 ? String.format(Locale.ROOT, "%.2f", server / redis) : "");
    }

    private static void cpuRow(PrintWriter out, String op, double embedded, double server, double redis) {
        out.printf(Locale.ROOT, "  %-4s %9.3f %9.3f %15s %14s%n", op, embedded, server, "",
                Double.isNaN(redis) ? "" : String.format(Locale.ROOT, "%.3f", redis));
    }

    /** redis-benchmark, run as a process; its --csv line gives requests per second. */
    record RedisBenchmark(String program) {
        static RedisBenchmark find() throws IOException {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                if (Files.isExecutable(Path.of(dir, "redis-benchmark"))) return new RedisBenchmark(dir + "/redis-benchmark");
            }
            throw new IOException("redis-benchmark not found: install it (Debian: apt-get install redis-tools)");
        }

        double rps(int port, String test, int clients, int requests, long valueSize, long keySpace)
                throws IOException, InterruptedException {
            return rps(port, test, clients, requests, valueSize, keySpace, 1);
        }

        double rps(int port, String test, int clients, int requests, long valueSize, long keySpace, int pipeline)
                throws IOException, InterruptedException {
            List<String> command = List.of(program, "-h", "127.0.0.1", "-p", Integer.toString(port), "-t", test,
                    "-c", Integer.toString(clients), "-n", Integer.toString(requests), "-d", Long.toString(valueSize),
                    "-r", Long.toString(keySpace), "-P", Integer.toString(pipeline), "--csv");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output;
            try {
                output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0 || output.contains("Error")) {
                    throw new IOException("redis-benchmark failed (" + String.join(" ", command) + "): " + output.strip());
                }
            } finally {
                p.destroyForcibly(); // stopped (Ctrl-C) or stuck: it must not outlive the bench
            }
            // --csv: a header line, then "SET","<rps>",...
            for (String line : output.lines().toList()) {
                String[] cells = line.replace("\"", "").split(",");
                if (cells.length > 1 && cells[0].equalsIgnoreCase(test)) return Double.parseDouble(cells[1]);
            }
            throw new IOException("no " + test + " figure in redis-benchmark's output: " + output.strip());
        }
    }

    /** A throwaway local redis-server (memory only, no persistence) as the reference. */
    static final class RedisServer implements AutoCloseable {
        final int port;
        private final Process process;

        private RedisServer(int port, Process process) {
            this.port = port;
            this.process = process;
        }

        /** A started redis-server, or null when none is installed. */
        static RedisServer startIfInstalled() throws IOException, InterruptedException {
            if (!Files.isExecutable(Path.of("/usr/bin/redis-server"))) return null;
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Process p = new ProcessBuilder("/usr/bin/redis-server", "--port", Integer.toString(port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no", "--proto-max-bulk-len", "1gb")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            RedisServer server = new RedisServer(port, p);
            for (int i = 0; i < 100; i++) {
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                    return server;
                } catch (IOException notYet) {
                    Thread.sleep(50);
                }
            }
            server.close();
            throw new IOException("redis-server did not start on port " + port);
        }

        /** CPU time the server has used so far. */
        long cpuNanos() {
            return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
        }

        /** Drops every key, so that a run starts with an empty server. */
        void flushAll() throws IOException {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                s.getOutputStream().write("*1\r\n$8\r\nFLUSHALL\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] reply = new byte[5];
                if (s.getInputStream().readNBytes(reply, 0, 5) != 5 || !new String(reply, StandardCharsets.US_ASCII).equals("+OK\r\n")) {
                    throw new IOException("redis-server on port " + port + " did not answer FLUSHALL with +OK");
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
