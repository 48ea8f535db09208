package dev.rawblock.server.resp;

import dev.rawblock.server.ServerConfig;
import dev.rawblock.server.ServerContext;
import dev.rawblock.store.Eviction;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code CONFIG GET} of the parameters clients and tools probe (redis-benchmark asks for save
 * and appendonly, redis-cli for databases, cluster clients for cluster-enabled, monitoring for
 * maxmemory and maxmemory-policy), with the values that describe rawblock, matched by Redis's
 * case-insensitive glob patterns. Nothing can be set: rawblock is configured by its options and
 * config file, so CONFIG SET answers as Redis does for a parameter that cannot change at run time.
 */
final class ConfigCommand {
    private static final List<String> HELP = List.of(
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Refused: rawblock is configured by its options and config file.");

    /**
     * Parameter name to value, in the order CONFIG GET lists them. What each value means for a
     * disk store is in docs/server.md.
     */
    private static final Map<String, Function<Asked, String>> PARAMETERS = new LinkedHashMap<>();

    static {
        // No RDB snapshots and no AOF: every write is durable through the store's journal when acknowledged.
        PARAMETERS.put("save", a -> "");
        PARAMETERS.put("appendonly", a -> "no");
        PARAMETERS.put("databases", a -> "1");
        PARAMETERS.put("maxclients", a -> Integer.toString(a.context().config().maxConnections()));
        PARAMETERS.put("maxmemory", a -> Long.toString(a.context().values().store().stats().capacityBytes()));
        PARAMETERS.put("maxmemory-policy", a -> policy(a.context()));
        PARAMETERS.put("proto-max-bulk-len", a -> Long.toString(a.context().config().maxValueBytes()));
        PARAMETERS.put("timeout", a -> Long.toString(a.context().config().idleTimeout().toSeconds()));
        PARAMETERS.put("tcp-keepalive", a -> "300");
        PARAMETERS.put("bind", a -> ServerConfig.host(a.context().config().bind()));
        PARAMETERS.put("port", a -> Integer.toString(a.port()));
        PARAMETERS.put("protected-mode", a -> a.context().config().protectedMode() ? "yes" : "no");
        PARAMETERS.put("cluster-enabled", a -> RedisMode.clusterEnabled(a.context()) ? "yes" : "no");
        PARAMETERS.put("notify-keyspace-events", a -> "");
        PARAMETERS.put("replica-read-only", a -> "yes");
        PARAMETERS.put("slave-read-only", a -> "yes");
    }

    /** What a value is computed from: the server, and the port this connection reached (the configured one may be 0). */
    private record Asked(ServerContext context, int port) {
    }

    private final RespWriter writer;
    private final Asked asked;

    ConfigCommand(RespWriter writer, ServerContext context, int port) {
        this.writer = writer;
        this.asked = new Asked(context, port);
    }

    /** Redis's name for what the store does when a value finds no room. */
    static String policy(ServerContext context) {
        return context.resp().eviction() == Eviction.LRU ? "allkeys-lru" : "noeviction";
    }

    void run(RespRequest r) throws IOException {
        switch (r.arg(1).text().toUpperCase(Locale.ROOT)) {
            case "GET" -> get(r);
            case "SET" -> set(r);
            case "HELP" -> Help.send(writer, "CONFIG", HELP);
            default -> writer.error(CommandErrors.unknownSubcommand(r));
        }
    }

    /** CONFIG GET pattern...: each matching parameter once, as a map (a flat array in RESP2). */
    private void get(RespRequest r) throws IOException {
        Map<String, String> found = new LinkedHashMap<>();
        for (int i = 2; i < r.size(); i++) {
            String pattern = r.arg(i).text();
            for (var p : PARAMETERS.entrySet()) {
                if (!found.containsKey(p.getKey()) && Glob.matches(pattern, p.getKey(), true)) {
                    found.put(p.getKey(), p.getValue().apply(asked));
                }
            }
        }
        writer.map(found.size());
        for (var e : found.entrySet()) {
            writer.bulk(e.getKey());
            writer.bulk(e.getValue());
        }
    }

    private void set(RespRequest r) throws IOException {
        if (r.size() % 2 != 0) {
            writer.error(CommandErrors.wrongArity("config|set"));
            return;
        }
        for (int i = 2; i < r.size(); i += 2) {
            String name = r.arg(i).text();
            if (!PARAMETERS.containsKey(name.toLowerCase(Locale.ROOT))) {
                writer.error("ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'");
                return;
            }
        }
        writer.error("ERR CONFIG SET failed (possibly related to argument '" + r.arg(2).text()
                + "') - can't set immutable config");
    }
}
