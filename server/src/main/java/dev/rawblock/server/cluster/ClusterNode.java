package dev.rawblock.server.cluster;

import java.util.List;

/**
 * One node of the cluster as every node sees it: where clients reach it, its id, and its slots.
 *
 * @param host  as written in {@code --cluster-nodes}; what CLUSTER SLOTS and MOVED tell clients
 * @param port  its RESP port
 * @param epoch its config epoch: its position in the list, from 1 (unique, as Redis requires of masters)
 */
public record ClusterNode(String host, int port, int epoch, List<SlotRange> slots) {
    public ClusterNode {
        slots = List.copyOf(slots);
    }

    /** {@code host:port}, as MOVED names it (an IPv6 host without brackets, as Redis writes it). */
    public String endpoint() {
        return host + ":" + port;
    }

    /** The node's 40-hex-character id (see {@link NodeId}). */
    public String id() {
        return NodeId.of(endpoint());
    }

    public String shardId() {
        return NodeId.shardOf(endpoint());
    }
}
