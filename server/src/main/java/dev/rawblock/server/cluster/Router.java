package dev.rawblock.server.cluster;

import java.util.function.IntFunction;

/**
 * Decides, before a keyed command runs, whether this node may run it, as a Redis Cluster node
 * does: all its keys must hash to one slot ({@code -CROSSSLOT} otherwise, whoever owns them),
 * and that slot must be this node's ({@code -MOVED slot host:port} of its owner otherwise, which
 * clients follow and remember).
 *
 * <p>As in Redis, a request whose arity is wrong is left to the command, which says so; the
 * redirection comes before any other check of the arguments (a SET with a bad option for a key
 * of another node is MOVED, not a syntax error).
 */
public final class Router {
    static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";

    private Router() {
    }

    /**
     * The error to answer instead of running the command, or null to run it here (this node's
     * keys, or a command without keys). The keys are words {@code first}, {@code first + step},
     * ... up to {@code last} as Redis's {@code COMMAND} gives them (the name is word 0; a negative
     * {@code last} counts from the end); the request's arity has been checked.
     *
     * @param words how many words the request has, the command's name included
     * @param word  word {@code i} of the request (only key words are asked for)
     */
    public static String redirect(Topology topology, int first, int last, int step, int words, IntFunction<byte[]> word) {
        if (topology == null || first <= 0) return null;
        int lastKey = last >= 0 ? Math.min(last, words - 1) : words + last;
        int slot = -1;
        for (int i = first; i <= lastKey; i += step) {
            int s = KeySlot.of(word.apply(i));
            if (slot >= 0 && s != slot) return CROSSSLOT;
            slot = s;
        }
        if (slot < 0 || topology.owns(slot)) return null;
        return "MOVED " + slot + " " + topology.owner(slot).endpoint();
    }

    /** Whether {@code key} is this node's to serve: always when not in cluster mode ({@code topology} null). */
    public static boolean local(Topology topology, byte[] key) {
        return topology == null || topology.owns(key);
    }
}
