package dev.rawblock.server;

import dev.rawblock.device.BufferArena;
import dev.rawblock.server.lm.LmSession;
import dev.rawblock.server.metrics.MetricsEndpoint;
import dev.rawblock.server.resp.RespSession;
import dev.rawblock.store.Store;

import java.io.IOException;
import java.net.InetSocketAddress;
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
 * a watchdog that closes idle connections, and, when configured, a Prometheus metrics endpoint.
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
     * @param store  the store to serve (not closed by the server)
     * @param arena  aligned memory for values, normally the device's ({@code device.buffers()})
     * @param log    where to say what the server does (listening, stopping)
     */
    public Server(Store store, BufferArena arena, ServerConfig config, Consumer<String> log) {
        MemoryBudget budget = new MemoryBudget(arena, config.memoryBudget());
        ServerStats stats = new ServerStats();
        this.context = new ServerContext(config, new Values(store, budget, config.idleTimeout(), stats), stats);
        this.log = log;
    }

    /** Binds the listeners (and the metrics endpoint, if on) and starts accepting. */
    public Server start() throws IOException {
        ServerConfig config = context.config();
        try {
            respAddress = listen(Protocol.RESP, config.respPort());
            if (config.lmPort() >= 0) lmAddress = listen(Protocol.LM, config.lmPort());
            if (config.metricsPort() >= 0) metrics = serveMetrics(config.metricsPort());
        } catch (IOException e) {
            close();
            throw e;
        }
        long idle = config.idleTimeout().toNanos();
        long period = Math.max(50, config.idleTimeout().toMillis() / 4);
        watchdog.scheduleAtFixedRate(() -> closeIdle(idle), period, period, TimeUnit.MILLISECONDS);
        return this;
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

    private InetSocketAddress listen(Protocol protocol, int port) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open();
        listeners.add(channel);
        channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        try {
            channel.bind(new InetSocketAddress(context.config().bind(), port), 1024);
        } catch (IOException e) {
            throw cannotListen(protocol.label, port, e);
        }
        InetSocketAddress bound = (InetSocketAddress) channel.getLocalAddress();
        Thread acceptor = Thread.ofPlatform().daemon().name("rawblock-accept-" + bound.getPort())
                .start(() -> accept(channel, protocol));
        acceptors.add(acceptor);
        log.accept("listening for " + protocol.label + " on " + bound.getHostString() + ":" + bound.getPort());
        return bound;
    }

    private MetricsEndpoint serveMetrics(int port) throws IOException {
        MetricsEndpoint endpoint;
        try {
            endpoint = MetricsEndpoint.start(context, new InetSocketAddress(context.config().bind(), port));
        } catch (IOException e) {
            throw cannotListen("metrics", port, e);
        }
        InetSocketAddress bound = endpoint.address();
        String host = bound.getHostString().contains(":") ? "[" + bound.getHostString() + "]" : bound.getHostString();
        log.accept("metrics on http://" + host + ":" + bound.getPort() + "/metrics");
        return endpoint;
    }

    private IOException cannotListen(String what, int port, IOException e) {
        return new IOException("cannot listen for " + what + " on " + context.config().bind() + ":" + port + ": "
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
            Thread.ofVirtual().name("rawblock-conn-", ids.get() + 1).start(() -> serve(socket, protocol));
        }
    }

    private void serve(SocketChannel socket, Protocol protocol) {
        long id = ids.incrementAndGet();
        ServerStats stats = context.stats();
        try (Wire wire = new Wire(socket, stats)) {
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            socket.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
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

    private void closeIdle(long idleNanos) {
        for (Connection c : connections) {
            if (c.wire().idleFor(idleNanos)) {
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
