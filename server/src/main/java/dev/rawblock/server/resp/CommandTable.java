package dev.rawblock.server.resp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.rawblock.server.resp.CommandSpec.block;
import static dev.rawblock.server.resp.CommandSpec.command;
import static dev.rawblock.server.resp.CommandSpec.integer;
import static dev.rawblock.server.resp.CommandSpec.key;
import static dev.rawblock.server.resp.CommandSpec.oneOf;
import static dev.rawblock.server.resp.CommandSpec.pattern;
import static dev.rawblock.server.resp.CommandSpec.string;
import static dev.rawblock.server.resp.CommandSpec.word;

/**
 * Every command rawblock serves, described as Redis 7.2 describes its own (flags, key positions,
 * ACL categories and tips are Redis's, so cluster clients route and redis-cli hints as they
 * would against Redis); the summaries say what rawblock does. The dispatcher checks a request's
 * arity here before it runs, and the {@code no_auth} flag says what runs before AUTH.
 *
 * <p>Every command {@link RespSession} dispatches needs its line here: one missing from the table
 * still runs once the connection is authenticated, but without the arity check, before
 * authentication it is an unknown command (as Redis says of any name it lacks), and COMMAND,
 * COMMAND DOCS (redis-cli's help) and COMMAND COUNT leave it out.
 */
final class CommandTable {
    private static final String O1 = "O(1)";
    private static final String[] CONNECTION = {"noscript", "loading", "stale"};

    /** EXPIRE and its kin: a key, a time, and the NX/XX/GT/LT condition of Redis 7. */
    private static CommandSpec expireCommand(String name, String since, String time, String summary) {
        return command(name, -3).flags("write", "fast").keys(1, 1, 1, "RW", "update").acl("@keyspace", "@write", "@fast")
                .docs("generic", since, O1, summary, key("key"), integer(time),
                        oneOf("condition", word("NX"), word("XX"), word("GT"), word("LT")).optional());
    }

    private static CommandSpec flushCommand(String name, String since, String summary) {
        return command(name, -1).flags("write").acl("@keyspace", "@write", "@slow", "@dangerous")
                .tips("request_policy:all_shards", "response_policy:all_succeeded")
                .docs("server", since, "O(N) where N is the total number of keys in all databases", summary,
                        oneOf("flush-type", word("ASYNC"), word("SYNC")).optional());
    }

    private static final List<CommandSpec> COMMANDS = List.of(
            // ---- data ----
            command("get", 2).flags("readonly", "fast").keys(1, 1, 1, "RO", "access").acl("@read", "@string", "@fast")
                    .docs("string", "1.0.0", O1, "Returns the value of a key, or nil when it is not stored.", key("key")),
            command("set", -3).flags("write", "denyoom").keys(1, 1, 1, "OW", "update").acl("@write", "@string", "@slow")
                    .docs("string", "1.0.0", O1, "Stores a value under a key, replacing any old value atomically;"
                            + " NX only when the key is absent, XX only when it is present; GET answers the old"
                            + " value; an expiry time is kept across restarts.",
                            key("key"), string("value"), oneOf("condition", word("NX"), word("XX")).optional(),
                            word("GET").optional(),
                            oneOf("expiration", integer("seconds").token("EX"), integer("milliseconds").token("PX"),
                                    integer("unix-time-seconds").token("EXAT"),
                                    integer("unix-time-milliseconds").token("PXAT"), word("KEEPTTL")).optional()),
            command("mget", -2).flags("readonly", "fast").keys(1, -1, 1, "RO", "access").acl("@read", "@string", "@fast")
                    .tips("request_policy:multi_shard")
                    .docs("string", "1.0.0", "O(N) where N is the number of keys to retrieve.",
                            "Returns the values of several keys, nil for each one not stored.", key("key").multiple()),
            command("mset", -3).flags("write", "denyoom").keys(1, -1, 2, "OW", "update").acl("@write", "@string", "@slow")
                    .tips("request_policy:multi_shard", "response_policy:all_succeeded")
                    .docs("string", "1.0.1", "O(N) where N is the number of keys to set.",
                            "Stores several key-value pairs, key by key (not atomically).",
                            block("data", key("key"), string("value")).multiple()),
            command("strlen", 2).flags("readonly", "fast").keys(1, 1, 1, "RO").acl("@read", "@string", "@fast")
                    .docs("string", "2.2.0", O1, "Returns the length of a stored value in bytes, 0 when it is not"
                            + " stored (from the index: the value is not read).", key("key")),
            command("exists", -2).flags("readonly", "fast").keys(1, -1, 1, "RO").acl("@keyspace", "@read", "@fast")
                    .tips("request_policy:multi_shard", "response_policy:agg_sum")
                    .docs("generic", "1.0.0", "O(N) where N is the number of keys to check.",
                            "Counts how many of the keys are stored.", key("key").multiple()),
            command("del", -2).flags("write").keys(1, -1, 1, "RM", "delete").acl("@keyspace", "@write", "@slow")
                    .tips("request_policy:multi_shard", "response_policy:agg_sum")
                    .docs("generic", "1.0.0", "O(N) where N is the number of keys that will be removed.",
                            "Deletes keys and counts the ones that were stored.", key("key").multiple()),
            command("unlink", -2).flags("write", "fast").keys(1, -1, 1, "RM", "delete")
                    .acl("@keyspace", "@write", "@fast").tips("request_policy:multi_shard", "response_policy:agg_sum")
                    .docs("generic", "4.0.0", "O(N) where N is the number of keys that will be removed.",
                            "Deletes keys, as DEL does.", key("key").multiple()),
            command("prefixhits", -2).flags("readonly", "fast").keys(1, -1, 1, "RO").acl("@keyspace", "@read", "@fast")
                    .docs("generic", "0.1.0", "O(N) where N is the number of keys checked.",
                            "Counts the leading keys that are stored, stopping at the first one that is not"
                            + " (rawblock's own: LMCache's prefix lookup in one round trip).", key("key").multiple()),
            command("type", 2).flags("readonly", "fast").keys(1, 1, 1, "RO").acl("@keyspace", "@read", "@fast")
                    .docs("generic", "1.0.0", O1, "Returns string for a stored key, none otherwise.", key("key")),
            command("ttl", 2).flags("readonly", "fast").keys(1, 1, 1, "RO", "access").acl("@keyspace", "@read", "@fast")
                    .tips("nondeterministic_output")
                    .docs("generic", "1.0.0", O1, "Returns the seconds a key has left: -1 when it has no expiry,"
                            + " -2 when it is not stored.", key("key")),
            command("pttl", 2).flags("readonly", "fast").keys(1, 1, 1, "RO", "access").acl("@keyspace", "@read", "@fast")
                    .tips("nondeterministic_output")
                    .docs("generic", "2.6.0", O1, "Returns the milliseconds a key has left: -1 when it has no expiry,"
                            + " -2 when it is not stored.", key("key")),
            expireCommand("expire", "1.0.0", "seconds", "Sets the seconds a key has left (journaled, kept across"
                    + " restarts); a time in the past deletes it."),
            expireCommand("pexpire", "2.6.0", "milliseconds", "Sets the milliseconds a key has left."),
            expireCommand("expireat", "1.2.0", "unix-time-seconds", "Sets the unix time at which a key goes."),
            expireCommand("pexpireat", "2.6.0", "unix-time-milliseconds",
                    "Sets the unix time, in milliseconds, at which a key goes."),
            command("persist", 2).flags("write", "fast").keys(1, 1, 1, "RW", "update").acl("@keyspace", "@write", "@fast")
                    .docs("generic", "2.2.0", O1, "Removes a key's expiry time: 1 when it had one.", key("key")),
            command("expiretime", 2).flags("readonly", "fast").keys(1, 1, 1, "RO", "access")
                    .acl("@keyspace", "@read", "@fast")
                    .docs("generic", "7.0.0", O1, "Returns the unix time at which a key goes: -1 when it has no"
                            + " expiry, -2 when it is not stored.", key("key")),
            command("pexpiretime", 2).flags("readonly", "fast").keys(1, 1, 1, "RO", "access")
                    .acl("@keyspace", "@read", "@fast")
                    .docs("generic", "7.0.0", O1, "Returns the unix time in milliseconds at which a key goes: -1 when"
                            + " it has no expiry, -2 when it is not stored.", key("key")),
            command("scan", -2).flags("readonly").acl("@keyspace", "@read", "@slow")
                    .tips("nondeterministic_output", "request_policy:special", "response_policy:special")
                    .docs("generic", "2.8.0", "O(1) for every call. O(N) for a complete iteration.",
                            "Lists the stored keys a page at a time, in slot order, reading them from slot headers.",
                            integer("cursor"), pattern("pattern").token("MATCH").optional(),
                            integer("count").token("COUNT").optional(), string("type").token("TYPE").optional()),
            command("keys", 2).flags("readonly").acl("@keyspace", "@read", "@slow", "@dangerous")
                    .tips("request_policy:all_shards", "nondeterministic_output")
                    .docs("generic", "1.0.0", "O(N) with N being the number of keys in the database",
                            "Returns every stored key that matches, reading all slot headers.", pattern("pattern")),
            command("randomkey", 1).flags("readonly").acl("@keyspace", "@read", "@slow")
                    .tips("request_policy:all_shards", "response_policy:special", "nondeterministic_output")
                    .docs("generic", "1.0.0", O1, "Returns a stored key chosen at random, nil when there is none."),
            flushCommand("flushall", "1.0.0", "Deletes every key, durably (one journal record)."),
            flushCommand("flushdb", "1.0.0", "Deletes every key of database 0, the only one, as FLUSHALL does."),
            // ---- cluster (ClusterGate answers these; standalone, with Redis's "cluster support disabled") ----
            command("cluster", -2).acl("@slow")
                    .docs("cluster", "3.0.0", "Depends on subcommand.", "The Redis Cluster commands: SLOTS, SHARDS,"
                            + " NODES, INFO, MYID, MYSHARDID, KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT, REPLICAS, LINKS,"
                            + " HELP; the topology is fixed by serve's --cluster-nodes.", string("subcommand"),
                            string("arg").optional().multiple()),
            command("readonly", 1).flags("loading", "stale", "fast").acl("@fast", "@connection")
                    .docs("cluster", "3.0.0", O1, "Answers OK (there are no replicas to read from)."),
            command("readwrite", 1).flags("loading", "stale", "fast").acl("@fast", "@connection")
                    .docs("cluster", "3.0.0", O1, "Answers OK."),
            command("asking", 1).flags("fast").acl("@fast", "@connection")
                    .docs("cluster", "3.0.0", O1, "Answers OK (slots never migrate between running nodes)."),
            command("dbsize", 1).flags("readonly", "fast").acl("@keyspace", "@read", "@fast")
                    .tips("request_policy:all_shards", "response_policy:agg_sum")
                    .docs("server", "1.0.0", O1, "Returns the number of keys stored."),
            command("wait", 3).flags("noscript").acl("@slow", "@connection")
                    .tips("request_policy:all_shards", "response_policy:agg_min")
                    .docs("generic", "3.0.0", O1, "Returns the number of replicas that acknowledged the writes: 0 at"
                            + " once, since rawblock has none (every write is durable when it is acknowledged).",
                            integer("numreplicas"), integer("timeout")),
            // ---- connection ----
            command("ping", -1).flags("fast").acl("@fast", "@connection")
                    .tips("request_policy:all_shards", "response_policy:all_succeeded")
                    .docs("connection", "1.0.0", O1, "Answers PONG, or the message.", string("message").optional()),
            command("echo", 2).flags("loading", "stale", "fast").acl("@fast", "@connection")
                    .docs("connection", "1.0.0", O1, "Answers the message.", string("message")),
            command("auth", -2).flags("noscript", "loading", "stale", "fast", "no_auth", "allow_busy")
                    .acl("@fast", "@connection")
                    .docs("connection", "1.0.0", "O(N) where N is the number of passwords defined for the user",
                            "Authenticates the connection (the only user is default).",
                            string("username").optional(), string("password")),
            command("hello", -1).flags("noscript", "loading", "stale", "fast", "no_auth", "allow_busy")
                    .acl("@fast", "@connection")
                    .docs("connection", "6.0.0", O1, "Chooses RESP2 or RESP3, optionally authenticates and names"
                            + " the connection, and describes the server.",
                            block("arguments", integer("protover"),
                                    block("username_password", string("username"), string("password"))
                                            .token("AUTH").optional(),
                                    string("clientname").token("SETNAME").optional()).optional()),
            command("select", 2).flags("loading", "stale", "fast").acl("@fast", "@connection")
                    .docs("connection", "1.0.0", O1, "Selects database 0, the only one.", integer("index")),
            command("quit", -1).flags("noscript", "loading", "stale", "fast", "no_auth", "allow_busy")
                    .acl("@fast", "@connection")
                    .docs("connection", "1.0.0", O1, "Answers OK and closes the connection."),
            command("client", -2).acl("@slow")
                    .sub(command("client|getname", 2).flags(CONNECTION).acl("@slow", "@connection")
                            .docs("connection", "2.6.9", O1, "Returns the connection's name, nil when it has none."))
                    .sub(command("client|help", 2).flags("loading", "stale").acl("@slow", "@connection")
                            .docs("connection", "5.0.0", O1, "Lists the CLIENT subcommands."))
                    .sub(command("client|id", 2).flags(CONNECTION).acl("@slow", "@connection")
                            .docs("connection", "5.0.0", O1, "Returns the connection's id."))
                    .sub(command("client|info", 2).flags(CONNECTION).acl("@slow", "@connection")
                            .tips("nondeterministic_output")
                            .docs("connection", "6.2.0", O1, "Describes this connection in one CLIENT LIST line."))
                    .sub(command("client|list", -2).flags("admin", "noscript", "loading", "stale")
                            .acl("@admin", "@slow", "@dangerous", "@connection").tips("nondeterministic_output")
                            .docs("connection", "2.4.0", "O(N) where N is the number of client connections",
                                    "Describes the open RESP connections, one line each.",
                                    oneOf("client-type", word("normal"), word("master"), word("replica"),
                                            word("pubsub")).token("TYPE").optional(),
                                    integer("client-id").token("ID").optional().multiple()))
                    .sub(command("client|setinfo", 4).flags(CONNECTION).acl("@slow", "@connection")
                            .tips("request_policy:all_nodes", "response_policy:all_succeeded")
                            .docs("connection", "7.2.0", O1, "Records the client library's name or version, shown by"
                                    + " CLIENT LIST.", oneOf("attr", string("libname").token("lib-name"),
                                    string("libver").token("lib-ver"))))
                    .sub(command("client|setname", 3).flags(CONNECTION).acl("@slow", "@connection")
                            .docs("connection", "2.6.9", O1, "Names the connection (an empty name removes it).",
                                    string("connection-name")))
                    .docs("connection", "2.4.0", "Depends on subcommand.", "A container for connection commands."),
            // ---- server ----
            command("info", -1).flags("loading", "stale").acl("@slow", "@dangerous")
                    .tips("nondeterministic_output", "request_policy:all_shards", "response_policy:special")
                    .docs("server", "1.0.0", O1, "Describes the server and the store, by section (Redis's sections"
                            + " and a Rawblock one).", string("section").optional().multiple()),
            command("command", -1).flags("loading", "stale").acl("@slow", "@connection")
                    .tips("nondeterministic_output_order")
                    .sub(command("command|count", 2).flags("loading", "stale").acl("@slow", "@connection")
                            .docs("server", "2.8.13", O1, "Returns the number of commands."))
                    .sub(command("command|docs", -2).flags("loading", "stale").acl("@slow", "@connection")
                            .tips("nondeterministic_output_order")
                            .docs("server", "7.0.0", "O(N) where N is the number of commands to look up",
                                    "Documents the commands named, or all of them.",
                                    string("command-name").optional().multiple()))
                    .sub(command("command|getkeys", -3).flags("loading", "stale").acl("@slow", "@connection")
                            .docs("server", "2.8.13", "O(N) where N is the number of arguments to the command",
                                    "Returns the keys of a full command.", string("command"),
                                    string("arg").optional().multiple()))
                    .sub(command("command|help", 2).flags("loading", "stale").acl("@slow", "@connection")
                            .docs("server", "5.0.0", O1, "Lists the COMMAND subcommands."))
                    .sub(command("command|info", -2).flags("loading", "stale").acl("@slow", "@connection")
                            .tips("nondeterministic_output_order")
                            .docs("server", "2.8.13", "O(N) where N is the number of commands to look up",
                                    "Describes the commands named, or all of them.",
                                    string("command-name").optional().multiple()))
                    .sub(command("command|list", -2).flags("loading", "stale").acl("@slow", "@connection")
                            .tips("nondeterministic_output_order")
                            .docs("server", "7.0.0", "O(N) where N is the total number of commands",
                                    "Lists the command names, optionally only those of an ACL category or a pattern.",
                                    oneOf("filterby", string("module-name").token("MODULE"),
                                            string("category").token("ACLCAT"), pattern("pattern").token("PATTERN"))
                                            .token("FILTERBY").optional()))
                    .docs("server", "2.8.13", "O(N) where N is the total number of commands",
                            "Describes every command."),
            command("config", -2).acl("@slow")
                    .sub(command("config|get", -3).flags("admin", "noscript", "loading", "stale")
                            .acl("@admin", "@slow", "@dangerous")
                            .docs("server", "2.0.0", "O(N) when N is the number of configuration parameters provided",
                                    "Returns the parameters matching the patterns (a few Redis ones, with the values"
                                    + " that describe rawblock).", string("parameter").multiple()))
                    .sub(command("config|help", 2).flags("loading", "stale").acl("@slow")
                            .docs("server", "5.0.0", O1, "Lists the CONFIG subcommands."))
                    .sub(command("config|set", -4).flags("admin", "noscript", "loading", "stale")
                            .acl("@admin", "@slow", "@dangerous")
                            .tips("request_policy:all_nodes", "response_policy:all_succeeded")
                            .docs("server", "2.0.0", "O(N) when N is the number of configuration parameters provided",
                                    "Refused: rawblock is configured by its options and config file.",
                                    block("data", string("parameter"), string("value")).multiple()))
                    .docs("server", "2.0.0", "Depends on subcommand.", "A container for configuration commands."));

    private static final Map<String, CommandSpec> BY_NAME = new LinkedHashMap<>();

    static {
        for (CommandSpec c : COMMANDS) BY_NAME.put(c.name(), c);
    }

    private CommandTable() {
    }

    /** The command named {@code name} (any case), or null. */
    static CommandSpec lookup(String name) {
        return BY_NAME.get(name.toLowerCase(Locale.ROOT));
    }

    /** Every command, in the table's order. */
    static List<CommandSpec> all() {
        return COMMANDS;
    }
}
