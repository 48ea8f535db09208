package dev.rawblock.server.clients;

import dev.rawblock.server.ServerFixture;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisDataException;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Jedis, a Redis client Java users run, against the server: commands, pipelines, RESP3, auth, many connections. */
class JedisTest extends ServerFixture {

    private Jedis jedis(DefaultJedisClientConfig.Builder config) {
        return new Jedis(new HostAndPort("127.0.0.1", server.respAddress().getPort()),
                config.socketTimeoutMillis(30_000).build());
    }

    @Test
    void commandsAndPipelines() throws Exception {
        start();
        try (Jedis j = jedis(DefaultJedisClientConfig.builder().clientName("jedis-test"))) {
            assertEquals("PONG", j.ping());
            byte[] key = {1, 0, '\r', '\n'};
            byte[] value = random(5 << 20, 11);
            assertEquals("OK", j.set(key, value));
            assertArrayEquals(value, j.get(key));
            assertTrue(j.exists(key));
            assertEquals("OK", j.mset("a", "1", "b", "2"));
            assertEquals(java.util.Arrays.asList("1", null, "2"), j.mget("a", "nope", "b"));
            assertEquals(2, j.exists("a", "b", "nope"));
            assertEquals(1, j.del("a"));
            assertNull(j.get("a"));
            assertEquals("jedis-test", j.clientGetname());
            assertEquals("OK", j.set("k", "v", redis.clients.jedis.params.SetParams.setParams().ex(50)));
            assertTrue(j.ttl("k") > 45 && j.ttl("k") <= 50, "TTL " + j.ttl("k"));
            JedisDataException e = assertThrows(JedisDataException.class, () -> j.set("k", "v",
                    redis.clients.jedis.params.SetParams.setParams().ex(0)));
            assertTrue(e.getMessage().contains("invalid expire time in 'set' command"), e.getMessage());

            Pipeline p = j.pipelined();
            List<Response<String>> gets = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                p.set("p" + i, "v" + i);
                gets.add(p.get("p" + i));
            }
            p.sync();
            for (int i = 0; i < 200; i++) assertEquals("v" + i, gets.get(i).get());
        }
    }

    @Test
    void resp3AndPassword() throws Exception {
        start(512 * MIB, c -> c.withRequirePass("pw"));
        try (Jedis j = jedis(DefaultJedisClientConfig.builder().protocol(RedisProtocol.RESP3).password("pw"))) {
            assertEquals("OK", j.set("k", "v"));
            assertEquals("v", j.get("k"));
            assertNull(j.get("missing"));
        }
        // Jedis authenticates as it connects, so a wrong password fails there.
        assertThrows(JedisAccessControlException.class, () -> jedis(DefaultJedisClientConfig.builder().password("bad")));
    }
}
