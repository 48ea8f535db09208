package dev.rawblock.cli;

import dev.rawblock.cli.text.ParsingConverter;
import dev.rawblock.cli.text.SecondsParser;
import dev.rawblock.cli.text.SizeParser;
import dev.rawblock.cli.text.YesNo;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.MirrorDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.Geometry;
import dev.rawblock.server.Server;
import dev.rawblock.server.ServerConfig;
import dev.rawblock.server.cluster.Topology;
import dev.rawblock.store.DeviceContents;
import dev.rawblock.store.Eviction;
import dev.rawblock.store.FormatOptions;
import dev.rawblock.store.MirrorStats;
import dev.rawblock.store.Placement;
import dev.rawblock.store.PlacementPolicy;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreFormat;
import dev.rawblock.store.StoreOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;

/**
 * {@code rawblock serve}: serves a store over RESP and {@code lm://} until SIGTERM or SIGINT, then
 * stops accepting, lets executing requests finish, writes a checkpoint and exits 0.
 *
 * <p>A missing store file is created and formatted, and so is an empty or all-zero one (a first
 * start that was killed before it formatted); an existing store is opened (recovered), never
 * formatted again; anything else at the path is refused.
 */
@Command(name = "serve", sortOptions = false,
        description = {"Serve a store to Redis clients (RESP) and LMCache (lm://) until SIGTERM or SIGINT.",
                "A missing, empty or all-zero --path file is formatted; an existing store is opened and recovered;",
                "anything else is refused."})
final class ServeCommand implements Callable<Integer> {
    static final Path DEFAULT_PATH = Path.of("data", "rawblock.img");
    private static final long GIB = 1L << 30;
    /** A new store takes this much, or half the free space of its filesystem if that is less. */
    static final long DEFAULT_CAPACITY = 8 * GIB;
    /** Aligned memory registered with io_uring for values in flight; beyond it, buffers still work, unregistered. */
    private static final long ARENA_BYTES = 256L << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--path", paramLabel = "PATH",
            description = "File or block device of the store (default: ./data/rawblock.img). Repeat it for a store "
                    + "over several devices: every member, in any order (new files are created and formatted as one "
                    + "store, as format does).")
    List<Path> paths = new ArrayList<>();

    @Option(names = "--degraded", description = "Serve a mirror from the one --path given, its partner gone (a dead "
            + "drive): the partner is first marked out of date on this member, so that it never comes back as current; "
            + "start again with a new device beside this one to rebuild it.")
    boolean degraded;

    @Option(names = "--capacity", paramLabel = "SIZE", converter = SizeParser.Converter.class,
            description = "Size of a store file created on first start, per file (default: 8g, or half the free space "
                    + "if less, shared by the files of a new store over several).")
    Long capacity;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address (or host name) to listen on (default: ${DEFAULT-VALUE}); beyond loopback it needs "
                    + "--requirepass, or --protected-mode no.")
    String bind;

    @Option(names = "--protected-mode", paramLabel = "yes/no", defaultValue = "yes",
            converter = YesNo.Converter.class,
            description = "yes: refuse a non-loopback --bind without --requirepass, and serve lm:// (which has no "
                    + "authentication) on 127.0.0.1 only; no: RESP and lm:// both listen on --bind as given "
                    + "(default: ${DEFAULT-VALUE}).")
    YesNo protectedMode;

    @Option(names = "--port", paramLabel = "N", defaultValue = "" + ServerConfig.DEFAULT_RESP_PORT,
            description = "RESP (Redis protocol) port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--lm-port", paramLabel = "N", defaultValue = "" + ServerConfig.DEFAULT_LM_PORT,
            description = "LMCache lm:// port (default: ${DEFAULT-VALUE}; 0 picks a free one, -1 turns it off).")
    int lmPort;

    @Option(names = "--metrics-port", paramLabel = "N", defaultValue = "-1",
            description = "Prometheus metrics port, serving http://ADDR:N/metrics (default: ${DEFAULT-VALUE}, off; "
                    + "0 picks a free one).")
    int metricsPort;

    @Option(names = "--requirepass", paramLabel = "PASSWORD",
            description = "Password RESP clients must give (AUTH or HELLO) before anything else; lm:// has none, "
                    + "so with a wider --bind it stays on 127.0.0.1 (see --protected-mode).")
    String requirePass;

    @Option(names = "--cluster-nodes", paramLabel = "HOST:PORT,...",
            description = "Serve as one node of a Redis Cluster of these nodes: give every node the same list; each "
                    + "finds itself in it by --bind and --port. Cluster clients then route keys by slot (MOVED, "
                    + "CROSSSLOT); no gossip, failover or resharding (docs/server.md, Cluster).")
    String clusterNodes;

    @Option(names = "--cluster-slots", paramLabel = "MAP",
            description = "Which node owns which of the 16384 slots, the same on every node: "
                    + "HOST:PORT=START-END[+START-END...],... with HOST:PORT as in --cluster-nodes (default: split "
                    + "evenly in list order).")
    String clusterSlots;

    @Option(names = "--max-value-size", paramLabel = "SIZE", converter = SizeParser.Converter.class,
            description = "Largest value a client may send (default: the largest the store holds).")
    Long maxValueSize;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "512",
            description = "Connections served at once over both protocols (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "0",
            converter = SecondsParser.Converter.class,
            description = "Close a connection that sends nothing for this long, 0.1 to 31536000 (a year); 0 never "
                    + "does, since an inference server's connection pool may sit idle for hours "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--request-wait", paramLabel = "SECONDS", defaultValue = "30",
            converter = SecondsParser.Converter.class,
            description = "How long a request may wait for room in --memory-budget before it gets an error, and a "
                    + "client may pause in the middle of a value before it is disconnected; 0.1 to 3600 "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration requestWait;

    @Option(names = "--max-pending", paramLabel = "SIZE", converter = SizeParser.Converter.class,
            description = "Bytes one request may hold in memory (default: 256m, at least one value).")
    Long maxPending;

    @Option(names = "--memory-budget", paramLabel = "SIZE", converter = SizeParser.Converter.class,
            description = "Bytes of value buffers all connections together may use; requests wait for room "
                    + "(default: 2g, at least --max-pending).")
    Long memoryBudget;

    @Option(names = "--eviction", paramLabel = "POLICY", defaultValue = "lru",
            converter = EvictionConverter.class,
            description = "lru: evict the least recently used entries when full; none: refuse puts (default: lru).")
    Eviction eviction;

    @Option(names = "--placement", paramLabel = "POLICY", defaultValue = "auto", converter = PlacementConverter.class,
            description = "Where writes go on an NVMe namespace with Flexible Data Placement (the uring_cmd engine on "
                    + "/dev/ngXnY): auto puts metadata (superblock, journal, checkpoints) on the first placement handle "
                    + "and values on the others by the slot size of their size class (under 64k, 1m, 16m, and larger); "
                    + "off sends no placement; metadata=INDEX,bands=SIZE/SIZE/... names the metadata handle (an index "
                    + "into the namespace's handles) and the band bounds. Without FDP placement is off whatever this "
                    + "says (default: ${DEFAULT-VALUE}; docs/nvme.md).")
    PlacementPolicy placement;

    @Option(names = "--log-file", paramLabel = "FILE",
            description = "Append the log (dated lines with a level: INFO, WARN, ERROR) to this file instead of "
                    + "stderr; created if missing.")
    Path logFile;

    @Mixin
    IoDelayOption ioDelay;

    @Mixin
    SmallValueCacheOption smallValueCache;

    @Option(names = "--no-flush", description = "Do not fdatasync acknowledged writes (they survive a process crash, "
            + "not a power loss).")
    boolean noFlush;

    private final CountDownLatch stop = new CountDownLatch(1);
    /** Where this command logs (stderr, or --log-file), set first thing by {@link #call}. */
    private ServeLog serveLog;
    /** --bind, resolved by the first {@link #serverConfig} call. */
    private InetAddress bindAddress;
    /** --cluster-nodes and --cluster-slots, checked by the first {@link #serverConfig} call; null: standalone. */
    private Topology cluster;

    @Override
    public Integer call() throws Exception {
        // The checks that need no store, before anything (even ./data) is created or recovered.
        ioDelay.validate();
        PortProbe.requireFree(serverConfig(1));
        serveLog = logFile != null ? ServeLog.append(logFile) : ServeLog.to(spec.commandLine().getErr());
        try (ServeLog closing = serveLog; EventReporter events = new EventReporter(serveLog)) {
            serve(events);
            return 0;
        } catch (Exception e) {
            // stderr gets the error from Main as well; a log file must say why the server stopped.
            if (logFile != null) serveLog.error(Main.describe(e));
            throw e;
        }
    }

    private void serve(EventReporter events) throws Exception {
        // Absolute: the log must say which file, whatever directory the server was started from.
        List<Path> targets = new ArrayList<>();
        for (Path p : paths.isEmpty() ? List.of(DEFAULT_PATH) : paths) {
            targets.add(TargetPath.of(p, DEFAULT_PATH).toAbsolutePath().normalize());
        }
        StoreOptions storeOptions = smallValueCache.apply(StoreOptions.defaults().withEviction(eviction)
                .withFlush(!noFlush).withPlacement(placement).withEvents(events));
        try (Store store = openOrCreate(targets, storeOptions)) {
            ServerConfig serverConfig = serverConfig(store.maxValueBytes());
            for (String name : new String[] {"TERM", "INT"}) Signal.handle(new Signal(name), s -> stop.countDown());
            try (Server server = new Server(store, serverConfig, this::serverLine)) {
                server.context().resp().eviction(eviction); // INFO and CONFIG GET say what a full store does
                server.start();
                events.watch(server.stats(), serverConfig.maxConnections());
                if (store.stats().mirror() != null) events.watch(() -> {
                    try {
                        return store.stats().mirror();
                    } catch (IllegalStateException offline) {
                        return null;
                    }
                });
                log("ready: " + store.stats().entries() + " entries; stop with SIGTERM or Ctrl-C");
                events.start();
                stop.await();
                log("stopping");
                events.close(); // what happened since its last line
            }
            store.checkpoint();
            log("checkpoint written");
        }
        log("stopped");
    }

    /** Lets a test stop the server as a signal would. */
    void requestStop() {
        stop.countDown();
    }

    /**
     * Opens the store on {@code targets}, owning its devices for the life of the server (one open
     * from the first look to the last checkpoint, so no other process can slip in between). A
     * missing or empty file is created and formatted, and so is an all-zero file: what a first
     * start leaves when it is killed before its format. A store over several devices is formatted
     * only when every member is new. A store is opened; anything else is refused with what it holds.
     */
    private Store openOrCreate(List<Path> targets, StoreOptions options) throws IOException {
        List<Path> created = new ArrayList<>();
        for (Path target : targets) {
            if (!Files.exists(target) || (Files.isRegularFile(target) && Files.size(target) == 0)) created.add(target);
            else if (capacity != null) serveLog.warn("--capacity is ignored: " + target + " exists");
        }
        Map<Path, Long> sizes = new HashMap<>();
        for (Path target : created) {
            sizes.put(target, capacity != null ? capacity : defaultCapacity(target) / targets.size() >> 20 << 20);
            Files.createDirectories(target.toAbsolutePath().getParent());
        }
        List<BlockDevice> devices = new ArrayList<>(StoreDevices.openEach(targets.stream().map(p -> {
            DeviceOptions o = DeviceOptions.of(p).withArenaBytes(ARENA_BYTES);
            return sizes.containsKey(p) ? o.withCreateSize(sizes.get(p)) : o;
        }).toList()));
        devices.replaceAll(ioDelay::apply);
        BlockDevice device;
        boolean formatted;
        try {
            requirePlacement(devices.getFirst(), placement);
            if (degraded) {
                if (devices.size() != 1) throw new UsageException("--degraded serves a mirror from one --path, got " + devices.size());
                device = MirrorDevice.openAlone(devices.getFirst());
                formatted = false;
            } else if (devices.size() == 1) {
                device = devices.getFirst();
                formatted = formatIfNew(device.path(), device);
            } else {
                BlockDevice span = formatSetIfNew(devices);
                formatted = span != null;
                // A mirror's member beside a new or out-of-date device: that device is rebuilt while serving.
                device = formatted ? span : StoreDevices.combine(devices, true);
            }
        } catch (IOException | RuntimeException e) {
            // Still holding the devices: files this start created are removed before anyone else sees them.
            StoreDevices.closeQuietly(devices, e);
            for (BlockDevice d : devices) if (d.created()) Files.deleteIfExists(d.path());
            throw e;
        }
        Store store;
        String where = StoreDevices.describe(targets);
        Progress progress = new Progress(spec.commandLine().getErr(), Progress.stderrIsTerminal());
        // A large store takes a while: say what is going on before it starts, not only after.
        if (!formatted) log("recovering " + where + ": loading its checkpoint and replaying its journal");
        try {
            store = Store.openOwning(device, options, progress.recovery()); // closes the device if it fails
        } catch (IOException e) {
            String format = "rawblock format" + targets.stream().map(t -> " --path " + t).collect(Collectors.joining());
            throw new IOException(where + " does not hold a usable rawblock store (" + e.getMessage() + "); format "
                    + (targets.size() == 1 ? "it" : "them") + " with '" + format + "' or point --path elsewhere", e);
        }
        progress.clear();
        log("opened " + where + ": " + store.recoverySummary());
        MirrorStats mirror = store.stats().mirror();
        if (mirror != null) logMirror(mirror, targets);
        // Where the writes go, on a drive that can place them or when a policy was asked for.
        if (device.fdp().isPresent() || !placement.equals(PlacementPolicy.AUTO)) log("placement: " + store.placement());
        return store;
    }

    /** What an operator must know about a mirror at start: a resync after a crash, a rebuild, a degraded set. */
    private void logMirror(MirrorStats m, List<Path> targets) {
        if (m.resyncedBytes() > 0) {
            log("mirror: resynced " + SizeParser.format(m.resyncedBytes()) + " in " + m.resyncedZones()
                    + " zones that the last run left marked (the rest of the members was not read)");
        }
        switch (m.state()) {
            case "rebuilding" -> log("mirror: rebuilding member " + m.failedMember() + " ("
                    + SizeParser.format(m.rebuildTotalBytes()) + ") online from the other; INFO rawblock shows the progress");
            case "degraded" -> serveLog.warn("mirror degraded: member " + m.failedMember() + " is out of date, serving from "
                    + "the other alone; to rebuild it, start again with a new or replaced device beside "
                    + targets.getFirst());
            default -> log("mirror: healthy" + (m.rebuildTotalBytes() > 0 ? ": the new member is rebuilt already ("
                    + SizeParser.format(m.rebuiltBytes()) + " copied from the other)" : ""));
        }
    }

    /**
     * Formats a store over {@code devices} when every one is a file this start created or found
     * empty, and returns its span (which owns the devices); else null: the devices are opened as
     * the set they are members of, which says what is wrong with a device that is not one.
     */
    private BlockDevice formatSetIfNew(List<BlockDevice> devices) throws IOException {
        for (BlockDevice d : devices) {
            if (!d.created() && !(d.geometry().kind() == Geometry.Kind.FILE && StoreFormat.identify(d).empty())) return null;
        }
        BlockDevice span = StoreFormat.formatSpan(devices, FormatOptions.defaults(), placement); // as format does
        log("created and formatted a store over " + devices.size() + " devices: " + StoreDevices.describe(
                devices.stream().map(BlockDevice::path).toList()));
        return span;
    }

    /**
     * A policy the device cannot apply (a metadata handle it does not have) is a usage error,
     * found before the store is formatted or recovered. Shared with {@code format}.
     */
    static void requirePlacement(BlockDevice device, PlacementPolicy policy) throws UsageException {
        try {
            Placement.of(device, policy);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** Lets picocli take placement policies; a bad one becomes a usage error naming the option and the forms. */
    static final class PlacementConverter extends ParsingConverter<PlacementPolicy> {
        PlacementConverter() {
            super(PlacementPolicy::parse);
        }
    }

    /**
     * Formats a file this start created or found all zero; leaves a store alone; refuses anything
     * else. Returns whether it formatted.
     */
    private boolean formatIfNew(Path target, BlockDevice device) throws IOException {
        if (device.created()) {
            StoreFormat.format(device, FormatOptions.defaults(), placement); // the same geometry as rawblock format
            log("created and formatted " + target + " (" + SizeParser.format(device.size()) + ")");
            return true;
        }
        DeviceContents found = StoreFormat.identify(device);
        boolean file = device.geometry().kind() == Geometry.Kind.FILE;
        if (found.empty() && file) {
            StoreFormat.format(device, FormatOptions.defaults(), placement); // the same geometry as rawblock format
            log("formatted " + target + " (" + SizeParser.format(device.size()) + "): it " + found.phrase()
                    + ", as a first start that was stopped before its format leaves it");
            return true;
        } else if (found.state() == DeviceContents.State.OTHER || found.empty()) {
            throw new IOException(target + " " + found.phrase() + " and is not a rawblock store: serve formats only a "
                    + "new or all-zero file (format it with 'rawblock format --path " + target + "', which says what"
                    + " --force would erase, or point --path elsewhere)");
        }
        // A store, also a damaged or truncated one: the open says what is wrong with it.
        return false;
    }

    /** 8 GiB, or half of what the filesystem has free, whichever is less (at least 256 MiB). */
    private static long defaultCapacity(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        while (dir != null && !Files.exists(dir)) dir = dir.getParent();
        long free = Files.getFileStore(dir).getUsableSpace();
        long size = Math.min(DEFAULT_CAPACITY, free / 2) / GIB * GIB;
        if (size < 256L << 20) {
            size = Math.min(DEFAULT_CAPACITY, free / 2) >> 20 << 20;
            if (size < 256L << 20) throw new IOException("only " + SizeParser.format(free) + " free on " + dir
                    + ": a new store needs at least 512m free (or give --capacity)");
        }
        return size;
    }

    /**
     * The flags as the server checks them; what it refuses is a usage error naming the option. The
     * first call (before the store opens) also looks --bind up, once: a name that does not resolve
     * is a usage error then, not a failure after the store was created.
     */
    private ServerConfig serverConfig(long storeMaxValue) {
        long maxValue = maxValueSize != null ? maxValueSize : storeMaxValue;
        if (maxValue > storeMaxValue && storeMaxValue > 1) {
            usage("--max-value-size " + SizeParser.format(maxValue) + " is larger than the store's largest value ("
                    + SizeParser.format(storeMaxValue) + ")");
        }
        ServerConfig defaults = ServerConfig.defaults(maxValue);
        try {
            if (bindAddress == null) bindAddress = ServerConfig.resolveBind(bind);
            if (clusterSlots != null && clusterNodes == null) usage("--cluster-slots needs --cluster-nodes");
            if (clusterNodes != null && cluster == null) cluster = Topology.of(clusterNodes, clusterSlots, bindAddress, port);
            return new ServerConfig(bindAddress, protectedMode.on(), port, lmPort, requirePass, maxValue, maxConnections,
                    idleTimeout, requestWait,
                    maxPending != null ? maxPending : defaults.maxPendingBytes(),
                    memoryBudget != null ? memoryBudget : Math.max(defaults.memoryBudget(),
                            maxPending != null ? maxPending : 0), metricsPort, cluster);
        } catch (IllegalArgumentException e) {
            usage("--" + e.getMessage());
            return null; // not reached
        }
    }

    private void usage(String message) {
        throw new ParameterException(spec.commandLine(), message);
    }

    private void log(String message) {
        serveLog.info(message);
    }

    /** The server's lines; the ones that say the network is open to anyone, or accept broke, are warnings. */
    private void serverLine(String message) {
        boolean warning = message.contains("anyone who can reach") || message.startsWith("accept failed");
        serveLog.log(warning ? ServeLog.Level.WARN : ServeLog.Level.INFO, message);
    }
}
