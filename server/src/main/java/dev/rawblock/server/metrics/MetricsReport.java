package dev.rawblock.server.metrics;

import dev.rawblock.server.RequestStats.Op;
import dev.rawblock.server.RequestStats.OpStats;
import dev.rawblock.server.ServerContext;
import dev.rawblock.server.ServerStats;
import dev.rawblock.server.metrics.Exposition.Type;
import dev.rawblock.store.FdpFigures;
import dev.rawblock.store.MirrorStats;
import dev.rawblock.store.SmallValueCacheStats;
import dev.rawblock.store.StoreStats;
import dev.rawblock.store.StoreStats.ClassStats;
import dev.rawblock.store.ValueMemory;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.util.Arrays;
import java.util.List;

/**
 * What {@code /metrics} says: requests (counts, service times, value bytes), connections, and the
 * store's contents, space per size class, errors and checkpoint state. Counters count since the
 * server (or, for the store's, the store) started.
 *
 * <p>Service times are a Prometheus <em>histogram</em> with fixed buckets rather than a summary of
 * quantiles: buckets add up across servers and over any time window ({@code histogram_quantile}
 * over {@code rate(...)}), where quantiles of one server's last interval cannot be combined; and a
 * cumulative histogram gives every scraper the same answer, where quantiles of "the interval since
 * the last scrape" would split requests between two Prometheus replicas scraping one server.
 */
final class MetricsReport {
    /**
     * Bucket bounds in seconds: from a few microseconds (a miss, a PING) to seconds (an 80 MiB
     * value on a slow device, or waiting for buffer memory), about two per factor of ten.
     */
    static final double[] BUCKETS = {0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
            0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    private static final long[] BUCKET_NANOS = Arrays.stream(BUCKETS).mapToLong(b -> Math.round(b * 1e9)).toArray();
    private static final String DURATION = "rawblock_request_duration_seconds";

    private MetricsReport() {
    }

    static String render(ServerContext context) {
        Exposition out = new Exposition();
        // Prometheus' convention for a version: an info gauge of 1 with the version as a label.
        out.family("rawblock_build_info", Type.GAUGE, "The rawblock build serving, in its version label.")
                .sample("rawblock_build_info", 1, "version", dev.rawblock.Version.get());
        requests(out, context);
        connections(out, context);
        store(out, context);
        fdp(out, context);
        return out.text();
    }

    private static void requests(Exposition out, ServerContext context) {
        boolean lm = context.config().lmPort() >= 0;
        List<OpStats> ops = context.stats().requests().snapshot().stream()
                .filter(s -> lm || !s.op().protocol.equals("lm")).toList();
        out.family("rawblock_requests_total", Type.COUNTER, "Requests served, by protocol and operation.");
        for (OpStats s : ops) out.sample("rawblock_requests_total", s.serviceNanos().getTotalCount(), labels(s.op()));
        out.family(DURATION, Type.HISTOGRAM, "Time from a request parsed (its value received) to its reply "
                + "buffered; a reply beyond the socket buffer includes sending it. Bucket edges are exact to 1%.");
        for (OpStats s : ops) histogram(out, s);
        out.family("rawblock_value_bytes_total", Type.COUNTER,
                "Value bytes stored by clients (in) and served to them (out), by protocol.");
        for (String protocol : lm ? List.of("resp", "lm") : List.of("resp")) {
            long in = 0, served = 0;
            for (OpStats s : ops) {
                if (!s.op().protocol.equals(protocol)) continue;
                if (s.op().storesValues) in += s.valueBytes();
                else served += s.valueBytes();
            }
            out.sample("rawblock_value_bytes_total", in, "protocol", protocol, "direction", "in");
            out.sample("rawblock_value_bytes_total", served, "protocol", protocol, "direction", "out");
        }
    }

    private static String[] labels(Op op) {
        return new String[] {"protocol", op.protocol, "op", op.label};
    }

    /** Cumulative bucket counts from the HdrHistogram of nanoseconds, counting each value at the top of its 1% range. */
    private static void histogram(Exposition out, OpStats s) {
        Histogram h = s.serviceNanos();
        long[] perBucket = new long[BUCKETS.length + 1];
        for (HistogramIterationValue v : h.recordedValues()) {
            int b = 0;
            while (b < BUCKET_NANOS.length && v.getValueIteratedTo() > BUCKET_NANOS[b]) b++;
            perBucket[b] += v.getCountAtValueIteratedTo();
        }
        String op = s.op().label, protocol = s.op().protocol;
        long cumulative = 0;
        for (int b = 0; b < BUCKETS.length; b++) {
            cumulative += perBucket[b];
            out.sample(DURATION + "_bucket", cumulative, "protocol", protocol, "op", op, "le", Exposition.number(BUCKETS[b]));
        }
        out.sample(DURATION + "_bucket", h.getTotalCount(), "protocol", protocol, "op", op, "le", "+Inf");
        out.sample(DURATION + "_sum", s.serviceNanosSum() / 1e9, "protocol", protocol, "op", op);
        out.sample(DURATION + "_count", h.getTotalCount(), "protocol", protocol, "op", op);
    }

    private static void connections(Exposition out, ServerContext context) {
        ServerStats n = context.stats();
        out.single("rawblock_connections", Type.GAUGE, "Client connections open now, both protocols.",
                n.openConnections());
        out.single("rawblock_connections_total", Type.COUNTER, "Client connections accepted.",
                n.acceptedConnections());
        out.single("rawblock_connections_refused_total", Type.COUNTER,
                "Connections turned away because max-connections were open.", n.refusedConnections());
        out.single("rawblock_connections_idle_closed_total", Type.COUNTER,
                "Connections closed by the idle timeout.", n.idleClosed());
        out.single("rawblock_protocol_errors_total", Type.COUNTER,
                "Connections closed because their input broke the protocol.", n.protocolErrors());
        out.single("rawblock_auth_failures_total", Type.COUNTER, "Failed AUTH and HELLO AUTH attempts.",
                n.authFailures());
        out.single("rawblock_failed_puts_total", Type.COUNTER,
                "Values clients sent that could not be stored (no space, busy, device error).", n.failedPuts());
        out.family("rawblock_network_bytes_total", Type.COUNTER, "Bytes received from and sent to clients, "
                + "protocol framing included.");
        out.sample("rawblock_network_bytes_total", n.bytesIn(), "direction", "in");
        out.sample("rawblock_network_bytes_total", n.bytesOut(), "direction", "out");
        out.single("rawblock_value_buffer_bytes", Type.GAUGE, "Memory of value buffers in use; requests wait "
                + "when it would pass the budget.", context.values().budgetUsed());
        out.single("rawblock_value_buffer_budget_bytes", Type.GAUGE, "The memory budget for value buffers.",
                context.config().memoryBudget());
        ValueMemory memory = context.values().store().memory();
        out.single("rawblock_registered_memory_bytes", Type.GAUGE, "Memory registered with the device for "
                + "transfers without a page walk.", memory.registeredBytes());
        out.single("rawblock_registered_memory_free_bytes", Type.GAUGE, "Registered memory not in use.",
                memory.freeBytes());
        out.single("rawblock_unregistered_buffer_bytes", Type.GAUGE, "Buffers taken from ordinary memory when "
                + "the registered memory was all in use; growth means it is too small for the load.",
                memory.outsideBytes());
    }

    private static void store(Exposition out, ServerContext context) {
        StoreStats s;
        try {
            s = context.values().store().stats();
        } catch (IllegalStateException e) {
            // Offline after a journal failure, or closed: the one thing worth saying is that it is down.
            out.single("rawblock_store_up", Type.GAUGE, "1 if the store serves requests, 0 if it is offline.", 0);
            return;
        }
        out.single("rawblock_store_up", Type.GAUGE, "1 if the store serves requests, 0 if it is offline.", 1);
        out.single("rawblock_entries", Type.GAUGE, "Values stored.", s.entries());
        out.single("rawblock_max_entries", Type.GAUGE, "Values the index holds at most (fixed at format).",
                s.maxEntries());
        out.single("rawblock_capacity_bytes", Type.GAUGE, "Device bytes in regions.", s.capacityBytes());
        out.single("rawblock_payload_bytes", Type.GAUGE, "Bytes of stored values.", s.payloadBytes());
        out.single("rawblock_used_slot_bytes", Type.GAUGE,
                "Device bytes the slots of stored values take (header, value, padding).", s.usedSlotBytes());
        out.family("rawblock_regions", Type.GAUGE, "Regions assigned to a size class, and free for any class.");
        out.sample("rawblock_regions", s.regions() - s.freeRegions(), "state", "assigned");
        out.sample("rawblock_regions", s.freeRegions(), "state", "free");
        out.family("rawblock_class_slots", Type.GAUGE, "Slots of each size class in use and free.");
        for (ClassStats c : s.classes()) {
            String slot = Long.toString(c.slotBytes());
            out.sample("rawblock_class_slots", c.usedSlots(), "slot_bytes", slot, "state", "used");
            out.sample("rawblock_class_slots", c.totalSlots() - c.usedSlots(), "slot_bytes", slot, "state", "free");
        }
        out.family("rawblock_class_bytes", Type.GAUGE, "Device bytes of each size class's slots in use and free.");
        for (ClassStats c : s.classes()) {
            String slot = Long.toString(c.slotBytes());
            out.sample("rawblock_class_bytes", c.usedBytes(), "slot_bytes", slot, "state", "used");
            out.sample("rawblock_class_bytes", c.freeBytes(), "slot_bytes", slot, "state", "free");
        }
        members(out, s);
        out.single("rawblock_hits_total", Type.COUNTER, "Keys a load served (store counter, since open).", s.hits());
        // The server counts misses itself: a key it finds absent before loading never reaches the store's counter.
        out.single("rawblock_misses_total", Type.COUNTER, "Keys a GET (either protocol) asked for and did not find.",
                context.stats().misses());
        out.single("rawblock_evictions_total", Type.COUNTER, "Entries evicted to make room.", s.evictions());
        smallValueCache(out, s.smallValueCache());
        out.single("rawblock_checksum_failures_total", Type.COUNTER,
                "Loads that found a slot failing verification (the entry was dropped, the load missed).",
                s.checksumFailures());
        out.single("rawblock_read_errors_total", Type.COUNTER, "Device reads that failed.", s.readErrors());
        out.single("rawblock_write_errors_total", Type.COUNTER, "Writes that failed.", s.writeErrors());
        out.single("rawblock_journal_fill_ratio", Type.GAUGE,
                "Fraction of the journal a crash would replay; a checkpoint is due at 0.5.", s.journalFill());
        out.single("rawblock_checkpoints_total", Type.COUNTER, "Checkpoints written since open.", s.checkpoints());
        out.single("rawblock_checkpoint_failures_total", Type.COUNTER,
                "Checkpoints that failed (the journal still held everything).", s.checkpointFailures());
        out.single("rawblock_checkpoint_age_seconds", Type.GAUGE, "Time since the last checkpoint, or since open; "
                + "it grows while the store is unchanged, when no checkpoint is needed.",
                s.lastCheckpointAgeMillis() / 1000.0);
    }

    /** The small-value cache: copies of values of 4 KiB or less, served without a device read. */
    private static void smallValueCache(Exposition out, SmallValueCacheStats c) {
        out.single("rawblock_small_value_cache_hits_total", Type.COUNTER,
                "Loads of small values served from the cache's copies, without a device read.", c.hits());
        out.single("rawblock_small_value_cache_misses_total", Type.COUNTER,
                "Loads of values small enough for the cache that read the device (the value is then kept).", c.misses());
        out.single("rawblock_small_value_cache_entries", Type.GAUGE, "Values the small-value cache holds copies of.",
                c.entries());
        out.single("rawblock_small_value_cache_bytes", Type.GAUGE,
                "Memory the small-value cache is charged: its copies and a fixed overhead per copy.", c.bytes());
        out.single("rawblock_small_value_cache_budget_bytes", Type.GAUGE,
                "The most memory the small-value cache may take (0: off).", c.budgetBytes());
    }

    /** Per device the store is on (one, or each member of a store over several), labelled by its path. */
    private static void members(Exposition out, StoreStats s) {
        out.family("rawblock_member_value_bytes", Type.GAUGE, "Bytes of stored values in each device's regions.");
        for (StoreStats.MemberStats m : s.members()) out.sample("rawblock_member_value_bytes", m.valueBytes(), "path", m.path());
        out.family("rawblock_member_capacity_bytes", Type.GAUGE, "Bytes of each device's regions.");
        for (StoreStats.MemberStats m : s.members()) {
            out.sample("rawblock_member_capacity_bytes", m.capacityBytes(), "path", m.path());
        }
        out.family("rawblock_member_io_bytes_total", Type.COUNTER, "Bytes read from and written to each device since open.");
        for (StoreStats.MemberStats m : s.members()) {
            out.sample("rawblock_member_io_bytes_total", m.bytesRead(), "path", m.path(), "direction", "read");
            out.sample("rawblock_member_io_bytes_total", m.bytesWritten(), "path", m.path(), "direction", "write");
        }
        out.family("rawblock_member_operations_total", Type.COUNTER, "Operations submitted to each device since open.");
        for (StoreStats.MemberStats m : s.members()) out.sample("rawblock_member_operations_total", m.operations(), "path", m.path());
        out.family("rawblock_member_in_flight", Type.GAUGE, "Operations submitted to each device and not completed.");
        for (StoreStats.MemberStats m : s.members()) out.sample("rawblock_member_in_flight", m.inFlight(), "path", m.path());
        MirrorStats mirror = s.mirror();
        if (mirror == null) return;
        out.family("rawblock_mirror_state", Type.GAUGE, "1 for the mirror's state (healthy, degraded, rebuilding), 0 for the others.");
        for (String state : new String[] {"healthy", "degraded", "rebuilding"}) {
            out.sample("rawblock_mirror_state", state.equals(mirror.state()) ? 1 : 0, "state", state);
        }
        out.single("rawblock_mirror_resynced_bytes", Type.GAUGE,
                "Bytes the resync at open copied between the members (the zones a crash left marked).", mirror.resyncedBytes());
        out.single("rawblock_mirror_rebuilt_bytes", Type.GAUGE, "Bytes the current or last rebuild copied so far.",
                mirror.rebuiltBytes());
        out.single("rawblock_mirror_rebuild_total_bytes", Type.GAUGE, "Bytes that rebuild copies in all.",
                mirror.rebuildTotalBytes());
        out.single("rawblock_mirror_marked_zones", Type.GAUGE, "Zones whose write-intent bit is set now.",
                mirror.markedZones());
    }

    /**
     * FDP figures of the drive, on an NVMe namespace with FDP (nothing elsewhere): the statistics
     * log's host and media bytes written, so the write amplification, and the reclaim unit
     * handles that have taken writes. Read from the drive at each scrape (two NVMe commands).
     */
    private static void fdp(Exposition out, ServerContext context) {
        FdpFigures f;
        try {
            f = context.values().store().fdpFigures().orElse(null);
        } catch (java.io.IOException | RuntimeException e) {
            return; // the drive did not answer: the other metrics still stand
        }
        if (f == null) return;
        out.single("rawblock_fdp_host_bytes_written", Type.COUNTER,
                "Bytes the host wrote to the FDP endurance group (FDP statistics log, drive lifetime).", f.hostBytesWritten());
        out.single("rawblock_fdp_media_bytes_written", Type.COUNTER,
                "Bytes the drive wrote to media, garbage collection included (FDP statistics log).", f.mediaBytesWritten());
        out.single("rawblock_fdp_write_amplification", Type.GAUGE, "Media over host bytes written.",
                f.writeAmplification());
        out.family("rawblock_fdp_handle_used", Type.GAUGE,
                "1 for a placement handle whose reclaim unit has taken writes, else 0.");
        for (int placementId : f.placementIds()) {
            out.sample("rawblock_fdp_handle_used", f.placementIdsUsed().contains(placementId) ? 1 : 0, "placement_id",
                    Integer.toString(placementId));
        }
    }
}
