package dev.rawblock.server.cluster;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The commands that name keys and where their keys are: what cluster routing checks, and what
 * {@code COMMAND} tells clients that route by it (redis-py's {@code RedisCluster} reads the key
 * positions from {@code COMMAND}). Positions, arities and flags are Redis 7's.
 *
 * <p>A keyed command missing here is served on whatever node receives it, for any key: add every
 * new keyed command. Besides rawblock's commands today this lists the string and expiry commands
 * of the Redis surface being added beside them, so they are routed as soon as they exist.
 */
public final class KeySpecs {
    private static final List<String> READ = List.of("readonly", "fast");
    private static final List<String> WRITE = List.of("write", "denyoom");
    private static final Map<String, KeySpec> SPECS = new LinkedHashMap<>();

    static {
        add("GET", 2, 1, 1, 1, READ, "@read", "@string", "@fast");
        add("SET", -3, 1, 1, 1, WRITE, "@write", "@string", "@slow");
        add("MGET", -2, 1, -1, 1, READ, "@read", "@string", "@fast");
        add("MSET", -3, 1, -1, 2, WRITE, "@write", "@string", "@slow");
        add("STRLEN", 2, 1, 1, 1, READ, "@read", "@string", "@fast");
        add("EXISTS", -2, 1, -1, 1, READ, "@keyspace", "@read", "@fast");
        add("DEL", -2, 1, -1, 1, List.of("write"), "@keyspace", "@write", "@slow");
        add("UNLINK", -2, 1, -1, 1, List.of("write", "fast"), "@keyspace", "@write", "@fast");
        // rawblock's own: the count of leading keys present (LMCache's prefix lookup in one round trip).
        add("PREFIXHITS", -2, 1, -1, 1, List.of("readonly"), "@keyspace", "@read", "@slow");
        // The Redis surface added beside this one (issue 12, part 1).
        add("TYPE", 2, 1, 1, 1, READ, "@keyspace", "@read", "@fast");
        add("TTL", 2, 1, 1, 1, READ, "@keyspace", "@read", "@fast");
        add("PTTL", 2, 1, 1, 1, READ, "@keyspace", "@read", "@fast");
        add("EXPIRETIME", 2, 1, 1, 1, READ, "@keyspace", "@read", "@fast");
        add("PEXPIRETIME", 2, 1, 1, 1, READ, "@keyspace", "@read", "@fast");
        add("EXPIRE", -3, 1, 1, 1, List.of("write", "fast"), "@keyspace", "@write", "@fast");
        add("PEXPIRE", -3, 1, 1, 1, List.of("write", "fast"), "@keyspace", "@write", "@fast");
        add("EXPIREAT", -3, 1, 1, 1, List.of("write", "fast"), "@keyspace", "@write", "@fast");
        add("PEXPIREAT", -3, 1, 1, 1, List.of("write", "fast"), "@keyspace", "@write", "@fast");
        add("PERSIST", 2, 1, 1, 1, List.of("write", "fast"), "@keyspace", "@write", "@fast");
        add("TOUCH", -2, 1, -1, 1, READ, "@keyspace", "@read", "@fast");
        add("GETDEL", 2, 1, 1, 1, List.of("write", "fast"), "@write", "@string", "@fast");
        add("GETEX", -2, 1, 1, 1, List.of("write", "fast"), "@write", "@string", "@fast");
        add("SETNX", 3, 1, 1, 1, List.of("write", "denyoom", "fast"), "@write", "@string", "@fast");
        add("SETEX", 4, 1, 1, 1, WRITE, "@write", "@string", "@slow");
        add("PSETEX", 4, 1, 1, 1, WRITE, "@write", "@string", "@slow");
    }

    private KeySpecs() {
    }

    private static void add(String name, int arity, int first, int last, int step, List<String> flags, String... categories) {
        SPECS.put(name, new KeySpec(name, arity, first, last, step, flags, List.of(categories)));
    }

    /** The spec of {@code command} (any case), or null for a command that names no keys. */
    public static KeySpec of(String command) {
        return SPECS.get(command.toUpperCase(Locale.ROOT));
    }

    public static Collection<KeySpec> all() {
        return SPECS.values();
    }
}
