package dev.rawblock.server.resp;

import dev.rawblock.server.ServerContext;

/**
 * Whether this server runs as a Redis Cluster node. Every reply that tells a client so derives
 * from {@link #clusterEnabled}: INFO's {@code redis_mode} and {@code cluster_enabled}, HELLO's
 * {@code mode}, and CONFIG GET {@code cluster-enabled}. Cluster clients (redis-py 4.3's
 * RedisCluster, for one) read these before they ask for the slots.
 */
final class RedisMode {
    private RedisMode() {
    }

    /** A node of a Redis Cluster when started with {@code --cluster-nodes} (a topology in its config). */
    static boolean clusterEnabled(ServerContext context) {
        return context.config().cluster() != null;
    }

    /** {@code standalone} or {@code cluster}, as INFO's redis_mode and HELLO's mode say it. */
    static String name(ServerContext context) {
        return clusterEnabled(context) ? "cluster" : "standalone";
    }
}
