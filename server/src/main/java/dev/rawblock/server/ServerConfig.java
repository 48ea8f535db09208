package dev.rawblock.server;

import java.time.Duration;

/**
 * What the server listens on and the limits that keep one client from hurting the others.
 *
 * @param bind            address the listeners bind to
 * @param respPort        port of the RESP (Redis protocol) listener; 0 picks a free port
 * @param lmPort          port of the {@code lm://} listener; 0 picks a free port, -1 disables it
 * @param requirePass     password clients must give with AUTH or HELLO first; null for none
 * @param maxValueBytes   largest value a client may send; larger ones are refused before they are read
 * @param maxConnections  connections served at once, over both listeners; more are refused
 * @param idleTimeout     a connection that sends nothing for this long is closed
 * @param maxPendingBytes bytes one request may hold in memory (all its arguments together)
 * @param memoryBudget    bytes of value buffers all connections together may hold; a request waits
 *                        for room (up to {@code idleTimeout}), so the server's memory stays bounded
 * @param metricsPort     port of the HTTP endpoint serving Prometheus metrics at {@code /metrics}; 0 picks
 *                        a free port, -1 (the default) disables it
 */
public record ServerConfig(String bind, int respPort, int lmPort, String requirePass, long maxValueBytes,
                           int maxConnections, Duration idleTimeout, long maxPendingBytes, long memoryBudget,
                           int metricsPort) {
    public static final int DEFAULT_RESP_PORT = 6380;
    public static final int DEFAULT_LM_PORT = 65432;

    public ServerConfig {
        if (bind == null || bind.isBlank()) throw new IllegalArgumentException("bind must be an address, got '" + bind + "'");
        checkPort("port", respPort, false);
        checkPort("lm-port", lmPort, true);
        checkPort("metrics-port", metricsPort, true);
        if (requirePass != null && requirePass.isEmpty()) {
            throw new IllegalArgumentException("requirepass must not be empty (leave it out for no password)");
        }
        if (maxValueBytes < 1) throw new IllegalArgumentException("max-value-size must be >= 1 byte, got " + maxValueBytes);
        if (maxConnections < 1 || maxConnections > 100_000) {
            throw new IllegalArgumentException("max-connections must be 1..100000, got " + maxConnections);
        }
        if (idleTimeout == null || idleTimeout.toMillis() < 100) {
            throw new IllegalArgumentException("idle-timeout must be >= 100ms, got " + idleTimeout);
        }
        if (maxPendingBytes < maxValueBytes) {
            throw new IllegalArgumentException("max-pending must be >= max-value-size (" + maxValueBytes
                    + " bytes), got " + maxPendingBytes);
        }
        if (memoryBudget < maxPendingBytes) {
            throw new IllegalArgumentException("memory-budget must be >= max-pending (" + maxPendingBytes
                    + " bytes), got " + memoryBudget);
        }
    }

    private static void checkPort(String name, int port, boolean mayDisable) {
        if (port < (mayDisable ? -1 : 0) || port > 65535) {
            throw new IllegalArgumentException(name + " must be 0..65535" + (mayDisable ? " (or -1 for off)" : "")
                    + ", got " + port);
        }
    }

    /**
     * Loopback on the standard ports, no password, values up to {@code maxValueBytes}, 512
     * connections, 5 minutes idle, requests up to 256 MiB (or one value), 2 GiB of buffers, no
     * metrics endpoint.
     */
    public static ServerConfig defaults(long maxValueBytes) {
        long pending = Math.max(256L << 20, maxValueBytes);
        return new ServerConfig("127.0.0.1", DEFAULT_RESP_PORT, DEFAULT_LM_PORT, null, maxValueBytes, 512,
                Duration.ofMinutes(5), pending, Math.max(2L << 30, pending), -1);
    }

    public ServerConfig withPorts(int resp, int lm) {
        return new ServerConfig(bind, resp, lm, requirePass, maxValueBytes, maxConnections, idleTimeout, maxPendingBytes,
                memoryBudget, metricsPort);
    }

    public ServerConfig withRequirePass(String pass) {
        return new ServerConfig(bind, respPort, lmPort, pass, maxValueBytes, maxConnections, idleTimeout, maxPendingBytes,
                memoryBudget, metricsPort);
    }

    public ServerConfig withLimits(int connections, Duration idle, long pending, long budget) {
        return new ServerConfig(bind, respPort, lmPort, requirePass, maxValueBytes, connections, idle, pending, budget,
                metricsPort);
    }

    /** With the metrics endpoint on {@code port} (0: a free one; -1: off). */
    public ServerConfig withMetricsPort(int port) {
        return new ServerConfig(bind, respPort, lmPort, requirePass, maxValueBytes, maxConnections, idleTimeout,
                maxPendingBytes, memoryBudget, port);
    }
}
