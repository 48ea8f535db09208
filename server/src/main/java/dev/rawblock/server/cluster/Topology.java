package dev.rawblock.server.cluster;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The whole cluster as this node sees it, fixed for the life of the process: the nodes of
 * {@code --cluster-nodes} in list order, which of them owns each slot, and which one is this node.
 *
 * <p>There is no gossip: every node is started with the same list (and the same
 * {@code --cluster-slots}, if any), computes the same map and the same ids, and takes every other
 * node to be up. A node finds itself in the list by its {@code --bind} address and {@code --port}.
 */
public final class Topology {
    private final List<ClusterNode> nodes;
    private final SlotMap slots;
    private final int self;

    private Topology(List<ClusterNode> nodes, SlotMap slots, int self) {
        this.nodes = List.copyOf(nodes);
        this.slots = slots;
        this.self = self;
    }

    /**
     * Parses {@code --cluster-nodes} ({@code HOST:PORT,HOST:PORT,...}; an IPv6 host in brackets)
     * and {@code --cluster-slots} (null: an even split, see {@link SlotMap}), and finds this node:
     * the one entry whose port is {@code port} and whose host is (or resolves to) {@code bind}, or,
     * when {@code bind} is a wildcard, to an address of this machine.
     *
     * @throws IllegalArgumentException naming what is wrong, starting with the option's name
     */
    public static Topology of(String nodeList, String slotMap, InetAddress bind, int port) {
        if (nodeList == null || nodeList.isBlank()) throw new IllegalArgumentException("cluster-nodes must name HOST:PORT,...");
        if (port <= 0) {
            throw new IllegalArgumentException("cluster-nodes needs a fixed --port: " + port
                    + " would pick a port the other nodes do not know");
        }
        List<String> hosts = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        Map<String, Integer> indexes = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (String entry : nodeList.split(",", -1)) {
            entry = entry.strip();
            String[] hostPort = hostPort(entry);
            // Host names are case-blind: two spellings of one endpoint would be one node with two ids.
            if (!seen.add(hostPort[0].toLowerCase(Locale.ROOT) + ":" + hostPort[1])) {
                throw new IllegalArgumentException("cluster-nodes names " + entry + " twice");
            }
            indexes.put(entry, hosts.size());
            hosts.add(hostPort[0]);
            ports.add(Integer.parseInt(hostPort[1]));
        }
        SlotMap map = slotMap == null ? SlotMap.even(hosts.size()) : SlotMap.parse(slotMap, indexes);
        List<ClusterNode> nodes = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i++) nodes.add(new ClusterNode(hosts.get(i), ports.get(i), i + 1, map.ranges(i)));
        List<Integer> me = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (ports.get(i) == port && isThisNode(hosts.get(i), bind)) me.add(i);
        }
        String self = new InetSocketAddress(bind, port).getHostString() + ":" + port;
        if (me.isEmpty()) {
            throw new IllegalArgumentException("cluster-nodes " + nodeList.strip() + " does not name this node (" + self
                    + ", from --bind and --port): start every node with the same list, each node in it once");
        }
        if (me.size() > 1) {
            throw new IllegalArgumentException("cluster-nodes names this node (" + self + ") twice: "
                    + nodes.get(me.get(0)).endpoint() + " and " + nodes.get(me.get(1)).endpoint());
        }
        return new Topology(nodes, map, me.getFirst());
    }

    /** {host, port} of one list entry ({@code host:port}, {@code [v6]:port}). */
    private static String[] hostPort(String entry) {
        int colon = entry.lastIndexOf(':');
        String host = colon > 0 ? entry.substring(0, colon) : "";
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        else if (host.contains(":")) {
            throw new IllegalArgumentException("cluster-nodes: write the IPv6 address of '" + entry + "' in brackets, [ADDR]:PORT");
        }
        int port;
        try {
            port = colon > 0 ? Integer.parseInt(entry.substring(colon + 1)) : -1;
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (host.isBlank() || port < 1 || port > 65535) {
            throw new IllegalArgumentException("cluster-nodes: '" + entry + "' is not HOST:PORT (port 1..65535)");
        }
        return new String[] {host, Integer.toString(port)};
    }

    /** Whether {@code host} is {@code bind}, or, for a wildcard bind, an address of this machine. */
    private static boolean isThisNode(String host, InetAddress bind) {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            return false; // not this node, whose --bind resolved; the node it names is the clients' concern
        }
        for (InetAddress a : addresses) {
            if (bind.isAnyLocalAddress() ? isLocal(a) : a.equals(bind)) return true;
        }
        return false;
    }

    private static boolean isLocal(InetAddress a) {
        try {
            return a.isLoopbackAddress() || NetworkInterface.getByInetAddress(a) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    /** The nodes in list order. */
    public List<ClusterNode> nodes() {
        return nodes;
    }

    public ClusterNode self() {
        return nodes.get(self);
    }

    /** The node owning {@code slot}. */
    public ClusterNode owner(int slot) {
        return nodes.get(slots.owner(slot));
    }

    /** Whether this node owns {@code slot}. */
    public boolean owns(int slot) {
        return slots.owner(slot) == self;
    }

    /** Whether this node owns {@code key}'s slot. */
    public boolean owns(byte[] key) {
        return owns(KeySlot.of(key));
    }

    /** Nodes that own at least one slot (Redis's cluster_size: masters serving slots). */
    public int size() {
        return (int) nodes.stream().filter(n -> !n.slots().isEmpty()).count();
    }

    /** One line for the start log: which node this is, and its slots. */
    public String describe() {
        ClusterNode me = self();
        int count = me.slots().stream().mapToInt(r -> r.end() - r.start() + 1).sum();
        return "cluster node " + (self + 1) + " of " + nodes.size() + " (" + me.endpoint() + ", id " + me.id()
                + "): " + count + " slots " + String.join(",", me.slots().stream().map(SlotRange::toString).toList());
    }
}
