package dev.rawblock.server.cluster;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopologyTest {
    private static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");
    private static final String THREE = "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003";

    @Test
    void everyNodeFindsItselfAndAgreesOnTheRest() {
        Topology one = Topology.of(THREE, null, LOOPBACK, 7001);
        Topology two = Topology.of(THREE, null, LOOPBACK, 7002);
        assertEquals("127.0.0.1:7001", one.self().endpoint());
        assertEquals("127.0.0.1:7002", two.self().endpoint());
        assertEquals(one.nodes(), two.nodes(), "same ids, slots and epochs on every node");
        assertEquals(List.of(1, 2, 3), one.nodes().stream().map(ClusterNode::epoch).toList());
        assertTrue(one.owns(KeySlot.of("bar".getBytes())), "slot 5061 is node 1's");
        assertFalse(two.owns(KeySlot.of("bar".getBytes())));
        assertEquals("127.0.0.1:7003", two.owner(12182).endpoint());
        assertEquals(3, one.size());
        assertEquals("cluster node 2 of 3 (127.0.0.1:7002, id " + two.self().id() + "): 5462 slots 5461-10922",
                two.describe());
    }

    @Test
    void nodeIdsAreStableHex() {
        String id = NodeId.of("127.0.0.1:7001");
        assertTrue(id.matches("[0-9a-f]{40}"), id);
        // Pinned: a node's id must not change between versions, or a restarted node would be another node.
        assertEquals("88e0d2e280fd25bdfd6cefd7530e87c384301422", id);
        assertEquals(id, Topology.of(THREE, null, LOOPBACK, 7003).nodes().getFirst().id());
        assertNotEquals(id, NodeId.of("127.0.0.1:7002"));
        assertNotEquals(id, NodeId.shardOf("127.0.0.1:7001"));
    }

    @Test
    void namesAndWildcardBinds() throws Exception {
        assertEquals("localhost:7002", Topology.of("localhost:7001,localhost:7002", null, LOOPBACK, 7002)
                .self().endpoint());
        InetAddress any = InetAddress.getByName("0.0.0.0");
        assertEquals("127.0.0.1:7001", Topology.of("10.255.255.1:7001,127.0.0.1:7001", null, any, 7001).self().endpoint(),
                "a wildcard bind is whichever entry is an address of this machine");
        Topology v6 = Topology.of("[::1]:7001,[::1]:7002", null, InetAddress.getByName("::1"), 7002);
        assertEquals("::1", v6.self().host());
        assertEquals("::1:7002", v6.self().endpoint(), "MOVED writes an IPv6 host without brackets, as Redis does");
    }

    @Test
    void refusals() {
        assertEquals("cluster-nodes " + THREE + " does not name this node (127.0.0.1:7004, from --bind and --port): "
                + "start every node with the same list, each node in it once", message(() -> Topology.of(THREE, null, LOOPBACK, 7004)));
        assertEquals("cluster-nodes names this node (127.0.0.1:7001) twice: localhost:7001 and 127.0.0.1:7001",
                message(() -> Topology.of("localhost:7001,127.0.0.1:7001", null, LOOPBACK, 7001)));
        assertEquals("cluster-nodes names 127.0.0.1:7001 twice", message(() -> Topology.of("127.0.0.1:7001,127.0.0.1:7001",
                null, LOOPBACK, 7001)));
        assertEquals("cluster-nodes names LOCALHOST:7001 twice", message(() -> Topology.of("localhost:7001,LOCALHOST:7001",
                null, LOOPBACK, 7001)));
        assertEquals("cluster-nodes needs a fixed --port: 0 would pick a port the other nodes do not know",
                message(() -> Topology.of(THREE, null, LOOPBACK, 0)));
        assertEquals("cluster-nodes: '127.0.0.1' is not HOST:PORT (port 1..65535)",
                message(() -> Topology.of("127.0.0.1", null, LOOPBACK, 7001)));
        assertEquals("cluster-nodes: '127.0.0.1:70000' is not HOST:PORT (port 1..65535)",
                message(() -> Topology.of("127.0.0.1:70000", null, LOOPBACK, 7001)));
        assertEquals("cluster-nodes: write the IPv6 address of '::1:7001' in brackets, [ADDR]:PORT",
                message(() -> Topology.of("::1:7001", null, LOOPBACK, 7001)));
        assertEquals("cluster-nodes: '' is not HOST:PORT (port 1..65535)",
                message(() -> Topology.of("127.0.0.1:7001,", null, LOOPBACK, 7001)));
        assertTrue(message(() -> Topology.of(THREE, "127.0.0.1:7001=0-100", LOOPBACK, 7001))
                .startsWith("cluster-slots: slots 101-16383 are given to no node"));
    }

    @Test
    void explicitSlots() {
        Topology t = Topology.of(THREE, "127.0.0.1:7001=0-99,127.0.0.1:7002=100-16383", LOOPBACK, 7003);
        assertEquals(List.of(), t.self().slots());
        assertEquals(2, t.size(), "cluster_size counts the nodes serving slots");
        assertEquals("127.0.0.1:7001", t.owner(99).endpoint());
    }

    private static String message(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(IllegalArgumentException.class, e).getMessage();
    }
}
