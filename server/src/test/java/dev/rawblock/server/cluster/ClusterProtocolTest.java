package dev.rawblock.server.cluster;

import dev.rawblock.server.ServerFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster commands' exact bytes on a raw socket, in RESP2 and RESP3, against a 3-node
 * loopback cluster: the shapes are redis-server 7.0.15's (recorded with the same requests), with
 * rawblock's node ids, no bus port and no ping times.
 */
class ClusterProtocolTest extends ServerFixture {
    private LocalCluster cluster;

    @BeforeEach
    void startCluster() throws IOException {
        cluster = LocalCluster.start(dir, 3, 256 * MIB);
    }

    @AfterEach
    void stopCluster() throws IOException {
        cluster.close();
    }

    private Socket node(int i) throws IOException {
        return connect(new InetSocketAddress("127.0.0.1", cluster.port(i)));
    }

    private Socket node(int i, int protocol) throws IOException {
        Socket s = node(i);
        if (protocol == 3) {
            send(s, command("HELLO", "3"));
            assertTrue(line(s).startsWith("%7"));
            for (int k = 0; k < 25; k++) line(s); // the HELLO map's 7 fields, the empty modules array last
        }
        return s;
    }

    private String id(int i) {
        return NodeId.of("127.0.0.1:" + cluster.port(i));
    }

    /** Sends {@code request} and checks that the reply is exactly {@code expected}, then nothing more (PING answers next). */
    private static void exchange(Socket s, byte[] request, String expected) throws IOException {
        send(s, request);
        String got = new String(read(s, expected.getBytes(StandardCharsets.UTF_8).length), StandardCharsets.UTF_8);
        assertEquals(expected, got);
        send(s, command("PING"));
        assertEquals("+PONG", line(s));
    }

    private String slotsReply(int protocol) {
        String empty = protocol == 3 ? "%0\r\n" : "*0\r\n";
        int[][] ranges = {{0, 5460}, {5461, 10922}, {10923, 16383}};
        StringBuilder sb = new StringBuilder("*3\r\n");
        for (int i = 0; i < 3; i++) {
            sb.append("*3\r\n:").append(ranges[i][0]).append("\r\n:").append(ranges[i][1]).append("\r\n*4\r\n$9\r\n127.0.0.1\r\n:")
                    .append(cluster.port(i)).append("\r\n$40\r\n").append(id(i)).append("\r\n").append(empty);
        }
        return sb.toString();
    }

    @Test
    void clusterSlots() throws IOException {
        for (int protocol : new int[] {2, 3}) {
            for (int n = 0; n < 3; n++) {
                try (Socket s = node(n, protocol)) {
                    exchange(s, command("CLUSTER", "SLOTS"), slotsReply(protocol));
                    exchange(s, command("cluster", "slots"), slotsReply(protocol));
                }
            }
        }
    }

    @Test
    void clusterShards() throws IOException {
        int[][] ranges = {{0, 5460}, {5461, 10922}, {10923, 16383}};
        for (int protocol : new int[] {2, 3}) {
            StringBuilder sb = new StringBuilder("*3\r\n");
            for (int i = 0; i < 3; i++) {
                sb.append(protocol == 3 ? "%2\r\n" : "*4\r\n").append("$5\r\nslots\r\n*2\r\n:").append(ranges[i][0])
                        .append("\r\n:").append(ranges[i][1]).append("\r\n$5\r\nnodes\r\n*1\r\n")
                        .append(protocol == 3 ? "%7\r\n" : "*14\r\n")
                        .append("$2\r\nid\r\n$40\r\n").append(id(i)).append("\r\n$4\r\nport\r\n:").append(cluster.port(i))
                        .append("\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n$4\r\nrole\r\n"
                                + "$6\r\nmaster\r\n$18\r\nreplication-offset\r\n:0\r\n$6\r\nhealth\r\n$6\r\nonline\r\n");
            }
            try (Socket s = node(1, protocol)) {
                exchange(s, command("CLUSTER", "SHARDS"), sb.toString());
            }
        }
    }

    @Test
    void clusterNodesAndInfoAreText() throws IOException {
        String nodes = id(0) + " 127.0.0.1:" + cluster.port(0) + "@0 master - 0 0 1 connected 0-5460\n"
                + id(1) + " 127.0.0.1:" + cluster.port(1) + "@0 myself,master - 0 0 2 connected 5461-10922\n"
                + id(2) + " 127.0.0.1:" + cluster.port(2) + "@0 master - 0 0 3 connected 10923-16383\n";
        String info = "cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n"
                + "cluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:3\r\ncluster_size:3\r\n"
                + "cluster_current_epoch:3\r\ncluster_my_epoch:2\r\ncluster_stats_messages_sent:0\r\n"
                + "cluster_stats_messages_received:0\r\ntotal_cluster_links_buffer_limit_exceeded:0\r\n";
        try (Socket s = node(1)) {
            exchange(s, command("CLUSTER", "NODES"), "$" + nodes.length() + "\r\n" + nodes + "\r\n");
            exchange(s, command("CLUSTER", "INFO"), "$" + info.length() + "\r\n" + info + "\r\n");
        }
        try (Socket s = node(1, 3)) { // RESP3: verbatim strings, as Redis 7 sends them
            exchange(s, command("CLUSTER", "NODES"), "=" + (nodes.length() + 4) + "\r\ntxt:" + nodes + "\r\n");
            exchange(s, command("CLUSTER", "INFO"), "=" + (info.length() + 4) + "\r\ntxt:" + info + "\r\n");
        }
    }

    @Test
    void smallSubcommandsAndTheirErrors() throws IOException {
        try (Socket s = node(2)) {
            exchange(s, command("CLUSTER", "MYID"), "$40\r\n" + id(2) + "\r\n");
            exchange(s, command("CLUSTER", "MYSHARDID"), "$40\r\n" + NodeId.shardOf("127.0.0.1:" + cluster.port(2)) + "\r\n");
            exchange(s, command("CLUSTER", "KEYSLOT", "foo"), ":12182\r\n");
            exchange(s, command("CLUSTER", "KEYSLOT", "{user1}.a"), ":8106\r\n");
            exchange(s, command("CLUSTER", "KEYSLOT"), "-ERR wrong number of arguments for 'cluster|keyslot' command\r\n");
            exchange(s, command("CLUSTER", "KEYSLOT", "a", "b"), "-ERR wrong number of arguments for 'cluster|keyslot' command\r\n");
            exchange(s, command("CLUSTER", "COUNTKEYSINSLOT", "16384"), "-ERR Invalid slot\r\n");
            exchange(s, command("CLUSTER", "COUNTKEYSINSLOT", "-1"), "-ERR Invalid slot\r\n");
            exchange(s, command("CLUSTER", "COUNTKEYSINSLOT", "x"), "-ERR value is not an integer or out of range\r\n");
            exchange(s, command("CLUSTER", "FOO"), "-ERR unknown subcommand 'FOO'. Try CLUSTER HELP.\r\n");
            exchange(s, command("CLUSTER"), "-ERR wrong number of arguments for 'cluster' command\r\n");
            exchange(s, command("CLUSTER", "REPLICAS", id(0)), "*0\r\n");
            exchange(s, command("CLUSTER", "LINKS"), "*0\r\n");
            for (String ok : new String[] {"READONLY", "READWRITE", "ASKING"}) exchange(s, command(ok), "+OK\r\n");
            exchange(s, command("READONLY", "x"), "-ERR wrong number of arguments for 'readonly' command\r\n");
            send(s, command("CLUSTER", "MEET", "127.0.0.1", "7000"));
            assertTrue(line(s).startsWith("-ERR CLUSTER MEET is not supported: rawblock's cluster is fixed"));
            send(s, command("CLUSTER", "HELP"));
            assertTrue(line(s).startsWith("*"));
        }
    }

    @Test
    void countKeysInSlotCountsThisNodesKeys() throws IOException {
        int owner = cluster.ownerOf("{t}".getBytes(StandardCharsets.UTF_8));
        try (Socket s = node(owner)) {
            for (String k : new String[] {"{t}1", "{t}2", "{t}3", "other"}) {
                send(s, command("SET", k, "v"));
                line(s);
            }
            int slot = KeySlot.of("t".getBytes(StandardCharsets.UTF_8));
            exchange(s, command("CLUSTER", "COUNTKEYSINSLOT", Integer.toString(slot)), ":3\r\n");
            exchange(s, command("CLUSTER", "COUNTKEYSINSLOT", Integer.toString((slot + 1) % 16384)), ":0\r\n");
            send(s, command("CLUSTER", "GETKEYSINSLOT", Integer.toString(slot), "2"));
            assertEquals("*2", line(s));
        }
        try (Socket s = node((owner + 1) % 3)) {
            int slot = KeySlot.of("t".getBytes(StandardCharsets.UTF_8));
            exchange(s, command("CLUSTER", "COUNTKEYSINSLOT", Integer.toString(slot)), ":0\r\n");
        }
    }

    @Test
    void keysOfOtherNodesAreMovedAndSpreadKeysCrossslot() throws IOException {
        // foo is slot 12182 (node 3), bar slot 5061 (node 1), {a}x and {a}y slot 15495 (node 3).
        String third = "127.0.0.1:" + cluster.port(2);
        try (Socket s = node(0)) {
            exchange(s, command("GET", "foo"), "-MOVED 12182 " + third + "\r\n");
            exchange(s, command("SET", "foo", "v", "BADOPTION"), "-MOVED 12182 " + third + "\r\n");
            exchange(s, command("STRLEN", "foo"), "-MOVED 12182 " + third + "\r\n");
            exchange(s, command("MSET", "{a}x", "1", "{a}y", "2"), "-MOVED 15495 " + third + "\r\n");
            exchange(s, command("GET", "bar"), "$-1\r\n");
            String cross = "-CROSSSLOT Keys in request don't hash to the same slot\r\n";
            exchange(s, command("MSET", "a", "1", "b", "2"), cross);
            exchange(s, command("MGET", "a", "b"), cross);
            exchange(s, command("EXISTS", "x", "y"), cross);
            exchange(s, command("DEL", "foo", "bar"), cross);
            exchange(s, command("UNLINK", "foo", "bar"), cross);
            exchange(s, command("PREFIXHITS", "foo", "bar"), cross);
            exchange(s, command("MSET", "a", "1", "b"), cross); // keys first, as Redis: CROSSSLOT before MSET's own arity
            // Arity comes before routing, as in Redis.
            exchange(s, command("GET"), "-ERR wrong number of arguments for 'get' command\r\n");
            exchange(s, command("GET", "a", "b"), "-ERR wrong number of arguments for 'get' command\r\n");
            exchange(s, command("MSET", "a"), "-ERR wrong number of arguments for 'mset' command\r\n");
            // Keyless commands run on the node asked.
            exchange(s, command("DBSIZE"), ":0\r\n");
        }
        try (Socket s = node(2)) {
            exchange(s, command("MSET", "{a}x", "1", "{a}y", "2"), "+OK\r\n");
            exchange(s, command("MGET", "{a}x", "{a}y"), "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
            exchange(s, command("DEL", "{a}x", "{a}y"), ":2\r\n");
        }
    }

    @Test
    void pipelinedRequestsAreRoutedOneByOne() throws IOException {
        // Node 1 owns bar (5061) and not foo (12182): a pipeline mixing them gets each its own answer, in order.
        String moved = "-MOVED 12182 127.0.0.1:" + cluster.port(2) + "\r\n";
        try (Socket s = node(0)) {
            java.io.ByteArrayOutputStream pipeline = new java.io.ByteArrayOutputStream();
            for (String[] c : new String[][] {{"SET", "bar", "1"}, {"SET", "foo", "2"}, {"SET", "{bar}2", "3"},
                    {"GET", "bar"}, {"GET", "foo"}, {"GET", "{bar}2"}, {"SET", "foo", "4"}, {"GET", "foo"}}) {
                pipeline.writeBytes(command(c));
            }
            exchange(s, pipeline.toByteArray(), "+OK\r\n" + moved + "+OK\r\n$1\r\n1\r\n" + moved + "$1\r\n3\r\n" + moved + moved);
        }
        try (Socket s = node(2)) {
            exchange(s, command("EXISTS", "foo"), ":0\r\n");
        }
    }

    @Test
    void infoHelloAndCommandSayCluster() throws IOException {
        try (Socket s = node(0)) {
            String section = "# Cluster\r\ncluster_enabled:1\r\n";
            exchange(s, command("INFO", "cluster"), "$" + section.length() + "\r\n" + section + "\r\n");
            send(s, command("INFO"));
            int length = Integer.parseInt(line(s).substring(1));
            String all = new String(read(s, length + 2), StandardCharsets.UTF_8);
            assertTrue(all.contains("redis_mode:cluster\r\n"), all);
            assertTrue(all.contains(section), all);
            send(s, command("HELLO", "2"));
            assertEquals("*14", line(s));
            StringBuilder hello = new StringBuilder();
            for (int i = 0; i < 25; i++) hello.append(line(s)).append('|');
            assertTrue(hello.toString().contains("$4|mode|$7|cluster|"), hello.toString());
            // COMMAND INFO: Redis 7's ten elements, with the key positions routing uses (MSET: 1, -1, step 2).
            send(s, command("COMMAND", "INFO", "mset"));
            assertEquals(List.of("*1", "*10", "$4", "mset", ":-3"), List.of(line(s), line(s), line(s), line(s), line(s)));
            int flags = Integer.parseInt(line(s).substring(1));
            for (int i = 0; i < flags; i++) line(s);
            assertEquals(List.of(":1", ":-1", ":2"), List.of(line(s), line(s), line(s)));
        }
    }
}
