package dev.rawblock.server.resp;

import dev.rawblock.server.ServerContext;
import dev.rawblock.server.ServerStats;
import dev.rawblock.store.MirrorStats;
import dev.rawblock.store.StoreStats;
import dev.rawblock.store.ValueMemory;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The text of {@code INFO}: Redis 7's sections, in Redis's order and with Redis's field names,
 * so clients and tools that parse it (glide needs {@code role:master}, LMCache reads
 * {@code used_memory} and {@code maxmemory}, cluster clients {@code cluster_enabled}) find what
 * they look for, and a {@code # Rawblock} section with the store's own statistics (the figures
 * of {@code rawblock stats}).
 *
 * <p>Every value is true of rawblock; what Redis's memory and persistence fields mean for a
 * store on a disk is in docs/server.md. In short: {@code used_memory} is the device space the
 * stored values take, {@code maxmemory} the store's capacity (so their ratio is how full it is),
 * and the {@code rdb_*} fields describe the store's checkpoints. Machinery rawblock does not
 * have (replicas, AOF, pub/sub, forks) reports as absent, as an idle Redis without it would.
 */
final class InfoReport {
    /**
     * The Redis version clients see (INFO, HELLO). Valkey reports this one too, for
     * compatibility, and it is the first with CLIENT SETINFO, which rawblock answers.
     */
    static final String REDIS_COMPATIBLE_VERSION = "7.2.4";
    /** Redis's sections, in the order it prints them; {@code rawblock} is ours. */
    private static final List<String> SECTIONS = List.of("server", "clients", "memory", "persistence", "stats",
            "replication", "cpu", "modules", "errorstats", "cluster", "keyspace", "rawblock");
    private static final String NO_REPLICATION_ID = "0".repeat(40);

    private InfoReport() {
    }

    /**
     * The sections asked for (any case, several allowed; none, {@code default}, {@code all} or
     * {@code everything} for all). A name that is no section adds nothing, as in Redis.
     *
     * @param port the port the asking connection reached (tcp_port)
     */
    static String render(ServerContext context, int port, List<String> asked) {
        Set<String> wanted = new TreeSet<>();
        if (asked.isEmpty()) wanted.addAll(SECTIONS);
        for (String a : asked) {
            String name = a.toLowerCase(Locale.ROOT);
            if (name.equals("default") || name.equals("all") || name.equals("everything")) wanted.addAll(SECTIONS);
            else wanted.add(name);
        }
        Text text = new Text();
        StoreStats s = context.values().store().stats();
        for (String section : SECTIONS) {
            if (!wanted.contains(section)) continue;
            switch (section) {
                case "server" -> server(text, context, port);
                case "clients" -> clients(text, context);
                case "memory" -> memory(text, context, s);
                case "persistence" -> persistence(text, s);
                case "stats" -> stats(text, context, s);
                case "replication" -> replication(text, context);
                case "cpu" -> cpu(text);
                case "modules" -> text.header("Modules"); // none are loaded
                case "errorstats" -> errorstats(text, context);
                case "cluster" -> text.header("Cluster").field("cluster_enabled", RedisMode.clusterEnabled(context) ? 1 : 0);
                case "keyspace" -> keyspace(text, s);
                case "rawblock" -> rawblock(text, s);
                default -> throw new IllegalStateException(section);
            }
        }
        return text.toString();
    }

    private static void server(Text t, ServerContext context, int port) {
        ServerStats n = context.stats();
        long uptime = n.uptimeSeconds();
        t.header("Server")
                .field("redis_version", REDIS_COMPATIBLE_VERSION)
                .field("rawblock_version", dev.rawblock.Version.get())
                .field("redis_mode", RedisMode.name(context))
                .field("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + machine())
                .field("arch_bits", System.getProperty("sun.arch.data.model", "64"))
                .field("multiplexing_api", "epoll") // what the JDK's socket poller uses on Linux
                .field("process_id", ProcessHandle.current().pid())
                .field("run_id", context.resp().runId())
                .field("tcp_port", port)
                .field("lm_port", context.config().lmPort())
                .field("server_time_usec", System.currentTimeMillis() * 1000)
                .field("uptime_in_seconds", uptime)
                .field("uptime_in_days", uptime / 86_400)
                .field("executable", ProcessHandle.current().info().command().orElse(""));
    }

    /** The machine as uname says it (the JDK says amd64 where Linux says x86_64). */
    private static String machine() {
        String arch = System.getProperty("os.arch");
        return arch.equals("amd64") ? "x86_64" : arch;
    }

    private static void clients(Text t, ServerContext context) {
        t.header("Clients")
                .field("connected_clients", context.stats().openConnections()) // RESP and lm:// together
                .field("cluster_connections", 0)
                .field("maxclients", context.config().maxConnections())
                .field("blocked_clients", 0)
                .field("tracking_clients", 0)
                .field("clients_in_timeout_table", 0);
    }

    private static void memory(Text t, ServerContext context, StoreStats s) {
        long rss = ProcessStats.residentBytes();
        long system = ProcessStats.systemMemoryBytes();
        ValueMemory memory = context.values().store().memory();
        t.header("Memory")
                .field("used_memory", s.usedSlotBytes())
                .field("used_memory_human", human(s.usedSlotBytes()))
                .field("used_memory_rss", rss)
                .field("used_memory_rss_human", human(rss))
                .field("used_memory_overhead", s.usedSlotBytes() - s.payloadBytes())
                .field("used_memory_dataset", s.payloadBytes())
                .field("total_system_memory", system)
                .field("total_system_memory_human", human(system))
                .field("maxmemory", s.capacityBytes())
                .field("maxmemory_human", human(s.capacityBytes()))
                .field("maxmemory_policy", ConfigCommand.policy(context))
                .field("value_buffer_bytes", context.values().budgetUsed())
                .field("value_buffer_budget", context.config().memoryBudget())
                .field("registered_memory_bytes", memory.registeredBytes())
                .field("registered_memory_free_bytes", memory.freeBytes())
                .field("unregistered_buffer_bytes", memory.outsideBytes())
                .field("index_memory_bytes", s.indexMemoryBytes());
    }

    private static void persistence(Text t, StoreStats s) {
        long lastCheckpoint = (System.currentTimeMillis() - s.lastCheckpointAgeMillis()) / 1000;
        t.header("Persistence")
                .field("loading", 0) // the store is recovered before the server listens
                .field("async_loading", 0)
                .field("rdb_changes_since_last_save", 0) // an acknowledged write is durable already
                .field("rdb_bgsave_in_progress", 0)
                .field("rdb_last_save_time", lastCheckpoint)
                .field("rdb_last_bgsave_status", s.checkpointFailures() == 0 ? "ok" : "err")
                .field("rdb_last_bgsave_time_sec", -1)
                .field("rdb_current_bgsave_time_sec", -1)
                .field("rdb_saves", s.checkpoints())
                .field("aof_enabled", 0)
                .field("aof_rewrite_in_progress", 0)
                .field("aof_rewrite_scheduled", 0)
                .field("aof_last_rewrite_time_sec", -1)
                .field("aof_current_rewrite_time_sec", -1)
                .field("aof_last_bgrewrite_status", "ok")
                .field("aof_rewrites", 0)
                .field("aof_last_write_status", "ok")
                .field("checkpoints", s.checkpoints())
                .field("checkpoint_failures", s.checkpointFailures())
                .field("journal_groups", s.journalGroups())
                .field("journal_fill", String.format(Locale.ROOT, "%.4f", s.journalFill()));
    }

    private static void stats(Text t, ServerContext context, StoreStats s) {
        ServerStats n = context.stats();
        t.header("Stats")
                .field("total_connections_received", n.acceptedConnections())
                .field("total_commands_processed", n.commands())
                .field("total_net_input_bytes", n.bytesIn())
                .field("total_net_output_bytes", n.bytesOut())
                .field("rejected_connections", n.refusedConnections())
                .field("expired_keys", s.expiredKeys())
                .field("expired_stale_perc", "0.00")
                .field("expired_time_cap_reached_count", 0)
                .field("evicted_keys", s.evictions())
                .field("evicted_clients", 0)
                .field("keyspace_hits", s.hits())
                .field("keyspace_misses", n.misses())
                .field("pubsub_channels", 0)
                .field("pubsub_patterns", 0)
                .field("pubsubshard_channels", 0)
                .field("latest_fork_usec", 0)
                .field("total_forks", 0)
                .field("total_error_replies", context.resp().errors().total())
                .field("idle_closed_connections", n.idleClosed())
                .field("protocol_errors", n.protocolErrors())
                .field("auth_failures", n.authFailures())
                .field("failed_puts", n.failedPuts());
    }

    private static void replication(Text t, ServerContext context) {
        t.header("Replication")
                .field("role", "master")
                .field("connected_slaves", 0)
                .field("master_failover_state", "no-failover")
                .field("master_replid", context.resp().replicationId())
                .field("master_replid2", NO_REPLICATION_ID)
                .field("master_repl_offset", 0)
                .field("second_repl_offset", -1)
                .field("repl_backlog_active", 0)
                .field("repl_backlog_size", 0)
                .field("repl_backlog_first_byte_offset", 0)
                .field("repl_backlog_histlen", 0);
    }

    private static void cpu(Text t) {
        ProcessStats.Cpu cpu = ProcessStats.cpu();
        t.header("CPU")
                .field("used_cpu_sys", seconds(cpu.sys()))
                .field("used_cpu_user", seconds(cpu.user()))
                .field("used_cpu_sys_children", seconds(cpu.childrenSys()))
                .field("used_cpu_user_children", seconds(cpu.childrenUser()));
    }

    private static void errorstats(Text t, ServerContext context) {
        t.header("Errorstats");
        for (Map.Entry<String, Long> e : context.resp().errors().byCode().entrySet()) {
            t.field("errorstat_" + e.getKey(), "count=" + e.getValue());
        }
    }

    private static void keyspace(Text t, StoreStats s) {
        t.header("Keyspace");
        // avg_ttl is Redis's estimate from sampling; rawblock does not sample, and 0 means "unknown" there too.
        if (s.entries() > 0) t.field("db0", "keys=" + s.entries() + ",expires=" + s.expiringEntries() + ",avg_ttl=0");
    }

    private static void rawblock(Text t, StoreStats s) {
        t.header("Rawblock")
                .field("entries", s.entries())
                .field("max_entries", s.maxEntries())
                .field("pinned_entries", s.pinnedEntries())
                .field("payload_bytes", s.payloadBytes())
                .field("used_slot_bytes", s.usedSlotBytes())
                .field("capacity_bytes", s.capacityBytes())
                .field("space_efficiency", String.format(Locale.ROOT, "%.4f", s.spaceEfficiency()))
                .field("regions", s.regions())
                .field("free_regions", s.freeRegions())
                .field("size_classes", s.classes().size())
                .field("puts_stored", s.putsStored())
                .field("puts_failed", s.putsFailed())
                .field("checksum_failures", s.checksumFailures())
                .field("read_errors", s.readErrors())
                .field("write_errors", s.writeErrors())
                .field("in_flight_io", s.inFlightIo())
                .field("small_value_cache_budget_bytes", s.smallValueCache().budgetBytes())
                .field("small_value_cache_entries", s.smallValueCache().entries())
                .field("small_value_cache_bytes", s.smallValueCache().bytes())
                .field("small_value_cache_hits", s.smallValueCache().hits())
                .field("small_value_cache_misses", s.smallValueCache().misses())
                .field("members", s.members().size());
        // Redis's own style for a list (as its slaveN lines): one line per device, its figures comma separated.
        for (int i = 0; i < s.members().size(); i++) {
            StoreStats.MemberStats m = s.members().get(i);
            t.field("member" + i, "path=" + m.path() + ",value_bytes=" + m.valueBytes() + ",used_slot_bytes="
                    + m.usedSlotBytes() + ",capacity_bytes=" + m.capacityBytes() + ",bytes_read=" + m.bytesRead()
                    + ",bytes_written=" + m.bytesWritten() + ",in_flight=" + m.inFlight());
        }
        MirrorStats mirror = s.mirror();
        if (mirror != null) {
            t.field("mirror_state", mirror.state())
                    .field("mirror_failed_member", mirror.failedMember())
                    .field("mirror_resynced_bytes", mirror.resyncedBytes())
                    .field("mirror_resynced_zones", mirror.resyncedZones())
                    .field("mirror_rebuilt_bytes", mirror.rebuiltBytes())
                    .field("mirror_rebuild_total_bytes", mirror.rebuildTotalBytes())
                    .field("mirror_marked_zones", mirror.markedZones());
        }
    }

    private static String seconds(double s) {
        return String.format(Locale.ROOT, "%.6f", s);
    }

    /** Redis's bytesToHuman: 1023B, 1.00K, 919.27K, 1.32M, 23.54G... */
    static String human(long n) {
        if (n < 1024) return n + "B";
        String units = "KMGTP";
        double d = n;
        for (int i = 0; i < units.length(); i++) {
            d /= 1024;
            if (d < 1024 || i == units.length() - 1) {
                return String.format(Locale.ROOT, "%.2f%c", d, units.charAt(i));
            }
        }
        throw new AssertionError();
    }

    /** INFO's layout: {@code # Section} headers, {@code name:value} lines, a blank line between sections. */
    private static final class Text {
        private final StringBuilder sb = new StringBuilder();

        Text header(String name) {
            if (!sb.isEmpty()) sb.append("\r\n");
            sb.append("# ").append(name).append("\r\n");
            return this;
        }

        Text field(String name, Object value) {
            sb.append(name).append(':').append(value).append("\r\n");
            return this;
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }
}
