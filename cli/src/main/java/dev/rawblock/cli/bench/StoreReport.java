package dev.rawblock.cli.bench;

import dev.rawblock.cli.text.Json;
import dev.rawblock.cli.text.SizeParser;
import dev.rawblock.device.Engine;
import dev.rawblock.store.Eviction;
import dev.rawblock.store.StoreStats;
import dev.rawblock.store.Superblock;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The result of {@code bench store}: a table for people and one JSON line for scripts. Throughput
 * figures are medians over the runs; store figures (entries, space efficiency, index memory) are
 * those after the last run's put pass. A peer's rows and its ratios appear only with {@code --against}
 * naming it; every peer is printed and ratioed by the same code.
 */
record StoreReport(Path path, String kind, Superblock superblock, StoreWorkload.Shape shape, Engine engine,
                   Eviction eviction, boolean flush, long valueSize, int qd, long total, Set<BenchStoreCommand.Op> ops,
                   List<StoreWorkload.Pass> puts, List<StoreWorkload.Pass> gets, Map<Peer, PeerRuns> peers,
                   StoreStats afterPut, long putEvictions, Path plot, boolean hugePages) {

    /**
     * One peer's runs, in the order they ran, and how it was set up (null when there is nothing to
     * say beyond the workload's parameters).
     */
    record PeerRuns(List<Figures> puts, List<Figures> gets, Peer.Setup setup) {
        Figures put() {
            return median(puts);
        }

        Figures get() {
            return median(gets);
        }
    }

    /** Collects the figures as the runs produce them. */
    static final class Builder {
        private Path path;
        private String kind;
        private Superblock superblock;
        private StoreWorkload.Shape shape;
        private Engine engine;
        private Eviction eviction;
        private boolean flush;
        private long valueSize;
        private int qd;
        private long total;
        private Set<BenchStoreCommand.Op> ops;
        private final List<StoreWorkload.Pass> puts = new ArrayList<>();
        private final List<StoreWorkload.Pass> gets = new ArrayList<>();
        private final Map<Peer, List<Figures>> peerPuts = new EnumMap<>(Peer.class);
        private final Map<Peer, List<Figures>> peerGets = new EnumMap<>(Peer.class);
        private final Map<Peer, Peer.Setup> peerSetups = new EnumMap<>(Peer.class);
        private StoreStats afterPut;
        private long putEvictions;
        private Path plot;
        private boolean hugePages;

        /** Whether the values and load destinations are on huge pages (see {@link BenchValues}). */
        Builder hugePages(boolean on) {
            this.hugePages = on;
            return this;
        }

        void setup(Path path, String kind, Superblock superblock, StoreWorkload.Shape shape, Engine engine,
                   Eviction eviction, boolean flush, long valueSize, int qd, long total,
                   Set<BenchStoreCommand.Op> ops) {
            this.path = path;
            this.kind = kind;
            this.superblock = superblock;
            this.shape = shape;
            this.engine = engine;
            this.eviction = eviction;
            this.flush = flush;
            this.valueSize = valueSize;
            this.qd = qd;
            this.total = total;
            this.ops = ops;
        }

        void put(StoreWorkload.Pass pass) {
            puts.add(pass);
        }

        void get(StoreWorkload.Pass pass) {
            gets.add(pass);
        }

        void peerPut(Peer peer, Figures f) {
            peerPuts.computeIfAbsent(peer, p -> new ArrayList<>()).add(f);
        }

        void peerGet(Peer peer, Figures f) {
            peerGets.computeIfAbsent(peer, p -> new ArrayList<>()).add(f);
        }

        void peerSetup(Peer peer, Peer.Setup setup) {
            peerSetups.put(peer, setup);
        }

        /** Where the plot goes, or null for none. */
        Builder plot(Path plot) {
            this.plot = plot;
            return this;
        }

        /** The store after a put pass, and the evictions that pass caused. */
        void stats(StoreStats stats, long evictions) {
            afterPut = stats;
            putEvictions += evictions;
        }

        StoreReport build() {
            Map<Peer, PeerRuns> peers = new EnumMap<>(Peer.class);
            for (Peer p : Peer.values()) {
                List<Figures> put = peerPuts.getOrDefault(p, List.of());
                List<Figures> get = peerGets.getOrDefault(p, List.of());
                if (put.isEmpty() && get.isEmpty()) continue;
                peers.put(p, new PeerRuns(List.copyOf(put), List.copyOf(get), peerSetups.get(p)));
            }
            return new StoreReport(path, kind, superblock, shape, engine, eviction, flush, valueSize, qd, total, ops,
                    List.copyOf(puts), List.copyOf(gets), peers, afterPut, putEvictions, plot, hugePages);
        }
    }

    private static List<Figures> figures(List<StoreWorkload.Pass> passes) {
        return passes.stream().map(StoreWorkload.Pass::figures).toList();
    }

    /** Median figures of a list, or null when the pass was not run. */
    private static Figures median(List<Figures> list) {
        return list.isEmpty() ? null : Figures.median(list);
    }

    Figures put() {
        return median(figures(puts));
    }

    Figures get() {
        return median(figures(gets));
    }

    /** Ours over a peer's median GB/s: above 1 means rawblock is faster; NaN without both. */
    static double ratio(Figures ours, Figures theirs) {
        return ours == null || theirs == null ? Double.NaN : ours.gbps() / theirs.gbps();
    }

    /** Keys the get passes did not find (evicted), over all runs. */
    long missed() {
        return gets.stream().mapToLong(StoreWorkload.Pass::missed).sum();
    }

    long verified() {
        return gets.stream().mapToLong(StoreWorkload.Pass::verified).sum();
    }

    /** Stored value bytes per byte of the regions assigned to size classes: what the device really gives up. */
    double regionEfficiency() {
        return afterPut.assignedBytes() == 0 ? Double.NaN : afterPut.payloadBytes() / (double) afterPut.assignedBytes();
    }

    /** Index memory (with the slot tables) per stored entry: the index grows with the entries, by half at a time. */
    double bytesPerEntry() {
        return afterPut.indexMemoryBytes() / (double) Math.max(1, afterPut.entries());
    }

    void printHuman(PrintWriter out) {
        int runs = Math.max(puts.size(), Math.max(gets.size(), 1));
        out.printf(Locale.ROOT, "bench store: %s on %s (%s), %s, value %s on %s pages, qd %d, total %s, eviction %s, "
                        + "flush %s, %d run%s%n", shape.label(), path, kind, engine.label(), SizeParser.format(valueSize),
                hugePages ? "huge" : "4 KiB", qd, SizeParser.format(total), eviction.name().toLowerCase(Locale.ROOT),
                flush ? "on" : "off", runs, runs == 1 ? "" : "s");
        out.printf(Locale.ROOT, "  store: %s in %d regions of %s, max entries %d, id %s%n",
                SizeParser.format(superblock.capacity()), superblock.regionCount(),
                SizeParser.format(superblock.regionBytes()), superblock.maxEntries(), superblock.storeId());
        out.printf(Locale.ROOT, "  %-11s %8s %9s %9s %9s %9s   %s%n", "", "GB/s", "ops/s", "p50 ms", "p99 ms",
                "CPU s/GB", "runs (GB/s)");
        if (!puts.isEmpty()) row(out, "put", figures(puts));
        if (!gets.isEmpty()) row(out, "get", figures(gets));
        peers.forEach((peer, its) -> {
            if (!its.puts().isEmpty()) row(out, peer.putRow(), its.puts());
            if (!its.gets().isEmpty()) row(out, peer.getRow(), its.gets());
        });
        peers.forEach((peer, its) -> {
            StringBuilder b = new StringBuilder("  ratio      ");
            if (!its.puts().isEmpty() && !puts.isEmpty()) b.append(String.format(Locale.ROOT, " put %.3f", ratio(put(), its.put())));
            if (!its.gets().isEmpty() && !gets.isEmpty()) b.append(String.format(Locale.ROOT, " get %.3f", ratio(get(), its.get())));
            // Against the io_uring engine both sides are rawblock: name ours by its engine.
            String ours = peer == Peer.IO_URING ? engine.label() : "rawblock";
            out.println(b.append("   (").append(ours).append(" / ").append(peer.label()).append(", median GB/s)"));
        });
        peers.forEach((peer, its) -> {
            if (its.setup() != null) out.println("  " + peer.label() + ": " + its.setup().describe());
        });
        ringBusy(out, "put", puts);
        ringBusy(out, "get", gets);
        out.printf(Locale.ROOT, "  after the put pass: %d entries, %s of values in %s of slots: space efficiency %.4f, "
                        + "%d evictions%n", afterPut.entries(), gb(afterPut.payloadBytes()), gb(afterPut.usedSlotBytes()),
                afterPut.spaceEfficiency(), putEvictions);
        out.printf(Locale.ROOT, "  regions: %d of %d assigned to size classes (%s); values fill %.4f of them "
                        + "(slot padding, region tails, free slots)%n", afterPut.regions() - afterPut.freeRegions(),
                afterPut.regions(), gb(afterPut.assignedBytes()), regionEfficiency());
        out.printf(Locale.ROOT, "  index memory %s: %.0f B per stored entry (it grows with the entries)%n",
                SizeParser.format(afterPut.indexMemoryBytes()), bytesPerEntry());
        if (!gets.isEmpty()) {
            out.printf(Locale.ROOT, "  get: %d values compared byte for byte with what was put, %d keys missed%n",
                    verified(), missed());
        }
        out.println("GB/s = 10^9 bytes of values per second; ops = putMany/loadMany calls of one chunk"
                + (shape == StoreWorkload.Shape.KVCACHE_MIX ? " and its metadata" : "")
                + (flush ? "; each put waits for its journal group's fdatasync" : "; puts do not wait for an fdatasync")
                + "; put time includes a final device flush" + (runs > 1 ? "; figures are medians of the runs" : ""));
    }

    /** The median over the runs of each ring thread's busy fraction, for every device of the store. */
    private static List<Double> ringBusy(List<StoreWorkload.Pass> passes) {
        List<Double> medians = new ArrayList<>();
        if (passes.isEmpty()) return medians;
        for (int m = 0; m < passes.getFirst().ringBusy().length; m++) {
            int member = m;
            double[] runs = passes.stream().mapToDouble(p -> p.ringBusy()[member]).sorted().toArray();
            medians.add(runs.length % 2 == 1 ? runs[runs.length / 2] : (runs[runs.length / 2 - 1] + runs[runs.length / 2]) / 2);
        }
        return medians;
    }

    private void ringBusy(PrintWriter out, String op, List<StoreWorkload.Pass> passes) {
        List<Double> busy = ringBusy(passes);
        if (busy.isEmpty()) return;
        StringBuilder b = new StringBuilder("  " + op + ": ring thread busy");
        for (int m = 0; m < busy.size(); m++) {
            String path = afterPut.members().get(m).path();
            b.append(String.format(Locale.ROOT, "%s %.2f (%s)", m == 0 ? "" : ",", busy.get(m),
                    Path.of(path).getFileName()));
        }
        out.println(b.append(busy.size() > 1 ? "; one ring thread per member" : "").append(" (CPU time / wall time)"));
    }

    private static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.3f GB", bytes / 1e9);
    }

    private static void row(PrintWriter out, String name, List<Figures> list) {
        Figures m = Figures.median(list);
        StringBuilder each = new StringBuilder();
        for (double g : Figures.gbpsOf(list)) each.append(String.format(Locale.ROOT, " %.3f", g));
        out.printf(Locale.ROOT, "  %-11s %8.3f %9.1f %9.3f %9.3f %9.3f  %s%n", name, m.gbps(), m.iops(), m.p50Ms(),
                m.p99Ms(), m.cpuSPerGb(), each);
    }

    /** One line of JSON; the field names are part of the CLI's interface for scripts. Passes not run are null. */
    String json() {
        Json j = new Json();
        figures(j, "put_", put(), figures(puts));
        figures(j, "get_", get(), figures(gets));
        j.put("space_efficiency", afterPut.spaceEfficiency()).put("region_efficiency", regionEfficiency())
                .put("entries", afterPut.entries())
                .put("bytes_per_entry", bytesPerEntry()).put("index_memory_bytes", afterPut.indexMemoryBytes())
                .put("max_entries", afterPut.maxEntries()).put("payload_bytes", afterPut.payloadBytes())
                .put("slot_bytes", afterPut.usedSlotBytes()).put("evictions", putEvictions)
                .put("get_misses", missed()).put("verified_values", verified())
                .put("workload", shape.label()).put("engine", engine.label())
                .put("eviction", eviction.name().toLowerCase(Locale.ROOT)).put("flush", flush)
                .put("path", path.toString())
                .put("value_bytes", valueSize).put("value_pages", hugePages ? "huge" : "small").put("qd", qd)
                .put("total_bytes", total)
                .put("capacity_bytes", superblock.capacity()).put("region_bytes", superblock.regionBytes())
                .put("region_count", superblock.regionCount()).put("run_count", Math.max(puts.size(), gets.size()))
                .put("members", afterPut.members().size())
                .put("put_ring_busy", ringBusy(puts)).put("get_ring_busy", ringBusy(gets));
        if (!peers.isEmpty()) j.putStrings("peers", peers.keySet().stream().map(Peer::label).toList());
        peers.forEach((peer, its) -> {
            String p = peer.label() + "_";
            figures(j, p + "put_", its.put(), its.puts());
            figures(j, p + "get_", its.get(), its.gets());
            j.put(p + "put_ratio", ratio(put(), its.put())).put(p + "get_ratio", ratio(get(), its.get()));
            if (its.setup() != null) its.setup().json(j, p);
        });
        // The ratios to fio kept their first, unprefixed names: scripts read them.
        PeerRuns fio = peers.get(Peer.FIO);
        if (fio != null) j.put("put_ratio", ratio(put(), fio.put())).put("get_ratio", ratio(get(), fio.get()));
        if (plot != null) j.put("plot", plot.toString());
        return j.toString();
    }

    private static void figures(Json j, String prefix, Figures m, List<Figures> runs) {
        double nan = Double.NaN;
        j.put(prefix + "gbps", m == null ? nan : m.gbps()).put(prefix + "ops", m == null ? nan : m.iops())
                .put(prefix + "p50_ms", m == null ? nan : m.p50Ms()).put(prefix + "p99_ms", m == null ? nan : m.p99Ms())
                .put(prefix + "cpu_s_per_gb", m == null ? nan : m.cpuSPerGb())
                .put(prefix + "runs", Figures.gbpsOf(runs));
    }
}
