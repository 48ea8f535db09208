package dev.rawblock.cli;

import dev.rawblock.cli.text.Json;
import dev.rawblock.cli.text.SizeParser;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.Geometry;
import dev.rawblock.store.DeviceContents;
import dev.rawblock.store.FormatOptions;
import dev.rawblock.store.Placement;
import dev.rawblock.store.PlacementPolicy;
import dev.rawblock.store.StoreFormat;
import dev.rawblock.store.Superblock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code rawblock format}: writes a new, empty store on a file or block device. */
@Command(name = "format", sortOptions = false,
        description = {"Format a file or block device as an empty rawblock store and print its geometry.",
                "Like mkfs, it writes only over a missing file or an all-zero target; anything else (a store, a "
                        + "filesystem, a partition table, data) is refused with what was found, unless --force. "
                        + "A mounted or busy device is refused even then."})
public final class FormatCommand implements Callable<Integer> {
    /** The format writes two superblock blocks; the arena needs no more than this. */
    private static final long ARENA_BYTES = 1L << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--path", paramLabel = "PATH", required = true,
            description = "File or block device; a missing (or empty) file is created with --create-size (or --capacity) "
                    + "bytes. Repeat it to lay one store over several devices: its regions are spread over them and "
                    + "each value lives wholly on one; every member's first block names the set and its place.")
    List<Path> paths;

    @Option(names = "--mirror", description = "With two --path: every value on both devices (RAID1 without md), "
            + "with a write-intent bitmap so that a crash resyncs only the zones being written; a device that fails "
            + "leaves the store serving from the other, and serve rebuilds a new device given in its place online.")
    boolean mirror;

    @Option(names = "--capacity", paramLabel = "SIZE", converter = SizeParser.Converter.class,
            description = "Bytes of the device the store uses (default: all of it); per device with several --path.")
    Long capacity;

    @Option(names = "--region-size", paramLabel = "SIZE", converter = SizeParser.Converter.class,
            description = "Region size, a power of two from 1m to 1g (default: 256m, larger on devices beyond 4 TiB, "
                    + "smaller under 2 GiB so that there are at least 8); the largest value fills a whole region.")
    Long regionSize;

    @Option(names = "--create-size", paramLabel = "SIZE", converter = SizeParser.Converter.class,
            description = "Size of the file to create when --path does not exist (default: --capacity).")
    Long createSize;

    @Option(names = "--placement", paramLabel = "POLICY", defaultValue = "auto",
            converter = ServeCommand.PlacementConverter.class,
            description = "On an NVMe namespace with Flexible Data Placement: the policy whose metadata handle takes "
                    + "the format's writes (the superblock, which lives as long as the store, and the empty checkpoint); "
                    + "give serve the same one. auto, off or metadata=INDEX,bands=SIZE/... as for serve "
                    + "(default: ${DEFAULT-VALUE}).")
    PlacementPolicy placement;

    @Option(names = "--force", description = "Erase whatever the target holds (a store, a filesystem, data); "
            + "a mounted or busy device is still refused.")
    boolean force;

    @Option(names = "--json", description = "End the output with one line of JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        FormatOptions options = formatOptions();
        List<Path> targets = new ArrayList<>();
        for (Path p : paths) {
            Path target = TargetPath.of(p, null);
            if (targets.contains(target)) usage("--path " + target + " is given twice");
            targets.add(target);
        }
        if (mirror && targets.size() != 2) usage("--mirror needs exactly two --path, got " + targets.size());
        long createBytes = createSize != null ? createSize : capacity != null ? capacity : 0;
        Map<Path, Long> create = new HashMap<>();
        for (Path target : targets) {
            // An empty file holds nothing: it is sized as a missing one would be created.
            if (Files.exists(target) && !(Files.isRegularFile(target) && Files.size(target) == 0)) continue;
            if (createBytes == 0) {
                usage(target + (Files.exists(target) ? " is empty" : " does not exist")
                        + "; give --create-size (or --capacity) to create a file of that size");
            }
            if (capacity != null && capacity > createBytes) {
                usage("--capacity " + SizeParser.format(capacity) + " is larger than --create-size "
                        + SizeParser.format(createBytes));
            }
            create.put(target, createBytes);
        }

        Superblock sb;
        String kind;
        boolean created;
        String placed = null; // the placement of the format's writes, on a drive that can place them
        // The open takes the targets (a mounted, busy or held one is refused here, --force or not) and keeps
        // them until the format is done: nothing can change between the look and the write.
        List<BlockDevice> devices = StoreDevices.openEach(targets.stream().map(p -> {
            DeviceOptions o = DeviceOptions.of(p).withQueueDepth(4).withArenaBytes(ARENA_BYTES);
            return create.containsKey(p) ? o.withCreateSize(create.get(p)) : o;
        }).toList());
        BlockDevice first = devices.getFirst();
        created = first.created();
        kind = StatsCommand.kind(first);
        try {
            ServeCommand.requirePlacement(first, placement);
            for (BlockDevice d : devices) refuseToErase(d, force);
            if (devices.size() == 1) {
                sb = StoreFormat.format(first, options, placement);
                if (first.fdp().isPresent()) placed = Placement.of(first, placement).toString();
            } else {
                try (BlockDevice set = mirror ? StoreFormat.formatMirror(devices, options, placement)
                        : StoreFormat.formatSpan(devices, options, placement)) {
                    sb = StoreFormat.read(set);
                }
            }
        } catch (IOException | RuntimeException e) {
            StoreDevices.closeQuietly(devices, e);
            // A file this format created (e.g. too small for a store) is not left behind.
            for (BlockDevice d : devices) if (d.created()) Files.deleteIfExists(d.path());
            throw e;
        }
        if (devices.size() == 1) first.close(); // a span closes its members

        PrintWriter out = spec.commandLine().getOut();
        printHuman(out, targets, mirror, kind, created, sb);
        if (placed != null) out.printf(Locale.ROOT, "  %-14s %s%n", "placement", placed);
        if (json) out.println(json(targets, mirror, kind, created, sb));
        out.flush();
        return 0;
    }

    /**
     * Refuses, unless {@code force}, to write over anything but a file this open created or an
     * all-zero target, the way mkfs does: the one line says what is there (a rawblock store, a
     * filesystem or partition table by its signature, or data at an offset). A store whose file
     * was cut short gets the command that gives it its size back. Shared by the commands that format.
     */
    public static void refuseToErase(BlockDevice device, boolean force) throws IOException {
        if (force || device.created()) return;
        DeviceContents found = StoreFormat.identify(device);
        if (found.empty()) return;
        String hint = "use --force to erase it";
        if (found.state() == DeviceContents.State.TRUNCATED_STORE && device.geometry().kind() == Geometry.Kind.FILE) {
            hint = "restore its size with: truncate -s " + found.store().capacity() + " " + device.path() + ", or " + hint;
        }
        throw new IOException(device.path() + " " + found.phrase() + "; refusing to format it (" + hint + ")");
    }

    /** The options as the store checks them; what it refuses is a usage error. */
    private FormatOptions formatOptions() {
        try {
            // Entries are bounded by space alone: the checkpoint area gets room for one per block.
            return new FormatOptions(capacity == null ? 0 : capacity, regionSize == null ? 0 : regionSize, 0);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            if (message.startsWith("region size")) message = "--" + message.replace("region size", "region-size");
            usage(message);
            return null; // not reached
        }
    }

    private void usage(String message) {
        throw new ParameterException(spec.commandLine(), message);
    }

    private static void printHuman(PrintWriter out, List<Path> targets, boolean mirror, String kind, boolean created,
                                   Superblock sb) {
        out.printf(Locale.ROOT, "formatted %s (%s%s): store id %s%n", targets.getFirst(), kind,
                created ? ", created" : "", sb.storeId());
        if (targets.size() > 1) {
            out.printf(Locale.ROOT, "  %-14s %d: %s (%s)%n", "members", targets.size(),
                    String.join(", ", targets.stream().map(Path::toString).toList()), mirror ? "a mirror: every value on both"
                            : "regions round-robin, " + sb.regionCount() / targets.size() + " on each");
        }
        out.printf(Locale.ROOT, "  %-14s %s (%d bytes)%n", "capacity", SizeParser.format(sb.capacity()), sb.capacity());
        out.printf(Locale.ROOT, "  %-14s %s%n", "block", SizeParser.format(sb.blockBytes()));
        out.printf(Locale.ROOT, "  %-14s %d x %s from offset %s%n", "regions", sb.regionCount(),
                SizeParser.format(sb.regionBytes()), SizeParser.format(sb.regionBase()));
        out.printf(Locale.ROOT, "  %-14s %s (%d bytes)%n", "largest value",
                SizeParser.format(sb.maxValueBytes()), sb.maxValueBytes());
        out.printf(Locale.ROOT, "  %-14s %d%n", "max entries", sb.maxEntries());
        out.printf(Locale.ROOT, "  %-14s %s at offset %s (checkpoint and journal)%n", "metadata",
                SizeParser.format(sb.metaBytes()), SizeParser.format(sb.metaOffset()));
    }

    private static String json(List<Path> targets, boolean mirror, String kind, boolean created, Superblock sb) {
        return new Json().put("path", targets.getFirst().toString())
                .putStrings("members", targets.stream().map(Path::toString).toList()).put("mirror", mirror)
                .put("kind", kind).put("created", created)
                .put("store_id", sb.storeId()).put("capacity_bytes", sb.capacity()).put("block_bytes", sb.blockBytes())
                .put("region_bytes", sb.regionBytes()).put("region_count", sb.regionCount())
                .put("region_base", sb.regionBase()).put("max_value_bytes", sb.maxValueBytes())
                .put("max_entries", sb.maxEntries()).put("metadata_offset", sb.metaOffset())
                .put("metadata_bytes", sb.metaBytes()).toString();
    }
}
