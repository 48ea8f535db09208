package dev.rawblock.server.clients;

import dev.rawblock.server.cluster.LocalCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisDataException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Jedis's {@code JedisCluster} against a 3-node rawblock cluster (see {@link ClusterWorkload}), in RESP2 and RESP3. */
class JedisClusterTest {
    @TempDir
    Path dir;

    @Test
    void resp2() throws Exception {
        run(RedisProtocol.RESP2, null);
    }

    @Test
    void resp3WithPassword() throws Exception {
        run(RedisProtocol.RESP3, "pw");
    }

    private void run(RedisProtocol protocol, String password) throws Exception {
        try (LocalCluster cluster = ClusterWorkload.start(dir, password);
             JedisCluster jedis = new JedisCluster(Set.of(new HostAndPort("127.0.0.1", cluster.port(0))),
                     DefaultJedisClientConfig.builder().protocol(protocol).password(password)
                             .socketTimeoutMillis(30_000).build(), 5)) {
            assertEquals(3, jedis.getClusterNodes().size());
            List<String> keys = ClusterWorkload.keys("jedis");
            for (int i = 0; i < keys.size(); i++) {
                byte[] key = keys.get(i).getBytes(StandardCharsets.UTF_8);
                assertEquals("OK", jedis.set(key, ClusterWorkload.value(keys.get(i), ClusterWorkload.size(i))));
            }
            for (int i = 0; i < keys.size(); i++) {
                byte[] key = keys.get(i).getBytes(StandardCharsets.UTF_8);
                assertArrayEquals(ClusterWorkload.value(keys.get(i), ClusterWorkload.size(i)), jedis.get(key), keys.get(i));
                assertTrue(jedis.exists(key));
            }
            for (int i = 0; i < keys.size(); i++) {
                if (!ClusterWorkload.deleted(i)) continue;
                assertEquals(1, jedis.del(keys.get(i)));
                assertFalse(jedis.exists(keys.get(i)));
                assertNull(jedis.get(keys.get(i)));
            }
            // Hash tags: one slot, so multi-key commands work across them.
            assertEquals("OK", jedis.mset("{user1}.a", "1", "{user1}.b", "2"));
            assertEquals(List.of("1", "2"), jedis.mget("{user1}.a", "{user1}.b"));
            assertEquals(2, jedis.exists("{user1}.a", "{user1}.b"));
            // Keys in two slots: the node refuses, whatever the client would have done.
            JedisDataException e = assertThrows(JedisDataException.class, () -> jedis.sendCommand("a",
                    Protocol.Command.MSET, "a", "1", "b", "2"));
            assertEquals("CROSSSLOT Keys in request don't hash to the same slot", e.getMessage());
            // Asked directly, the stale seed's wrong node says where a moved key lives.
            String moved = keys.get(5); // the second key of the moved range (the first was deleted)
            try (Connection c = new Connection(new HostAndPort("127.0.0.1", cluster.port(1)),
                    DefaultJedisClientConfig.builder().password(password).build())) {
                c.sendCommand(Protocol.Command.GET, moved);
                JedisDataException m = assertThrows(JedisDataException.class, c::getOne);
                assertTrue(m.getMessage().startsWith("MOVED "), m.getMessage());
                assertTrue(m.getMessage().endsWith(" 127.0.0.1:" + cluster.port(2)), m.getMessage());
            }
            ClusterWorkload.verify(cluster, keys);
        }
    }
}
