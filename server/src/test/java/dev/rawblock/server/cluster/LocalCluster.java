package dev.rawblock.server.cluster;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.server.Server;
import dev.rawblock.server.ServerConfig;
import dev.rawblock.store.FormatOptions;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreFormat;
import dev.rawblock.store.StoreOptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of rawblock nodes on loopback, in this JVM: each node a {@link Server} on a store
 * file of its own, all started with the same {@code --cluster-nodes} list, as operators start them.
 */
public final class LocalCluster implements AutoCloseable {
    private static final long MIB = 1 << 20;
    private final List<Store> stores = new ArrayList<>();
    private final List<Server> servers = new ArrayList<>();
    private final List<Integer> ports;
    /** What the nodes logged. */
    public final List<String> log = new CopyOnWriteArrayList<>();

    private LocalCluster(List<Integer> ports) {
        this.ports = ports;
    }

    /** Starts {@code nodes} nodes with {@code capacity}-byte stores in {@code dir}, the slots split evenly. */
    public static LocalCluster start(Path dir, int nodes, long capacity) throws IOException {
        return start(dir, nodes, capacity, null, null);
    }

    /**
     * @param slots       {@code --cluster-slots}, or null for an even split
     * @param requirePass a password for every node, or null
     */
    public static LocalCluster start(Path dir, int nodes, long capacity, String slots, String requirePass)
            throws IOException {
        List<String> maps = new ArrayList<>();
        for (int i = 0; i < nodes; i++) maps.add(slots);
        return start(dir, capacity, maps, requirePass);
    }

    /**
     * Starts one node per entry of {@code slots}, each with that {@code --cluster-slots} (null: an
     * even split). Nodes given different maps see the cluster as it is in the middle of a rolling
     * restart onto a new map: what clients meet when a cluster grows.
     *
     * @param slots a map per node, where {@code %d} stands for node i's port
     */
    public static LocalCluster start(Path dir, long capacity, List<String> slots, String requirePass) throws IOException {
        int nodes = slots.size();
        LocalCluster cluster = new LocalCluster(freePorts(nodes));
        try {
            for (int i = 0; i < nodes; i++) {
                String map = slots.get(i) == null ? null : String.format(slots.get(i), cluster.ports.toArray());
                cluster.startNode(dir.resolve("node" + i + ".img"), i, capacity, map, requirePass);
            }
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private void startNode(Path file, int i, long capacity, String slots, String requirePass) throws IOException {
        BlockDevice device = BlockDevice.open(DeviceOptions.of(file).withCreateSize(capacity).withArenaBytes(32 * MIB));
        StoreFormat.format(device, new FormatOptions(0, 0, 0));
        Store store = Store.openOwning(device, StoreOptions.defaults().withFlush(false));
        stores.add(store);
        InetAddress loopback = InetAddress.ofLiteral("127.0.0.1");
        ServerConfig config = ServerConfig.defaults(store.maxValueBytes()).withPorts(port(i), -1)
                .withLimits(512, Duration.ofSeconds(60), 256 * MIB, 1024 * MIB).withRequirePass(requirePass)
                .withCluster(Topology.of(nodesFlag(), slots, loopback, port(i)));
        servers.add(new Server(store, config, line -> log.add("node" + i + ": " + line)).start());
    }

    /** Ports nothing listens on right now (closed again at once, so a node can take each). */
    private static List<Integer> freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) sockets.add(new ServerSocket(0, 1, InetAddress.ofLiteral("127.0.0.1")));
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } finally {
            for (ServerSocket s : sockets) s.close();
        }
    }

    /** The {@code --cluster-nodes} every node was started with. */
    public String nodesFlag() {
        return ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    public int size() {
        return ports.size();
    }

    public int port(int node) {
        return ports.get(node);
    }

    public Server server(int node) {
        return servers.get(node);
    }

    public Store store(int node) {
        return stores.get(node);
    }

    /** The node (index) that owns {@code key}, as node {@code view} sees it. */
    public int ownerOf(byte[] key, int view) {
        return servers.get(view).context().config().cluster().owner(KeySlot.of(key)).epoch() - 1;
    }

    /** The node (index) that owns {@code key}, as the first node sees it. */
    public int ownerOf(byte[] key) {
        return ownerOf(key, 0);
    }

    @Override
    public void close() throws IOException {
        for (Server s : servers) s.close();
        for (Store s : stores) s.close();
    }
}
