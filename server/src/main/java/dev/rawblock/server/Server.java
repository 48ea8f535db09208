package dev.rawblock.server;

import dev.rawblock.server.lm.LmSession;
import dev.rawblock.server.metrics.MetricsEndpoint;
import dev.rawblock.server.resp.RespSession;
import dev.rawblock.store.Store;
import jdk.net.ExtendedSocketOptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Serves a store over RESP and {@code lm://}: one listener per protocol, one virtual thread per
 * connection doing blocking I/O (simple, in-order code that scales to thousands of connections),
 * a watchdog that closes idle connections when an idle timeout is set (and, always, connections
 * stalled in the middle of a value for longer than the request wait), and, when configured, a
 * Prometheus metrics endpoint. The listeners bind where {@link ServerConfig} says: {@code lm://}
 * may be kept on loopback by protected mode, while RESP and metrics follow {@code bind}.
 *
 * <p>{@link #close} stops gracefully: no new connections, every connection's input is shut (so a
 * request being read fails and nothing half-received is stored), requests already executing
 * finish and send their replies, and connections still busy after the drain time are cut. The
 * store is the caller's to checkpoint and close.
 */
public final class Server implements AutoCloseable {
    /** How long {@link #close} lets executing requests finish. */
    static final Duration DRAIN = Duration.ofSeconds(10);
    /** A send buffer that takes a whole chunk: fewer wake-ups per multi-MiB reply (receive buffers autotune larger). */
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    /** Silence after which the kernel starts probing a connection's peer (then 3 probes, 100 s apart). */
    private static final int KEEPALIVE_IDLE_SECONDS = 300;

    private final ServerContext context;
    private final Consumer<String> log;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final List<Thread> acceptors = new ArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("rawblock-idle-watchdog").factory());
    private InetSocketAddress respAddress;
    private InetSocketAddress lmAddress;
    private MetricsEndpoint metrics;
    private volatile boolean closing;

    /**
     * @param store  the store to serve (not closed by the server); value buffers come from its
     *               {@link Store#memory}
     * @param log    where to say what the server does (listening, stopping)
     */
    public Server(Store store, ServerConfig config, Consumer<String> log) {
        MemoryBudget budget = new MemoryBudget(store.memory(), config.memoryBudget());
        ServerStats stats = new ServerStats();
        this.context = new ServerContext(config, new Values(store, budget, config.requestWait(), stats), stats);
        this.log = log;
    }

    /** Binds the listeners (and the metrics endpoint, if on) and starts accepting. */
    public Server start() throws IOException {
        ServerConfig config = context.config();
        try {
            respAddress = listen(Protocol.RESP, config.bind(), config.respPort());
            if (config.lmPort() >= 0) {
                if (config.lmOnLoopbackOnly()) {
                    log.accept("lm:// has no authentication: serving it on " + ServerConfig.host(config.lmBind())
                            + " only because --requirepass is set (--protected-mode no serves it on "
                            + ServerConfig.host(config.bind()) + " too)");
                }
                lmAddress = listen(Protocol.LM, config.lmBind(), config.lmPort());
            }
            warnUnprotected();
            if (config.cluster() != null) log.accept(config.cluster().describe());
            if (config.metricsPort() >= 0) metrics = serveMetrics(config.metricsPort());
        } catch (IOException e) {
            close();
            throw e;
        }
        long idle = config.idleTimeout().isZero() ? Long.MAX_VALUE : config.idleTimeout().toNanos();
        long stalled = config.requestWait().toNanos();
        long period = Math.max(50, Math.min(idle, stalled) / 4_000_000);
        watchdog.scheduleAtFixedRate(() -> closeIdle(idle, stalled), period, period, TimeUnit.MILLISECONDS);
        return this;
    }

    /** With protected mode off, a listener without authentication may face the network: say so at start. */
    private void warnUnprotected() {
        if (context.config().requirePass() == null && !respAddress.getAddress().isLoopbackAddress()) {
            log.accept("RESP has no password and --protected-mode is no: anyone who can reach " + show(respAddress)
                    + " can read and overwrite the store");
        }
        if (lmAddress != null && !lmAddress.getAddress().isLoopbackAddress()) {
            log.accept("lm:// has no authentication and --protected-mode is no: anyone who can reach "
                    + show(lmAddress) + " can read and overwrite the store");
        }
    }

    /** host:port, with an IPv6 host in brackets. */
    private static String show(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    public InetSocketAddress respAddress() {
        return respAddress;
    }

    /** The lm:// address, or null when that listener is off. */
    public InetSocketAddress lmAddress() {
        return lmAddress;
    }

    /** The metrics endpoint's address, or null when it is off. */
    public InetSocketAddress metricsAddress() {
        return metrics == null ? null : metrics.address();
    }

    public ServerStats stats() {
        return context.stats();
    }

    public ServerContext context() {
        return context;
    }

    private enum Protocol {
        RESP("RESP"), LM("lm://");

        final String label;

        Protocol(String label) {
            this.label = label;
        }
    }

    private InetSocketAddress listen(Protocol protocol, InetAddress address, int port) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open();
        listeners.add(channel);
        channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        try {
            channel.bind(new InetSocketAddress(address, port), 1024);
        } catch (IOException e) {
            throw cannotListen(protocol.label, address, port, e);
        }
        InetSocketAddress bound = (InetSocketAddress) channel.getLocalAddress();
        Thread acceptor = Thread.ofPlatform().daemon().name("rawblock-accept-" + bound.getPort())
                .start(() -> accept(channel, protocol));
        acceptors.add(acceptor);
        // The address as configured: a wildcard 0.0.0.0 reads back as :: from a dual-stack socket.
        InetSocketAddress shown = new InetSocketAddress(address, bound.getPort());
        log.accept("listening for " + protocol.label + " on " + show(shown));
        return shown;
    }

    private MetricsEndpoint serveMetrics(int port) throws IOException {
        MetricsEndpoint endpoint;
        try {
            endpoint = MetricsEndpoint.start(context, new InetSocketAddress(context.config().bind(), port));
        } catch (IOException e) {
            throw cannotListen("metrics", context.config().bind(), port, e);
        }
        log.accept("metrics on http://" + show(endpoint.address()) + "/metrics");
        return endpoint;
    }

    private static IOException cannotListen(String what, InetAddress address, int port, IOException e) {
        return new IOException("cannot listen for " + what + " on " + show(new InetSocketAddress(address, port)) + ": "
                + e.getMessage(), e);
    }

    private void accept(ServerSocketChannel listener, Protocol protocol) {
        while (!closing) {
            SocketChannel socket;
            try {
                socket = listener.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                log.accept("accept failed: " + e.getMessage());
                continue;
            }
            // The id in accept order, as Redis gives it: CLIENT LIST lists connections in the order they came.
            long id = ids.incrementAndGet();
            Thread.ofVirtual().name("rawblock-conn-" + id).start(() -> serve(socket, protocol, id));
        }
    }

    private void serve(SocketChannel socket, Protocol protocol, long id) {
        ServerStats stats = context.stats();
        try (Wire wire = new Wire(socket, stats)) {
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            socket.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
            keepAlive(socket);
            if (stats.openConnections() >= context.config().maxConnections() || closing) {
                stats.connectionRefused();
                if (protocol == Protocol.RESP) RespSession.refuse(wire); // lm:// has no way to say why
                return;
            }
            Connection connection = new Connection(wire, Thread.currentThread());
            connections.add(connection);
            stats.connectionOpened();
            try {
                switch (protocol) {
                    case RESP -> new RespSession(wire, context, id).run();
                    case LM -> new LmSession(wire, context).run();
                }
            } finally {
                connections.remove(connection);
                stats.connectionClosed();
            }
        } catch (IOException e) {
            // The client is gone; nothing to clean up beyond the socket.
        }
    }

    /**
     * TCP keepalive probes, as Redis's {@code tcp-keepalive 300}: idle connections are never closed
     * by default, so a client whose host died or whose network went away must be found by the
     * kernel instead (after about 10 minutes of silence), or its connection would count against
     * --max-connections forever.
     */
    private static void keepAlive(SocketChannel socket) throws IOException {
        socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        Set<SocketOption<?>> supported = socket.supportedOptions();
        if (supported.contains(ExtendedSocketOptions.TCP_KEEPIDLE)) {
            socket.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, KEEPALIVE_IDLE_SECONDS);
            socket.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, KEEPALIVE_IDLE_SECONDS / 3);
            socket.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 3);
        }
    }

    /** Closes connections idle for {@code idleNanos}, or stalled in the middle of a value for {@code stalledNanos}. */
    private void closeIdle(long idleNanos, long stalledNanos) {
        for (Connection c : connections) {
            if (c.wire().idleFor(idleNanos) || c.wire().stalledFor(stalledNanos)) {
                context.stats().idleClose();
                closeQuietly(c.wire());
            }
        }
    }

    /** Stops accepting, lets executing requests finish (up to {@link #DRAIN}), closes every connection. */
    @Override
    public void close() {
        if (closing) return;
        closing = true;
        watchdog.shutdownNow();
        if (metrics != null) metrics.close();
        for (ServerSocketChannel l : listeners) closeQuietly(l);
        for (Thread t : acceptors) join(t, System.nanoTime() + DRAIN.toNanos());
        for (Connection c : connections) {
            try {
                c.wire().channel().shutdownInput();
            } catch (IOException e) {
                closeQuietly(c.wire());
            }
        }
        long deadline = System.nanoTime() + DRAIN.toNanos();
        for (Connection c : connections) join(c.thread(), deadline);
        for (Connection c : connections) closeQuietly(c.wire());
        int cut = connections.size();
        log.accept("stopped serving" + (cut > 0 ? " (" + cut + " connections cut after " + DRAIN.toSeconds() + " s)" : ""));
    }

    private static void join(Thread t, long deadlineNanos) {
        try {
            t.join(Duration.ofNanos(Math.max(1, deadlineNanos - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing on the way out: nothing useful to do with a failure
        }
    }

    private record Connection(Wire wire, Thread thread) {
    }
}
