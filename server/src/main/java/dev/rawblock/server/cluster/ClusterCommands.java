package dev.rawblock.server.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * CLUSTER and its companions READONLY, READWRITE and ASKING, with Redis 7's replies (recorded
 * from redis-server 7.0.15). Without a topology (standalone) they answer as a Redis without
 * cluster support does: {@code -ERR This instance has cluster support disabled}.
 *
 * <p>What the fixed cluster has to say: every node is a master with no replicas, every other node
 * is taken as connected (there is no gossip to learn otherwise), no slot ever migrates, and the
 * config epochs are the nodes' places in the list. The cluster bus port, which does not exist,
 * is shown as 0.
 */
public final class ClusterCommands {
    static final String DISABLED = "ERR This instance has cluster support disabled";
    private static final List<String> HELP = List.of(
            "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "COUNTKEYSINSLOT <slot>",
            "    Return the number of keys in <slot> (reads every key's header: O(N)).",
            "GETKEYSINSLOT <slot> <count>",
            "    Return key names stored by current node in a slot (O(N), as COUNTKEYSINSLOT).",
            "INFO",
            "    Return information about the cluster.",
            "KEYSLOT <key>",
            "    Return the hash slot for <key>.",
            "LINKS",
            "    Return information about all network links between this node and its peers (none: no bus).",
            "MYID",
            "    Return the node id.",
            "MYSHARDID",
            "    Return the node's shard id.",
            "NODES",
            "    Return cluster configuration seen by node. Output format:",
            "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
            "REPLICAS <node-id>",
            "    Return <node-id> replicas (none).",
            "SLOTS",
            "    Return information about slots range mappings. Each range is made of:",
            "    start, end, master and replicas IP addresses, ports and ids",
            "SHARDS",
            "    Return information about slot range mappings and the nodes associated with them.",
            "HELP",
            "    Prints this help.",
            "The topology is fixed by serve --cluster-nodes and --cluster-slots: no subcommand changes it.");
    /** Redis subcommands that change a topology, which rawblock's cannot. */
    private static final List<String> FIXED = List.of("ADDSLOTS", "ADDSLOTSRANGE", "BUMPEPOCH", "DELSLOTS",
            "DELSLOTSRANGE", "FAILOVER", "FLUSHSLOTS", "FORGET", "MEET", "REPLICATE", "RESET", "SAVECONFIG",
            "SET-CONFIG-EPOCH", "SETSLOT");
    private static final List<String> KNOWN = List.of("COUNTKEYSINSLOT", "GETKEYSINSLOT", "INFO", "KEYSLOT", "LINKS",
            "MYID", "MYSHARDID", "NODES", "REPLICAS", "SLAVES", "SLOTS", "SHARDS", "HELP", "COUNT-FAILURE-REPORTS");

    private final Topology topology;
    private final SlotKeys keys;

    /**
     * @param topology the cluster, or null when this server is standalone
     * @param keys     the store's keys by slot (only asked for by COUNTKEYSINSLOT and GETKEYSINSLOT)
     */
    public ClusterCommands(Topology topology, SlotKeys keys) {
        this.topology = topology;
        this.keys = keys;
    }

    /** Whether {@code command} is one of these (any case). */
    public static boolean handles(String command) {
        return switch (command.toUpperCase(Locale.ROOT)) {
            case "CLUSTER", "READONLY", "READWRITE", "ASKING" -> true;
            default -> false;
        };
    }

    /** Runs {@code words} (the command name first) and returns the reply. */
    public Reply execute(List<byte[]> words) {
        String command = text(words.getFirst()).toUpperCase(Locale.ROOT);
        if (!command.equals("CLUSTER")) {
            if (words.size() != 1) return wrongArity(command.toLowerCase(Locale.ROOT));
            // READONLY/READWRITE pick replica reads, ASKING a migrating slot: no replicas, no migrations.
            return topology == null ? Reply.error(DISABLED) : Reply.OK;
        }
        if (words.size() < 2) return wrongArity("cluster");
        String sub = text(words.get(1)).toUpperCase(Locale.ROOT);
        if (!KNOWN.contains(sub) && !FIXED.contains(sub)) {
            return Reply.error("ERR unknown subcommand '" + clip(text(words.get(1))) + "'. Try CLUSTER HELP.");
        }
        if (sub.equals("HELP")) return help(words);
        if (topology == null) return Reply.error(DISABLED);
        if (FIXED.contains(sub)) {
            return Reply.error("ERR CLUSTER " + sub + " is not supported: rawblock's cluster is fixed by serve "
                    + "--cluster-nodes and --cluster-slots (restart every node with a new list to change it)");
        }
        int arity = switch (sub) {
            case "KEYSLOT", "COUNTKEYSINSLOT", "REPLICAS", "SLAVES", "COUNT-FAILURE-REPORTS" -> 3;
            case "GETKEYSINSLOT" -> 4;
            default -> 2;
        };
        if (words.size() != arity) return wrongArity("cluster|" + sub.toLowerCase(Locale.ROOT));
        return switch (sub) {
            case "SLOTS" -> ClusterReplies.slots(topology);
            case "SHARDS" -> ClusterReplies.shards(topology);
            case "NODES" -> new Reply.Verbatim(ClusterReplies.nodes(topology));
            case "INFO" -> new Reply.Verbatim(ClusterReplies.info(topology));
            case "MYID" -> Reply.bulk(topology.self().id());
            case "MYSHARDID" -> Reply.bulk(topology.self().shardId());
            case "KEYSLOT" -> Reply.integer(KeySlot.of(words.get(2)));
            case "COUNTKEYSINSLOT" -> countKeys(words.get(2));
            case "GETKEYSINSLOT" -> getKeys(words.get(2), words.get(3));
            case "LINKS" -> Reply.array(List.of());
            case "REPLICAS", "SLAVES" -> replicas(text(words.get(2)));
            case "COUNT-FAILURE-REPORTS" -> known(text(words.get(2))) ? Reply.integer(0) : unknownNode(text(words.get(2)));
            default -> throw new AssertionError(sub);
        };
    }

    private Reply help(List<byte[]> words) {
        if (words.size() != 2) return wrongArity("cluster|help");
        List<Reply> lines = new ArrayList<>();
        for (String line : HELP) lines.add(new Reply.Simple(line));
        return Reply.array(lines);
    }

    private Reply countKeys(byte[] slotWord) {
        Long slot = integer(slotWord);
        if (slot == null) return Reply.error("ERR value is not an integer or out of range");
        if (slot < 0 || slot >= KeySlot.SLOTS) return Reply.error("ERR Invalid slot");
        return Reply.integer(keys.count(slot.intValue()));
    }

    private Reply getKeys(byte[] slotWord, byte[] countWord) {
        Long slot = integer(slotWord);
        Long max = integer(countWord);
        if (slot == null || max == null) return Reply.error("ERR value is not an integer or out of range");
        if (slot < 0 || slot >= KeySlot.SLOTS || max < 0) return Reply.error("ERR Invalid slot or number of keys");
        List<Reply> found = new ArrayList<>();
        for (byte[] key : keys.keys(slot.intValue(), max)) found.add(new Reply.Bulk(key));
        return Reply.array(found);
    }

    private Reply replicas(String id) {
        return known(id) ? Reply.array(List.of()) : unknownNode(id);
    }

    private boolean known(String id) {
        return topology.nodes().stream().anyMatch(n -> n.id().equalsIgnoreCase(id));
    }

    private static Reply unknownNode(String id) {
        return Reply.error("ERR Unknown node " + clip(id));
    }

    private static Reply wrongArity(String command) {
        return Reply.error("ERR wrong number of arguments for '" + command + "' command");
    }

    /** A whole decimal number as Redis parses one (no sign but '-', no spaces), or null. */
    private static Long integer(byte[] word) {
        String s = text(word);
        if (s.isEmpty() || s.length() > 20 || s.startsWith("+") || !s.equals(s.strip())) return null;
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** An argument echoed in an error, cut at 128 characters as Redis cuts it. */
    private static String clip(String s) {
        return s.length() > 128 ? s.substring(0, 128) : s;
    }

    private static String text(byte[] word) {
        return new String(word, StandardCharsets.UTF_8);
    }
}
