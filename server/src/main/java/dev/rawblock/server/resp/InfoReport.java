package dev.rawblock.server.resp;

import dev.rawblock.server.ServerContext;
import dev.rawblock.server.ServerStats;
import dev.rawblock.store.StoreStats;

import java.util.Locale;

/**
 * The text of {@code INFO}: Redis's field names where a Redis tool would look for them
 * (connected_clients, keyspace_hits, evicted_keys, db0...), and the store's own statistics in a
 * {@code # Rawblock} section, the same figures as {@code rawblock stats}.
 */
final class InfoReport {
    /** The Redis version whose commands clients may expect (the subset in {@link RespSession}). */
    static final String REDIS_COMPATIBLE_VERSION = "7.0.0";
    private static final String VERSION = InfoReport.class.getPackage().getImplementationVersion() != null
            ? InfoReport.class.getPackage().getImplementationVersion() : "dev";

    private InfoReport() {
    }

    /** The sections asked for: one name, or "default"/"all"/"everything" for all of them. */
    static String render(ServerContext context, String section) {
        String wanted = section.toLowerCase(Locale.ROOT);
        boolean all = wanted.equals("default") || wanted.equals("all") || wanted.equals("everything");
        StoreStats s = context.values().store().stats();
        ServerStats n = context.stats();
        StringBuilder sb = new StringBuilder();
        if (all || wanted.equals("server")) {
            header(sb, "Server");
            field(sb, "redis_version", REDIS_COMPATIBLE_VERSION);
            field(sb, "rawblock_version", VERSION);
            field(sb, "redis_mode", context.config().cluster() != null ? "cluster" : "standalone");
            field(sb, "tcp_port", context.config().respPort());
            field(sb, "lm_port", context.config().lmPort());
            field(sb, "uptime_in_seconds", n.uptimeSeconds());
        }
        if (all || wanted.equals("clients")) {
            header(sb, "Clients");
            field(sb, "connected_clients", n.openConnections());
            field(sb, "maxclients", context.config().maxConnections());
        }
        if (all || wanted.equals("memory")) {
            header(sb, "Memory");
            field(sb, "value_buffer_bytes", context.values().budgetUsed());
            field(sb, "value_buffer_budget", context.config().memoryBudget());
            field(sb, "index_memory_bytes", s.indexMemoryBytes());
        }
        if (all || wanted.equals("stats")) {
            header(sb, "Stats");
            field(sb, "total_connections_received", n.acceptedConnections());
            field(sb, "rejected_connections", n.refusedConnections());
            field(sb, "idle_closed_connections", n.idleClosed());
            field(sb, "total_commands_processed", n.commands());
            field(sb, "protocol_errors", n.protocolErrors());
            field(sb, "auth_failures", n.authFailures());
            field(sb, "failed_puts", n.failedPuts());
            field(sb, "total_net_input_bytes", n.bytesIn());
            field(sb, "total_net_output_bytes", n.bytesOut());
            field(sb, "keyspace_hits", s.hits());
            field(sb, "keyspace_misses", n.misses());
            field(sb, "evicted_keys", s.evictions());
        }
        if (all || wanted.equals("persistence")) {
            header(sb, "Persistence");
            field(sb, "checkpoints", s.checkpoints());
            field(sb, "checkpoint_failures", s.checkpointFailures());
            field(sb, "journal_groups", s.journalGroups());
            field(sb, "journal_fill", String.format(Locale.ROOT, "%.4f", s.journalFill()));
        }
        if (all || wanted.equals("cluster")) { // redis-py's RedisCluster checks cluster_enabled:1 first
            header(sb, "Cluster");
            field(sb, "cluster_enabled", context.config().cluster() != null ? 1 : 0);
        }
        if (all || wanted.equals("keyspace")) {
            header(sb, "Keyspace");
            if (s.entries() > 0) field(sb, "db0", "keys=" + s.entries() + ",expires=0,avg_ttl=0");
        }
        if (all || wanted.equals("rawblock")) {
            header(sb, "Rawblock");
            field(sb, "entries", s.entries());
            field(sb, "max_entries", s.maxEntries());
            field(sb, "pinned_entries", s.pinnedEntries());
            field(sb, "payload_bytes", s.payloadBytes());
            field(sb, "used_slot_bytes", s.usedSlotBytes());
            field(sb, "capacity_bytes", s.capacityBytes());
            field(sb, "space_efficiency", String.format(Locale.ROOT, "%.4f", s.spaceEfficiency()));
            field(sb, "regions", s.regions());
            field(sb, "free_regions", s.freeRegions());
            field(sb, "size_classes", s.classes().size());
            field(sb, "puts_stored", s.putsStored());
            field(sb, "puts_failed", s.putsFailed());
            field(sb, "checksum_failures", s.checksumFailures());
            field(sb, "read_errors", s.readErrors());
            field(sb, "write_errors", s.writeErrors());
            field(sb, "in_flight_io", s.inFlightIo());
        }
        return sb.toString();
    }

    private static void header(StringBuilder sb, String name) {
        if (!sb.isEmpty()) sb.append("\r\n");
        sb.append("# ").append(name).append("\r\n");
    }

    private static void field(StringBuilder sb, String name, Object value) {
        sb.append(name).append(':').append(value).append("\r\n");
    }
}
