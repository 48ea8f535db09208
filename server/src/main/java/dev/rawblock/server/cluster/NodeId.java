package dev.rawblock.server.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Node and shard ids: 40 lower-case hex characters, as Redis Cluster's. Redis draws them at random
 * and gossips them; rawblock has no gossip, so every node derives every id from the node's
 * {@code host:port} as written in {@code --cluster-nodes} (SHA-1 is 160 bits, exactly 40 hex
 * characters). All nodes, started with the same list, agree on all ids without talking to one
 * another, and a node keeps its id across restarts.
 */
public final class NodeId {
    private NodeId() {
    }

    /** The id of the node at {@code endpoint} ("host:port"). */
    public static String of(String endpoint) {
        return sha1Hex("rawblock node " + endpoint);
    }

    /** The id of the shard the node at {@code endpoint} forms alone (no replicas: one node per shard). */
    public static String shardOf(String endpoint) {
        return sha1Hex("rawblock shard " + endpoint);
    }

    private static String sha1Hex(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-1", e);
        }
    }
}
