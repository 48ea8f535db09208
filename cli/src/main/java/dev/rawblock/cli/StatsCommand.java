package dev.rawblock.cli;

import dev.rawblock.cli.text.Json;
import dev.rawblock.cli.text.SizeParser;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.store.MirrorStats;
import dev.rawblock.store.SmallValueCacheStats;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreOptions;
import dev.rawblock.store.StoreStats;
import dev.rawblock.store.Superblock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code rawblock stats}: opens a store read-only (recovery runs in memory, as at any open), prints
 * what it holds and its counters, and closes it again; nothing is written to the device.
 */
@Command(name = "stats", sortOptions = false,
        description = {"Open a store, print its contents, space and counters, and close it.",
                "The store is opened read-only: recovery runs in memory (its summary goes to stderr) and nothing "
                        + "is written. A store that a server holds is refused; ask the server (INFO rawblock) instead."})
public final class StatsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--path", paramLabel = "PATH",
            description = "File or block device of the store (default: ./data/rawblock.img, as for serve); "
                    + "for a store over several devices, every member, each with --path, in any order.")
    List<Path> paths = new ArrayList<>();

    @Option(names = "--json", description = "End the output with one line of JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<Path> targets = TargetPath.all(paths, ServeCommand.DEFAULT_PATH);
        Path target = targets.getFirst();
        StoreStats stats;
        Superblock sb;
        FdpReport fdp;
        try (Store store = open(targets, StoreOptions.defaults(), true, spec)) {
            stats = store.stats();
            sb = store.superblock();
            fdp = FdpReport.of(store.device(), store.placement(), true);
        }
        PrintWriter out = spec.commandLine().getOut();
        printHuman(out, target, sb, stats);
        fdp.printHuman(out);
        if (json) out.println(json(target, sb, stats, fdp));
        out.flush();
        return 0;
    }

    /**
     * Opens the store on {@code target}, owning its device (closing the store closes it). Recovery
     * runs; its summary goes to stderr. Read-only, the device is opened read-only (a shared lock:
     * inspections may run side by side, never beside a writer) and so is the store, which then
     * writes nothing, not even a checkpoint at close. A store that another process holds (a
     * server) is refused with its pid, and the way to ask the server instead. Shared by the
     * commands that inspect a store.
     */
    static Store open(List<Path> targets, StoreOptions options, boolean readOnly, CommandSpec spec) throws IOException {
        for (Path target : targets) {
            if (!java.nio.file.Files.exists(target)) {
                throw new IOException("no store at " + target + ": no such file or device (serve creates "
                        + ServeCommand.DEFAULT_PATH + " on its first start; point --path at another store)");
            }
        }
        BlockDevice device = StoreDevices.combine(StoreDevices.openEach(
                targets.stream().map(p -> DeviceOptions.of(p).withReadOnly(readOnly)).toList()), false);
        PrintWriter err = spec.commandLine().getErr();
        Progress progress = new Progress(err, Progress.stderrIsTerminal());
        // closes the device if the open fails
        Store store = Store.openOwning(device, options.withReadOnly(readOnly), progress.recovery());
        progress.clear();
        err.println("opened " + StoreDevices.describe(targets) + (readOnly ? " read-only: " : ": ")
                + store.recoverySummary());
        err.flush();
        return store;
    }

    private static void printHuman(PrintWriter out, Path target, Superblock sb, StoreStats s) {
        out.printf(Locale.ROOT, "store %s: id %s, %s in %d regions of %s%n", target, sb.storeId(),
                SizeParser.format(sb.capacity()), sb.regionCount(), SizeParser.format(sb.regionBytes()));
        out.printf(Locale.ROOT, "  %-18s %d of at most %d%s%n", "entries", s.entries(), s.maxEntries(),
                s.pinnedEntries() > 0 ? " (" + s.pinnedEntries() + " pinned)" : "");
        out.printf(Locale.ROOT, "  %-18s %d (%s)%n", "payload bytes", s.payloadBytes(), gb(s.payloadBytes()));
        out.printf(Locale.ROOT, "  %-18s %d (%s)%n", "used slot bytes", s.usedSlotBytes(), gb(s.usedSlotBytes()));
        out.printf(Locale.ROOT, "  %-18s %.4f (payload / slot bytes)%n", "space efficiency", s.spaceEfficiency());
        out.printf(Locale.ROOT, "  %-18s %d free of %d (%s assigned to size classes)%n", "regions", s.freeRegions(),
                s.regions(), gb(s.assignedBytes()));
        if (!s.classes().isEmpty()) {
            out.printf(Locale.ROOT, "  %-18s %12s %12s %12s %12s%n", "size classes", "slot", "used slots",
                    "total slots", "used");
            for (StoreStats.ClassStats c : s.classes()) {
                out.printf(Locale.ROOT, "  %-18s %12s %12d %12d %11.1f%%%n", "", SizeParser.format(c.slotBytes()),
                        c.usedSlots(), c.totalSlots(), c.totalSlots() == 0 ? 0 : 100.0 * c.usedSlots() / c.totalSlots());
            }
        }
        if (s.members().size() > 1) {
            out.printf(Locale.ROOT, "  %-18s %-40s %14s %14s %14s %14s%n", "members", "path", "value bytes", "of capacity",
                    "read", "written");
            for (StoreStats.MemberStats m : s.members()) {
                out.printf(Locale.ROOT, "  %-18s %-40s %14s %13.1f%% %14s %14s%n", "", m.path(), gb(m.valueBytes()),
                        m.capacityBytes() == 0 ? 0 : 100.0 * m.usedSlotBytes() / m.capacityBytes(), gb(m.bytesRead()),
                        gb(m.bytesWritten()));
            }
        }
        if (s.mirror() != null) {
            MirrorStats m = s.mirror();
            out.printf(Locale.ROOT, "  %-18s %s%s; %d zones marked; resync at this open copied %s%s%n", "mirror", m.state(),
                    m.failedMember() >= 0 ? " (member " + m.failedMember() + " out of date)" : "", m.markedZones(),
                    SizeParser.format(m.resyncedBytes()), m.rebuildTotalBytes() > 0 ? "; rebuilt "
                            + SizeParser.format(m.rebuiltBytes()) + " of " + SizeParser.format(m.rebuildTotalBytes()) : "");
        }
        out.printf(Locale.ROOT, "  %-18s %d%n", "evictions", s.evictions());
        out.printf(Locale.ROOT, "  %-18s %d (read errors %d, write errors %d)%n", "checksum failures",
                s.checksumFailures(), s.readErrors(), s.writeErrors());
        out.printf(Locale.ROOT, "  %-18s %.4f of the ring (what a crash would replay)%n", "journal fill",
                s.journalFill());
        out.printf(Locale.ROOT, "  %-18s %.1f MiB (%s; it grows with the entries)%n", "index memory",
                s.indexMemoryBytes() / (double) (1 << 20), s.entries() == 0 ? "no entries yet"
                        : String.format(Locale.ROOT, "%.1f B per entry", s.indexMemoryBytes() / (double) s.entries()));
        out.printf(Locale.ROOT, "  %-18s %d written, %d failed (since open; a read-only open writes none)%n",
                "checkpoints", s.checkpoints(), s.checkpointFailures());
        SmallValueCacheStats c = s.smallValueCache();
        out.printf(Locale.ROOT, "  %-18s %s%n", "small-value cache", c.budgetBytes() == 0 ? "off"
                : String.format(Locale.ROOT, "%d copies in %.1f of %.1f MiB; %d hits, %d misses (since open)",
                        c.entries(), c.bytes() / (double) (1 << 20), c.budgetBytes() / (double) (1 << 20), c.hits(),
                        c.misses()));
    }

    /** The small-value cache's figures. */
    private static Json smallValueCache(SmallValueCacheStats c) {
        return new Json().put("budget_bytes", c.budgetBytes()).put("entries", c.entries()).put("bytes", c.bytes())
                .put("hits", c.hits()).put("misses", c.misses());
    }

    /** How reports name the kind of target: file, block device, NVMe namespace. */
    public static String kind(BlockDevice device) {
        return switch (device.geometry().kind()) {
            case FILE -> "file";
            case BLOCK_DEVICE -> "block device";
            case NVME_NAMESPACE -> "NVMe namespace (passthrough)";
        };
    }

    private static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.3f GB", bytes / 1e9);
    }

    /** The mirror's state, or null (JSON null) for a store on no mirror. */
    private static Json mirror(MirrorStats m) {
        return m == null ? null : new Json().put("state", m.state()).put("failed_member", m.failedMember())
                .put("resynced_bytes", m.resyncedBytes()).put("resynced_zones", m.resyncedZones())
                .put("rebuilt_bytes", m.rebuiltBytes()).put("rebuild_total_bytes", m.rebuildTotalBytes())
                .put("marked_zones", m.markedZones());
    }

    /** One line of JSON; the field names are part of the CLI's interface for scripts. */
    static String json(Path target, Superblock sb, StoreStats s, FdpReport fdp) {
        List<Json> classes = new ArrayList<>();
        for (StoreStats.ClassStats c : s.classes()) {
            classes.add(new Json().put("slot_bytes", c.slotBytes()).put("used_slots", c.usedSlots())
                    .put("total_slots", c.totalSlots()));
        }
        List<Json> members = new ArrayList<>();
        for (StoreStats.MemberStats m : s.members()) {
            members.add(new Json().put("path", m.path()).put("value_bytes", m.valueBytes())
                    .put("used_slot_bytes", m.usedSlotBytes()).put("capacity_bytes", m.capacityBytes())
                    .put("operations", m.operations()).put("bytes_read", m.bytesRead())
                    .put("bytes_written", m.bytesWritten()));
        }
        return new Json().put("path", target.toString()).put("store_id", sb.storeId())
                .put("entries", s.entries()).put("max_entries", s.maxEntries()).put("payload_bytes", s.payloadBytes())
                .put("used_slot_bytes", s.usedSlotBytes()).put("space_efficiency", s.spaceEfficiency())
                .put("capacity_bytes", s.capacityBytes()).put("assigned_bytes", s.assignedBytes())
                .put("free_regions", s.freeRegions()).put("regions", s.regions()).put("region_bytes", sb.regionBytes())
                .putObjects("classes", classes).putObjects("members", members).putObject("mirror", mirror(s.mirror()))
                .put("pinned_entries", s.pinnedEntries())
                .put("evictions", s.evictions()).put("checksum_failures", s.checksumFailures())
                .put("read_errors", s.readErrors()).put("write_errors", s.writeErrors())
                .put("journal_fill", s.journalFill()).put("index_memory_bytes", s.indexMemoryBytes())
                .put("checkpoints", s.checkpoints()).put("checkpoint_failures", s.checkpointFailures())
                .put("journal_groups", s.journalGroups()).put("batch_submissions", s.batchSubmissions())
                .put("puts_stored", s.putsStored()).put("puts_failed", s.putsFailed()).put("hits", s.hits())
                .put("misses", s.misses()).putObject("small_value_cache", smallValueCache(s.smallValueCache()))
                .putObject("fdp", fdp.json()).toString();
    }
}
