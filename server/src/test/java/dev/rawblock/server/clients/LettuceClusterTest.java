package dev.rawblock.server.clients;

import dev.rawblock.server.cluster.LocalCluster;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Lettuce's {@code RedisClusterClient} against a 3-node rawblock cluster (see {@link
 * ClusterWorkload}): its topology comes from CLUSTER NODES; here only from the stale seed, so the
 * moved slots are reached through MOVED. RESP3 (Lettuce's default) and RESP2.
 */
class LettuceClusterTest {
    @TempDir
    Path dir;

    @Test
    void resp3() throws Exception {
        run(ProtocolVersion.RESP3, null);
    }

    @Test
    void resp2WithPassword() throws Exception {
        run(ProtocolVersion.RESP2, "pw");
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void run(ProtocolVersion protocol, String password) throws Exception {
        try (LocalCluster cluster = ClusterWorkload.start(dir, password)) {
            RedisURI.Builder uri = RedisURI.Builder.redis("127.0.0.1", cluster.port(0)).withTimeout(Duration.ofSeconds(30));
            if (password != null) uri.withPassword(password.toCharArray());
            RedisClusterClient client = RedisClusterClient.create(uri.build());
            client.setOptions(ClusterClientOptions.builder().protocolVersion(protocol).maxRedirects(5)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().dynamicRefreshSources(false).build())
                    .build());
            try (StatefulRedisClusterConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
                RedisAdvancedClusterCommands<byte[], byte[]> redis = connection.sync();
                assertEquals(3, connection.getPartitions().size());
                List<String> keys = ClusterWorkload.keys("lettuce");
                for (int i = 0; i < keys.size(); i++) {
                    assertEquals("OK", redis.set(b(keys.get(i)), ClusterWorkload.value(keys.get(i), ClusterWorkload.size(i))));
                }
                for (int i = 0; i < keys.size(); i++) {
                    assertArrayEquals(ClusterWorkload.value(keys.get(i), ClusterWorkload.size(i)), redis.get(b(keys.get(i))),
                            keys.get(i));
                    assertEquals(1, redis.exists(b(keys.get(i))));
                }
                for (int i = 0; i < keys.size(); i++) {
                    if (!ClusterWorkload.deleted(i)) continue;
                    assertEquals(1, redis.del(b(keys.get(i))));
                    assertEquals(0, redis.exists(b(keys.get(i))));
                    assertNull(redis.get(b(keys.get(i))));
                }
                assertEquals("OK", redis.mset(Map.of(b("{user1}.a"), b("1"), b("{user1}.b"), b("2"))));
                assertEquals(2, redis.exists(b("{user1}.a"), b("{user1}.b")));
                // Lettuce splits a multi-slot MSET itself; sent as one command, the node refuses it.
                RedisCommandExecutionException e = assertThrows(RedisCommandExecutionException.class, () -> redis.dispatch(
                        CommandType.MSET, new StatusOutput<>(ByteArrayCodec.INSTANCE), new CommandArgs<>(ByteArrayCodec.INSTANCE)
                                .addKey(b("a")).addValue(b("1")).addKey(b("b")).addValue(b("2"))));
                assertEquals("CROSSSLOT Keys in request don't hash to the same slot", e.getMessage());
                ClusterWorkload.verify(cluster, keys);
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
            }
        }
    }
}
