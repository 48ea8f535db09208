package dev.rawblock.server.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * The topology as Redis 7 reports it in CLUSTER SLOTS, SHARDS, NODES and INFO (shapes recorded
 * from redis-server 7.0.15, field for field). Every node is a master without replicas, seen as up.
 */
final class ClusterReplies {
    private ClusterReplies() {
    }

    /**
     * CLUSTER SLOTS: one entry per range of consecutive slots, in slot order:
     * {@code [start, end, [host, port, id, {}]]}; the last element, a map of other networking
     * metadata (hostname), is empty, because clients are given the host as written in the list.
     */
    static Reply slots(Topology topology) {
        List<Ranged> ranges = new ArrayList<>();
        for (ClusterNode node : topology.nodes()) for (SlotRange r : node.slots()) ranges.add(new Ranged(r, node));
        ranges.sort((a, b) -> Integer.compare(a.range.start(), b.range.start()));
        List<Reply> entries = new ArrayList<>();
        for (Ranged r : ranges) {
            entries.add(Reply.array(List.of(Reply.integer(r.range.start()), Reply.integer(r.range.end()),
                    Reply.array(List.of(Reply.bulk(r.node.host()), Reply.integer(r.node.port()), Reply.bulk(r.node.id()),
                            new Reply.Map(List.of()))))));
        }
        return Reply.array(entries);
    }

    private record Ranged(SlotRange range, ClusterNode node) {
    }

    /**
     * CLUSTER SHARDS: one map per node that has slots, {@code {slots: [start, end, ...], nodes:
     * [{id, port, ip, endpoint, role, replication-offset, health}]}}.
     */
    static Reply shards(Topology topology) {
        List<Reply> shards = new ArrayList<>();
        for (ClusterNode node : topology.nodes()) {
            if (node.slots().isEmpty()) continue;
            List<Reply> slots = new ArrayList<>();
            for (SlotRange r : node.slots()) {
                slots.add(Reply.integer(r.start()));
                slots.add(Reply.integer(r.end()));
            }
            Reply member = Reply.map("id", Reply.bulk(node.id()), "port", Reply.integer(node.port()),
                    "ip", Reply.bulk(node.host()), "endpoint", Reply.bulk(node.host()), "role", Reply.bulk("master"),
                    "replication-offset", Reply.integer(0), "health", Reply.bulk("online"));
            shards.add(Reply.map("slots", Reply.array(slots), "nodes", Reply.array(List.of(member))));
        }
        return Reply.array(shards);
    }

    /**
     * CLUSTER NODES: one line per node, each ending in "\n":
     * {@code <id> <host:port@cport> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slots>...}.
     * The bus port is 0 (there is no cluster bus) and so are the ping and pong times (no pings).
     */
    static String nodes(Topology topology) {
        StringBuilder sb = new StringBuilder();
        for (ClusterNode node : topology.nodes()) {
            sb.append(node.id()).append(' ').append(node.endpoint()).append("@0 ")
                    .append(node.equals(topology.self()) ? "myself,master" : "master")
                    .append(" - 0 0 ").append(node.epoch()).append(" connected");
            for (SlotRange r : node.slots()) sb.append(' ').append(r);
            sb.append('\n');
        }
        return sb.toString();
    }

    /** CLUSTER INFO: Redis 7's fields, each line ending in CRLF; no bus, so no messages. */
    static String info(Topology topology) {
        int known = topology.nodes().size();
        return "cluster_state:ok\r\n"
                + "cluster_slots_assigned:" + KeySlot.SLOTS + "\r\n"
                + "cluster_slots_ok:" + KeySlot.SLOTS + "\r\n"
                + "cluster_slots_pfail:0\r\n"
                + "cluster_slots_fail:0\r\n"
                + "cluster_known_nodes:" + known + "\r\n"
                + "cluster_size:" + topology.size() + "\r\n"
                + "cluster_current_epoch:" + known + "\r\n"
                + "cluster_my_epoch:" + topology.self().epoch() + "\r\n"
                + "cluster_stats_messages_sent:0\r\n"
                + "cluster_stats_messages_received:0\r\n"
                + "total_cluster_links_buffer_limit_exceeded:0\r\n";
    }
}
