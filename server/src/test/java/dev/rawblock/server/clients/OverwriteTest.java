package dev.rawblock.server.clients;

import dev.rawblock.server.ServerFixture;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/** SET of an existing key is atomic for the clients that watch it, and the key count is bounded by space only. */
class OverwriteTest extends ServerFixture {
    /** Sizes a SET goes through: inline in the slot header, one block, streamed in pieces (1 MiB and up). */
    private static final int[] SIZES = {100, 20_000, 3 << 20, 300_000};

    private Jedis jedis() {
        return new Jedis(new HostAndPort("127.0.0.1", server.respAddress().getPort()),
                DefaultJedisClientConfig.builder().socketTimeoutMillis(30_000).build());
    }

    /** Generation {@code gen} of a value: its number in the first 4 bytes, then bytes only it has. */
    private static byte[] generation(int gen, int size) {
        byte[] b = new byte[size];
        new Random(gen).nextBytes(b);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(0, gen);
        return b;
    }

    @Test
    void getsDuringRepeatedSetsOfOneKeyNeverSeeAMissOrAMixedValue() throws Exception {
        start(512 * MIB, c -> c);
        byte[] key = "hot".getBytes(StandardCharsets.UTF_8);
        int rounds = 120;
        try (Jedis writer = jedis()) {
            assertEquals("OK", writer.set(key, generation(0, SIZES[0])));
            AtomicBoolean done = new AtomicBoolean();
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            List<CompletableFuture<Integer>> readers = new ArrayList<>();
            java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(2);
            for (int r = 0; r < 2; r++) {
                readers.add(CompletableFuture.supplyAsync(() -> {
                    int gets = 0, last = 0;
                    try (Jedis reader = jedis()) {
                        while (!done.get()) {
                            byte[] v = reader.get(key);
                            if (gets++ == 0) reading.countDown();
                            if (v == null) {
                                problems.add("nil after generation " + last);
                                continue;
                            }
                            int gen = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
                            if (!java.util.Arrays.equals(generation(gen, v.length), v)) problems.add("mixed bytes, generation " + gen);
                            if (gen < last) problems.add("generation " + gen + " after " + last);
                            last = gen;
                        }
                    }
                    return gets;
                }, task -> Thread.ofPlatform().start(task))); // a thread each: the common pool may have one
            }
            assertTrue(reading.await(30, TimeUnit.SECONDS));
            for (int gen = 1; gen <= rounds; gen++) assertEquals("OK", writer.set(key, generation(gen, SIZES[gen % SIZES.length])));
            done.set(true);
            for (CompletableFuture<Integer> r : readers) assertTrue(r.get(60, TimeUnit.SECONDS) > 0);
            assertTrue(problems.isEmpty(), problems.size() + " problems, first: " + problems.peek());
            assertArrayEquals(generation(rounds, SIZES[rounds % SIZES.length]), writer.get(key));
            assertEquals(1, writer.dbSize());
        }
        assertEquals(0, store.stats().evictions());
        assertEquals(0, store.stats().checksumFailures());
    }

    /** The tour's scale-up: 100,000 small SETs through redis-cli --pipe into a 1 GiB store all stay. */
    @Test
    void aHundredThousandSmallSetsAllStayInAOneGibStore() throws Exception {
        assumeRedisCli();
        start(1024 * MIB, c -> c);
        int n = 100_000;
        StringBuilder commands = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String k = "key:" + i, v = "value-" + i;
            commands.append("*3\r\n$3\r\nSET\r\n$").append(k.length()).append("\r\n").append(k).append("\r\n$")
                    .append(v.length()).append("\r\n").append(v).append("\r\n");
        }
        Path input = Files.writeString(dir.resolve("sets.resp"), commands.toString());
        Process pipe = new ProcessBuilder("redis-cli", "-p", Integer.toString(server.respAddress().getPort()), "--pipe")
                .redirectInput(input.toFile()).redirectErrorStream(true).start();
        String out = new String(pipe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(pipe.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, pipe.exitValue(), out);
        assertTrue(out.contains("errors: 0, replies: " + n), out);
        try (Jedis j = jedis()) {
            assertEquals(n, j.dbSize());
            Pipeline p = j.pipelined();
            List<Response<String>> values = new ArrayList<>(n);
            for (int i = 0; i < n; i++) values.add(p.get("key:" + i));
            p.sync();
            for (int i = 0; i < n; i++) assertEquals("value-" + i, values.get(i).get(), "key:" + i);
        }
        assertEquals(0, store.stats().evictions(), "nothing evicted with the store nearly empty");
    }

    private static void assumeRedisCli() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/redis-cli")),
                "redis-cli is not installed (Debian package redis-tools)");
    }
}
