package dev.rawblock.cli.bench;

import dev.rawblock.cli.text.Json;
import dev.rawblock.cli.text.SizeParser;
import dev.rawblock.device.Engine;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The result of {@code bench device}: a table for people and one JSON line for scripts. Every
 * figure is the median over the runs; a peer's row and ratio appear only with {@code --against}
 * naming it: fio, or io_uring (the io_uring engine on the block device of the NVMe namespace whose
 * generic device the uring_cmd engine ran on).
 *
 * @param peers      per peer, its runs in order (fio, io_uring); empty without {@code --against}
 * @param peerSetups per peer, how it was set up (only io_uring has one: its device)
 */
record DeviceReport(Path path, String kind, AccessPattern pattern, Engine engine, long block, int qd, long size,
                    List<Figures> runs, Map<Peer, List<Figures>> peers, Map<Peer, Peer.Setup> peerSetups) {

    Figures ours() {
        return Figures.median(runs);
    }

    /** Ours over a peer, by median GB/s: above 1 means faster than the peer. */
    double ratio(Peer peer) {
        return ours().gbps() / Figures.median(peers.get(peer)).gbps();
    }

    /** Our row's name: "rawblock", or the engine's when the peer is rawblock on another engine. */
    private String ourName() {
        return peers.containsKey(Peer.IO_URING) ? engine.label() : "rawblock";
    }

    void printHuman(PrintWriter out) {
        out.printf(Locale.ROOT, "bench device: %s on %s (%s), %s, block %s, qd %d, size %s, %d run%s%n",
                pattern.label(), path, kind, engine.label(), SizeParser.format(block), qd, SizeParser.format(size),
                runs.size(), runs.size() == 1 ? "" : "s");
        out.printf(Locale.ROOT, "  %-9s %8s %10s %9s %9s %9s   %s%n", "", "GB/s", "IOPS", "p50 ms", "p99 ms",
                "CPU s/GB", "runs (GB/s)");
        row(out, ourName(), runs);
        peers.forEach((peer, its) -> row(out, peer.label(), its));
        peers.forEach((peer, its) -> out.printf(Locale.ROOT, "  %-9s %8.3f   (%s / %s, median GB/s)%n", "ratio",
                ratio(peer), ourName(), peer.label()));
        peerSetups.forEach((peer, setup) -> out.println("  " + peer.label() + ": " + setup.describe()));
        out.println("GB/s = 10^9 bytes/s" + (runs.size() > 1 ? "; figures are medians of the runs" : "")
                + (pattern == AccessPattern.WRITE ? "; our write time includes the final flush" : ""));
    }

    private static void row(PrintWriter out, String name, List<Figures> list) {
        Figures m = Figures.median(list);
        StringBuilder each = new StringBuilder();
        for (double g : Figures.gbpsOf(list)) each.append(String.format(Locale.ROOT, " %.3f", g));
        out.printf(Locale.ROOT, "  %-9s %8.3f %10.0f %9.3f %9.3f %9.3f  %s%n", name, m.gbps(), m.iops(), m.p50Ms(),
                m.p99Ms(), m.cpuSPerGb(), each);
    }

    /**
     * One line of JSON; the field names are part of the CLI's interface for scripts. A peer's
     * figures carry its name as a prefix ({@code io_uring_gbps}, {@code io_uring_ratio}); fio's kept
     * their first names ({@code fio_gbps}, and {@code ratio} for ours over fio's), which scripts read.
     */
    String json() {
        Figures m = ours();
        Json j = new Json()
                .put("gbps", m.gbps()).put("iops", m.iops()).put("p50_ms", m.p50Ms()).put("p99_ms", m.p99Ms())
                .put("cpu_s_per_gb", m.cpuSPerGb())
                .put("pattern", pattern.label()).put("engine", engine.label()).put("path", path.toString())
                .put("block_bytes", block).put("qd", qd).put("size_bytes", size)
                .put("runs", Figures.gbpsOf(runs));
        if (!peers.isEmpty()) j.putStrings("peers", peers.keySet().stream().map(Peer::label).toList());
        peers.forEach((peer, its) -> {
            String p = peer.label() + "_";
            Figures f = Figures.median(its);
            j.put(p + "gbps", f.gbps()).put(p + "iops", f.iops()).put(p + "p50_ms", f.p50Ms())
                    .put(p + "p99_ms", f.p99Ms()).put(p + "cpu_s_per_gb", f.cpuSPerGb())
                    .put(p + "runs", Figures.gbpsOf(its)).put(peer == Peer.FIO ? "ratio" : p + "ratio", ratio(peer));
            Peer.Setup setup = peerSetups.get(peer);
            if (setup != null) setup.json(j, p);
        });
        return j.toString();
    }
}
