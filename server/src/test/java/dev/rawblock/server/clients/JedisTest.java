package dev.rawblock.server.clients;

import dev.rawblock.server.ServerFixture;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.args.ClientAttributeOption;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.resps.CommandDocument;
import redis.clients.jedis.resps.CommandInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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

    /** The server and key commands added for LMCache's current clients, parsed by Jedis in RESP2 and in RESP3. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(RedisProtocol.class)
    void serverAndKeyCommands(RedisProtocol protocol) throws Exception {
        start();
        try (Jedis j = jedis(DefaultJedisClientConfig.builder().protocol(protocol))) {
            byte[] chunk = random(1 << 20, 3);
            assertEquals("OK", j.set("chunk".getBytes(), chunk));
            assertEquals(chunk.length, j.strlen("chunk"));
            assertEquals(0, j.strlen("missing"));
            assertEquals("string", j.type("chunk"));
            assertEquals("none", j.type("missing"));
            assertEquals(-1, j.ttl("chunk"));
            assertEquals(-2, j.pttl("missing"));
            assertEquals(0, j.waitReplicas(0, 0));

            // In RESP3, INFO and CLIENT INFO are verbatim strings, which Jedis 6 hands over with their
            // "txt:" format prefix (as it does against Redis 7).
            String prefix = protocol == RedisProtocol.RESP3 ? "txt:" : "";
            String memory = j.info("memory");
            assertTrue(memory.startsWith(prefix + "# Memory\r\n"), memory);
            assertTrue(memory.contains("\r\nmaxmemory:" + store.stats().capacityBytes() + "\r\n"), memory);
            assertTrue(j.info("replication").contains("role:master"));
            assertTrue(j.info().contains("# Rawblock"));

            Map<String, String> config = j.configGet("maxmemory*", "save");
            assertEquals(Map.of("maxmemory", Long.toString(store.stats().capacityBytes()),
                    "maxmemory-policy", "allkeys-lru", "save", ""), config);

            assertTrue(j.commandCount() > 20);
            CommandInfo mset = j.commandInfo("mset").get("mset");
            assertEquals(-3, mset.getArity());
            assertEquals(List.of(1L, -1L, 2L), List.of(mset.getFirstKey(), mset.getLastKey(), mset.getStep()));
            assertTrue(mset.getFlags().contains("write"), mset.getFlags().toString());
            CommandInfo client = j.commandInfo("client").get("client");
            assertTrue(client.getSubcommands().containsKey("client|setinfo"), client.getSubcommands().keySet().toString());
            CommandDocument strlen = j.commandDocs("strlen").get("strlen");
            assertEquals("string", strlen.getGroup());
            assertEquals("2.2.0", strlen.getSince());
            assertTrue(j.commandList().contains("client|list"));
            assertEquals(List.of("a", "b"), j.commandGetKeys("MSET", "a", "1", "b", "2"));

            assertEquals("OK", j.clientSetInfo(ClientAttributeOption.LIB_NAME, "jedis-test"));
            String info = j.clientInfo();
            assertTrue(info.startsWith(prefix + "id=" + j.clientId() + " "), info);
            assertTrue(info.contains(" lib-name=jedis-test "), info);
            assertTrue(info.contains(" resp=" + (protocol == RedisProtocol.RESP3 ? 3 : 2) + " "), info);
            assertTrue(j.clientList().contains("id=" + j.clientId() + " "));

            JedisDataException unknown = assertThrows(JedisDataException.class, () -> j.sendCommand(
                    redis.clients.jedis.Protocol.Command.INCR, "counter"));
            assertEquals("ERR unknown command 'INCR', with args beginning with: 'counter' ", unknown.getMessage());
        }
    }
}
