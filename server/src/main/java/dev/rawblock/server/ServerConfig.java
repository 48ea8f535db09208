package dev.rawblock.server;

import dev.rawblock.server.cluster.Topology;

import java.math.BigDecimal;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * What the server listens on and the limits that keep one client from hurting the others.
 *
 * <p><b>Protected mode</b> (on by default, as in Redis): what has no password stays on loopback.
 * A non-loopback {@code bind} without {@code requirePass} is refused, and {@code lm://}, which has
 * no authentication at all, is served on 127.0.0.1 only when {@code bind} is wider. Turning it
 * off lets both follow {@code bind}.
 *
 * @param bind            address the listeners bind to (resolved: see {@link #resolveBind})
 * @param protectedMode   whether unauthenticated access stays on loopback (see above)
 * @param respPort        port of the RESP (Redis protocol) listener; 0 picks a free port
 * @param lmPort          port of the {@code lm://} listener; 0 picks a free port, -1 disables it
 * @param requirePass     password clients must give with AUTH or HELLO first; null for none
 * @param maxValueBytes   largest value a client may send; larger ones are refused before they are read
 * @param maxConnections  connections served at once, over both listeners; more are refused
 * @param idleTimeout     a connection that sends nothing for this long is closed; zero: never
 * @param requestWait     how long a request may wait for room in the memory budget before it gets
 *                        an error, and how long a client may stop sending in the middle of a value
 *                        before its connection is closed (whatever the idle timeout)
 * @param maxPendingBytes bytes one request may hold in memory (all its arguments together)
 * @param memoryBudget    bytes of value buffers all connections together may hold; a request waits
 *                        for room (up to {@code requestWait}), so the server's memory stays bounded
 * @param metricsPort     port of the HTTP endpoint serving Prometheus metrics at {@code /metrics}; 0 picks
 *                        a free port, -1 (the default) disables it
 * @param cluster         the Redis Cluster this server is a node of ({@code --cluster-nodes}), or null
 *                        for a standalone server; its node is this server's {@code respPort}
 */
public record ServerConfig(InetAddress bind, boolean protectedMode, int respPort, int lmPort, String requirePass,
                           long maxValueBytes, int maxConnections, Duration idleTimeout, Duration requestWait,
                           long maxPendingBytes, long memoryBudget, int metricsPort, Topology cluster) {
    public static final int DEFAULT_RESP_PORT = 6380;
    public static final int DEFAULT_LM_PORT = 65432;
    /**
     * Where lm:// goes when protected mode keeps it on loopback. IPv4 whatever the family of
     * {@code bind}: LMCache's lm:// client opens an AF_INET socket, so it could not reach ::1.
     */
    public static final InetAddress LM_LOOPBACK = Inet4Address.ofLiteral("127.0.0.1");
    /** An idle timeout of zero: idle connections stay open (an inference server's pool idles for hours). */
    public static final Duration NEVER = Duration.ZERO;
    private static final Duration MIN_TIMEOUT = Duration.ofMillis(100);
    /** Far beyond any useful timeout (0 says never), and small enough that no nanosecond count overflows. */
    public static final Duration MAX_IDLE_TIMEOUT = Duration.ofDays(365);
    /** A request that waited this long for memory is better off failing, so its client can retry or go elsewhere. */
    public static final Duration DEFAULT_REQUEST_WAIT = Duration.ofSeconds(30);
    public static final Duration MAX_REQUEST_WAIT = Duration.ofHours(1);

    public ServerConfig {
        if (bind == null) throw new IllegalArgumentException("bind must be an address, got null");
        checkPort("port", respPort, false);
        checkPort("lm-port", lmPort, true);
        checkPort("metrics-port", metricsPort, true);
        if (requirePass != null && requirePass.isEmpty()) {
            throw new IllegalArgumentException("requirepass must not be empty (leave it out for no password)");
        }
        if (protectedMode && requirePass == null && !bind.isLoopbackAddress()) {
            throw new IllegalArgumentException("bind " + host(bind) + " is not a loopback address and "
                    + "there is no password, so anyone who can reach it could read and overwrite the store: "
                    + "set --requirepass, or --protected-mode no to serve it without one");
        }
        if (maxValueBytes < 1) throw new IllegalArgumentException("max-value-size must be >= 1 byte, got " + maxValueBytes);
        if (maxConnections < 1 || maxConnections > 100_000) {
            throw new IllegalArgumentException("max-connections must be 1..100000, got " + maxConnections);
        }
        if (idleTimeout == null || !idleTimeout.isZero() && !within(idleTimeout, MAX_IDLE_TIMEOUT)) {
            throw new IllegalArgumentException("idle-timeout must be 0 (never) or " + seconds(MIN_TIMEOUT) + ".."
                    + seconds(MAX_IDLE_TIMEOUT) + " seconds, got " + seconds(idleTimeout));
        }
        if (requestWait == null || !within(requestWait, MAX_REQUEST_WAIT)) {
            throw new IllegalArgumentException("request-wait must be " + seconds(MIN_TIMEOUT) + ".."
                    + seconds(MAX_REQUEST_WAIT) + " seconds, got " + seconds(requestWait));
        }
        if (maxPendingBytes < maxValueBytes) {
            throw new IllegalArgumentException("max-pending must be >= max-value-size (" + maxValueBytes
                    + " bytes), got " + maxPendingBytes);
        }
        if (memoryBudget < maxPendingBytes) {
            throw new IllegalArgumentException("memory-budget must be >= max-pending (" + maxPendingBytes
                    + " bytes), got " + memoryBudget);
        }
        if (cluster != null && cluster.self().port() != respPort) {
            throw new IllegalArgumentException("cluster-nodes names this node with port " + cluster.self().port()
                    + ", but it listens on " + respPort);
        }
    }

    /** A standalone server (no cluster). */
    public ServerConfig(InetAddress bind, boolean protectedMode, int respPort, int lmPort, String requirePass,
                        long maxValueBytes, int maxConnections, Duration idleTimeout, Duration requestWait,
                        long maxPendingBytes, long memoryBudget, int metricsPort) {
        this(bind, protectedMode, respPort, lmPort, requirePass, maxValueBytes, maxConnections, idleTimeout, requestWait,
                maxPendingBytes, memoryBudget, metricsPort, null);
    }

    private static void checkPort(String name, int port, boolean mayDisable) {
        if (port < (mayDisable ? -1 : 0) || port > 65535) {
            throw new IllegalArgumentException(name + " must be 0..65535" + (mayDisable ? " (or -1 for off)" : "")
                    + ", got " + port);
        }
    }

    private static boolean within(Duration d, Duration max) {
        return d.compareTo(MIN_TIMEOUT) >= 0 && d.compareTo(max) <= 0;
    }

    /** An address as the user named it: the host name given, else the literal (never a reverse lookup). */
    public static String host(InetAddress address) {
        return new InetSocketAddress(address, 0).getHostString();
    }

    /** A duration as the flags give it: decimal seconds ("0.25", "300"). */
    static String seconds(Duration d) {
        if (d == null) return "null";
        return BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9)).stripTrailingZeros()
                .toPlainString();
    }

    /**
     * The address a {@code bind} host name or literal stands for, looked up now, so that a name that
     * does not resolve is refused before anything starts (rather than when the listener binds).
     */
    public static InetAddress resolveBind(String host) {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("bind must be an address, got '" + host + "'");
        try {
            return InetAddress.getByName(host.strip());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bind " + host + " does not resolve to an address");
        }
    }

    /** Whether protected mode moves lm:// to loopback: a password is set and {@code bind} is wider. */
    public boolean lmOnLoopbackOnly() {
        return protectedMode && !bind.isLoopbackAddress();
    }

    /** Where the lm:// listener binds: {@code bind}, or {@link #LM_LOOPBACK} when {@link #lmOnLoopbackOnly}. */
    public InetAddress lmBind() {
        return lmOnLoopbackOnly() ? LM_LOOPBACK : bind;
    }

    /**
     * 127.0.0.1 on the standard ports, protected mode on, no password, values up to {@code
     * maxValueBytes}, 512 connections, idle ones never closed, requests waiting up to 30 s for
     * memory, requests up to 256 MiB (or one value), 2 GiB of buffers, no metrics endpoint.
     */
    public static ServerConfig defaults(long maxValueBytes) {
        long pending = Math.max(256L << 20, maxValueBytes);
        return new ServerConfig(LM_LOOPBACK, true, DEFAULT_RESP_PORT, DEFAULT_LM_PORT, null, maxValueBytes, 512,
                NEVER, DEFAULT_REQUEST_WAIT, pending, Math.max(2L << 30, pending), -1);
    }

    public ServerConfig withPorts(int resp, int lm) {
        return new ServerConfig(bind, protectedMode, resp, lm, requirePass, maxValueBytes, maxConnections, idleTimeout,
                requestWait, maxPendingBytes, memoryBudget, metricsPort, cluster);
    }

    /** Listening on {@code address}, with protected mode on or off. */
    public ServerConfig withBind(InetAddress address, boolean protect) {
        return new ServerConfig(address, protect, respPort, lmPort, requirePass, maxValueBytes, maxConnections,
                idleTimeout, requestWait, maxPendingBytes, memoryBudget, metricsPort, cluster);
    }

    public ServerConfig withRequirePass(String pass) {
        return new ServerConfig(bind, protectedMode, respPort, lmPort, pass, maxValueBytes, maxConnections, idleTimeout,
                requestWait, maxPendingBytes, memoryBudget, metricsPort, cluster);
    }

    public ServerConfig withLimits(int connections, Duration idle, long pending, long budget) {
        return new ServerConfig(bind, protectedMode, respPort, lmPort, requirePass, maxValueBytes, connections, idle,
                requestWait, pending, budget, metricsPort, cluster);
    }

    public ServerConfig withRequestWait(Duration wait) {
        return new ServerConfig(bind, protectedMode, respPort, lmPort, requirePass, maxValueBytes, maxConnections,
                idleTimeout, wait, maxPendingBytes, memoryBudget, metricsPort, cluster);
    }

    /** With the metrics endpoint on {@code port} (0: a free one; -1: off). */
    public ServerConfig withMetricsPort(int port) {
        return new ServerConfig(bind, protectedMode, respPort, lmPort, requirePass, maxValueBytes, maxConnections,
                idleTimeout, requestWait, maxPendingBytes, memoryBudget, port, cluster);
    }

    /** As a node of {@code topology} (null: standalone). */
    public ServerConfig withCluster(Topology topology) {
        return new ServerConfig(bind, protectedMode, respPort, lmPort, requirePass, maxValueBytes, maxConnections,
                idleTimeout, requestWait, maxPendingBytes, memoryBudget, metricsPort, topology);
    }
}
