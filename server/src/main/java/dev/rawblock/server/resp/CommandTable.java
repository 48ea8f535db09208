package dev.rawblock.server.resp;

import dev.rawblock.server.cluster.KeySpec;
import dev.rawblock.server.cluster.KeySpecs;
import dev.rawblock.server.cluster.Reply;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code COMMAND} and {@code COMMAND INFO} tell clients: the commands {@link RespSession}
 * serves, each as Redis 7's ten-element entry {@code [name, arity, flags, first key, last key, step,
 * ACL categories, tips, key specs, subcommands]}. Cluster clients that route by it need it:
 * redis-py's {@code RedisCluster} finds every command's keys from this table, and refuses a command
 * it does not list. The keyed commands' positions come from {@link KeySpecs}, which routing uses
 * too, so a client and the server agree on where the keys are.
 */
final class CommandTable {
    /** Commands without keys: name to {arity, flags..., categories...} (categories start with '@'). */
    private static final Map<String, List<String>> KEYLESS = new LinkedHashMap<>();
    /** Keyed commands served (their specs are in {@link KeySpecs}). */
    private static final List<String> KEYED = List.of("GET", "SET", "MGET", "MSET", "EXISTS", "DEL", "UNLINK",
            "PREFIXHITS");

    static {
        keyless("DBSIZE", "1", "readonly", "fast", "@keyspace", "@read", "@fast");
        keyless("PING", "-1", "fast", "@fast", "@connection");
        keyless("ECHO", "2", "fast", "@fast", "@connection");
        keyless("AUTH", "-2", "noscript", "loading", "stale", "fast", "no_auth", "allow_busy", "@fast", "@connection");
        keyless("HELLO", "-1", "noscript", "loading", "stale", "fast", "no_auth", "allow_busy", "@fast", "@connection");
        keyless("SELECT", "2", "loading", "stale", "fast", "@keyspace", "@fast");
        keyless("CLIENT", "-2", "@slow");
        keyless("COMMAND", "-1", "loading", "stale", "@slow", "@connection");
        keyless("CONFIG", "-2", "@slow");
        keyless("INFO", "-1", "loading", "stale", "@slow", "@dangerous");
        keyless("QUIT", "-1", "noscript", "loading", "stale", "fast", "no_auth", "allow_busy", "@fast", "@connection");
        keyless("CLUSTER", "-2", "@slow");
        keyless("READONLY", "1", "loading", "stale", "fast", "@fast", "@connection");
        keyless("READWRITE", "1", "loading", "stale", "fast", "@fast", "@connection");
        keyless("ASKING", "1", "fast", "@fast", "@connection");
    }

    private CommandTable() {
    }

    private static void keyless(String name, String... arityFlagsCategories) {
        KEYLESS.put(name, List.of(arityFlagsCategories));
    }

    /** How many commands there are (for COMMAND COUNT, which RespSession still answers 0 while COMMAND DOCS is being built). */
    static int size() {
        return KEYED.size() + KEYLESS.size();
    }

    /**
     * {@code COMMAND} and {@code COMMAND INFO} without names: every entry; {@code COMMAND INFO
     * name...}: each one's entry, or nil for a name not served, as Redis answers. Other
     * subcommands: an empty array, as before this table existed.
     */
    static void write(RespWriter writer, RespRequest r) throws IOException {
        String sub = r.size() > 1 ? r.arg(1).text().toUpperCase(Locale.ROOT) : "";
        List<Reply> entries = new ArrayList<>();
        if (sub.equals("INFO") && r.size() > 2) {
            for (int i = 2; i < r.size(); i++) entries.add(entry(r.arg(i).text().toUpperCase(Locale.ROOT)));
        } else if (sub.isEmpty() || sub.equals("INFO")) {
            for (String name : KEYED) entries.add(entry(name));
            for (String name : KEYLESS.keySet()) entries.add(entry(name));
        }
        writer.array(entries.size());
        for (Reply entry : entries) {
            if (entry == null) writer.nullBulk();
            else ClusterGate.write(writer, entry);
        }
    }

    /** The entry of {@code name} (upper case), or null when it is not served. */
    private static Reply entry(String name) {
        List<String> keyless = KEYLESS.get(name);
        if (keyless != null) {
            List<String> flags = keyless.subList(1, keyless.size()).stream().filter(f -> !f.startsWith("@")).toList();
            List<String> categories = keyless.stream().filter(f -> f.startsWith("@")).toList();
            return entry(name, Integer.parseInt(keyless.getFirst()), flags, 0, 0, 0, categories, List.of());
        }
        KeySpec spec = KEYED.contains(name) ? KeySpecs.of(name) : null;
        if (spec == null) return null;
        return entry(name, spec.arity(), spec.flags(), spec.first(), spec.last(), spec.step(), spec.categories(),
                List.of(keySpec(spec)));
    }

    private static Reply entry(String name, int arity, List<String> flags, int first, int last, int step,
                               List<String> categories, List<Reply> keySpecs) {
        return Reply.array(List.of(new Reply.Bulk(name.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8)),
                Reply.integer(arity), simpleSet(flags), Reply.integer(first), Reply.integer(last), Reply.integer(step),
                simpleSet(categories), new Reply.Set(List.of()), new Reply.Set(keySpecs), new Reply.Set(List.of())));
    }

    /**
     * Redis 7's key specification of a command whose keys are a range: where the first key is, and
     * the last as an offset from it. Its access flags are coarse: read-only, deleting, or updating.
     */
    private static Reply keySpec(KeySpec spec) {
        List<String> flags = spec.flags().contains("readonly") ? List.of("RO", "access")
                : spec.name().equals("DEL") || spec.name().equals("UNLINK") ? List.of("RM", "delete")
                : List.of("RW", "update");
        int lastKey = spec.last() < 0 ? spec.last() : spec.last() - spec.first();
        return Reply.map("flags", simpleSet(flags),
                "begin_search", Reply.map("type", Reply.bulk("index"), "spec", Reply.map("index", Reply.integer(spec.first()))),
                "find_keys", Reply.map("type", Reply.bulk("range"), "spec", Reply.map("lastkey", Reply.integer(lastKey),
                        "keystep", Reply.integer(spec.step()), "limit", Reply.integer(0))));
    }

    private static Reply simpleSet(List<String> words) {
        List<Reply> items = new ArrayList<>();
        for (String w : words) items.add(new Reply.Simple(w));
        return new Reply.Set(items);
    }
}
