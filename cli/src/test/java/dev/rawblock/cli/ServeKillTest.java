package dev.rawblock.cli;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kill -9} of {@code rawblock serve} in the middle of SETs that overwrite keys: after a
 * restart every key holds the value its last acknowledged SET wrote, or the one in flight at the
 * kill, never nothing and never an older one.
 */
class ServeKillTest {
    /** Sizes a SET goes through: inline in the slot header, one block, streamed in pieces (1 MiB and up). */
    private static final int[] SIZES = {100, 20_000, 2 << 20, 300_000, 1 << 20};
    private static final int KEYS = 4;

    @TempDir
    Path dir;

    /** Generation {@code gen} of a value: its number in the first 4 bytes, then bytes only it has. */
    private static byte[] generation(int gen, int size) {
        byte[] b = new byte[size];
        new Random(gen).nextBytes(b);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(0, gen);
        return b;
    }

    /** On one file, and on a store over three (created and formatted by the first start). */
    @ParameterizedTest(name = "{0} device(s)")
    @ValueSource(ints = {1, 3})
    void everyKeyHoldsItsAcknowledgedOrInFlightValueAfterKill9(int devices) throws Exception {
        Path store = dir.resolve("kill.img");
        int port = ServeProcess.freePort();
        List<String> more = new ArrayList<>(List.of("--capacity", "512m"));
        for (int m = 1; m < devices; m++) more.addAll(List.of("--path", dir.resolve("kill-" + m + ".img").toString()));
        String[] args = more.toArray(String[]::new);
        int[] acked = new int[KEYS], inFlight = new int[KEYS];
        Arrays.fill(acked, -1);
        Arrays.fill(inFlight, -1);
        AtomicInteger next = new AtomicInteger();
        Random rnd = new Random(11);
        for (int round = 0; round < 3; round++) {
            int killAfter = 10 + rnd.nextInt(40);
            try (ServeProcess served = ServeProcess.serve(store, port, args); Resp client = new Resp(port)) {
                check(client, acked, inFlight, round);
                AtomicInteger stored = new AtomicInteger();
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try {
                        while (true) {
                            int gen = next.getAndIncrement(), k = gen % KEYS;
                            inFlight[k] = gen;
                            if (!client.set("k" + k, generation(gen, SIZES[gen % SIZES.length]))) return;
                            acked[k] = gen;
                            stored.incrementAndGet();
                        }
                    } catch (IOException killed) {
                        // the server died under this SET: it is the one in flight
                    }
                }, task -> Thread.ofPlatform().start(task));
                while (stored.get() < killAfter && !writer.isDone()) Thread.sleep(1);
                assertEquals(0, new ProcessBuilder("kill", "-KILL", Long.toString(served.pid())).start().waitFor());
                writer.get(60, TimeUnit.SECONDS);
                assertTrue(served.process.waitFor(30, TimeUnit.SECONDS));
            }
        }
        try (ServeProcess served = ServeProcess.serve(store, port, args); Resp client = new Resp(port)) {
            check(client, acked, inFlight, 3);
            assertEquals(0, served.stop());
        }
        // stats opens the same set and reports every member.
        ServeProcess stats = ServeProcess.run(List.of(List.of("stats", "--json", "--path", store.toString()),
                more.subList(2, more.size())).stream().flatMap(List::stream).toArray(String[]::new));
        assertEquals(0, stats.exitCode(), String.join("\n", stats.log));
        String json = stats.log.getLast();
        for (int m = 0; m < devices; m++) {
            Path member = m == 0 ? store : dir.resolve("kill-" + m + ".img");
            assertTrue(json.contains("{\"path\":\"" + member + "\",\"value_bytes\":"), json);
        }
        assertEquals(devices, json.split("\"value_bytes\":").length - 1, json);
    }

    /** Every key that was ever acknowledged holds its last acknowledged or its in-flight generation. */
    private static void check(Resp client, int[] acked, int[] inFlight, int round) throws IOException {
        for (int k = 0; k < KEYS; k++) {
            if (acked[k] < 0) continue;
            byte[] value = client.get("k" + k);
            assertNotNull(value, "round " + round + ": k" + k + " lost (acknowledged generation " + acked[k] + ")");
            int gen = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
            assertTrue(gen == acked[k] || gen == inFlight[k], "round " + round + ": k" + k + " holds generation " + gen
                    + ", acknowledged " + acked[k] + ", in flight " + inFlight[k]);
            assertTrue(Arrays.equals(generation(gen, value.length), value), "k" + k + " bytes of generation " + gen);
        }
    }
}
