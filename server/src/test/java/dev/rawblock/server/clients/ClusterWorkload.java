package dev.rawblock.server.clients;

import dev.rawblock.server.cluster.KeySlot;
import dev.rawblock.server.cluster.LocalCluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every cluster client test does, in its client's language, and how the test checks where
 * the keys went. The cluster is caught in the middle of a rolling restart onto a new slot map:
 * node 1 (the clients' seed) still has the even split, nodes 2 and 3 already moved slots
 * 8192-10922 from node 2 to node 3. A client that learned the map from node 1 sends those keys
 * to node 2, which answers MOVED to node 3: every client must follow it.
 *
 * <p>The keys: two in each of four ranges (node 1's, node 2's, the moved range, node 3's), with
 * values of 1 MiB and 4 MiB alternating; byte j of a value is {@code (j * 31 + h) & 0xff}, with h
 * the sum of the key's bytes (so a value proves which key it belongs to, and every language can
 * make it). The first key of each range is deleted at the end; the others stay. Besides, hash
 * tags: {@code {user1}.a} and {@code {user1}.b} must land on one node.
 */
final class ClusterWorkload {
    static final long MIB = 1 << 20;
    /** Nodes 2 and 3's map: node 3 has taken 8192-10922 from node 2. */
    static final String GROWN = "127.0.0.1:%1$d=0-5460,127.0.0.1:%2$d=5461-8191,127.0.0.1:%3$d=8192-16383";
    private static final int[][] RANGES = {{0, 5460}, {5461, 8191}, {8192, 10922}, {10923, 16383}};

    private ClusterWorkload() {
    }

    static LocalCluster start(Path dir, String requirePass) throws IOException {
        return LocalCluster.start(dir, 256 * MIB, Arrays.asList(null, GROWN, GROWN), requirePass);
    }

    /** Eight keys named {@code prefix-N}: two per range, in range order. */
    static List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        int[] found = new int[RANGES.length];
        for (int i = 0; keys.size() < 2 * RANGES.length; i++) {
            String key = prefix + "-" + i;
            int slot = KeySlot.of(key.getBytes(StandardCharsets.UTF_8));
            for (int r = 0; r < RANGES.length; r++) {
                if (slot >= RANGES[r][0] && slot <= RANGES[r][1] && found[r] < 2) {
                    found[r]++;
                    keys.add(key);
                }
            }
        }
        keys.sort((a, b) -> Integer.compare(range(a), range(b)));
        return keys;
    }

    private static int range(String key) {
        int slot = KeySlot.of(key.getBytes(StandardCharsets.UTF_8));
        for (int r = 0; r < RANGES.length; r++) if (slot <= RANGES[r][1]) return r;
        throw new AssertionError(slot);
    }

    /** The size of key {@code i}'s value: 1 MiB, 4 MiB, 1 MiB, ... */
    static int size(int i) {
        return (int) (i % 2 == 0 ? MIB : 4 * MIB);
    }

    static byte[] value(String key, int size) {
        int h = 0;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) h += b & 0xff;
        byte[] v = new byte[size];
        for (int j = 0; j < size; j++) v[j] = (byte) (j * 31 + h);
        return v;
    }

    /** Whether key {@code i} is deleted at the end (the first of each range). */
    static boolean deleted(int i) {
        return i % 2 == 0;
    }

    /** Checks where the client's keys are: on their owners under the new map, deleted ones nowhere, every node used. */
    static void verify(LocalCluster cluster, List<String> keys) {
        for (int i = 0; i < keys.size(); i++) {
            byte[] key = keys.get(i).getBytes(StandardCharsets.UTF_8);
            int owner = cluster.ownerOf(key, 1);
            for (int n = 0; n < cluster.size(); n++) {
                boolean there = cluster.store(n).existsMany(List.of(key), false)[0];
                assertEquals(!deleted(i) && n == owner, there, keys.get(i) + " on node " + n + " (owner " + owner + ")");
            }
        }
        for (int n = 0; n < cluster.size(); n++) {
            assertTrue(cluster.store(n).stats().entries() > 0, "node " + n + " holds some of the keys");
        }
        byte[] a = "{user1}.a".getBytes(StandardCharsets.UTF_8);
        byte[] b = "{user1}.b".getBytes(StandardCharsets.UTF_8);
        int owner = cluster.ownerOf(a, 1);
        assertTrue(cluster.store(owner).existsMany(List.of(a, b), false)[0], "{user1}.a on its owner");
        assertTrue(cluster.store(owner).existsMany(List.of(a, b), false)[1], "{user1}.b beside it");
    }
}
