package dev.rawblock.cli;

import dev.rawblock.cli.InProcess.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One owner per store, across processes: while a {@code rawblock serve} (a child JVM) holds a
 * store, a second serve, {@code format --force}, {@code fsck --repair} and {@code stats} are each
 * refused at once with one line naming the server's pid; the server keeps serving, and after it
 * restarts every value it acknowledged is there, byte for byte.
 */
@Timeout(300)
class OwnershipCommandTest {
    @TempDir
    Path dir;

    private final Map<String, byte[]> acknowledged = new LinkedHashMap<>();
    private final Random random = new Random(11);

    /** SETs {@code n} values of 1 byte to 3 MiB; remembers those the server acknowledged. */
    private void setSome(int port, String prefix, int n) throws IOException {
        try (Resp resp = new Resp(port)) {
            for (int i = 0; i < n; i++) {
                byte[] value = new byte[i % 3 == 0 ? 1 + random.nextInt(3 << 20) : 1 + random.nextInt(5000)];
                random.nextBytes(value);
                String key = prefix + "-" + i;
                assertTrue(resp.set(key, value), "SET " + key);
                acknowledged.put(key, value);
            }
        }
    }

    private void assertAllThere(int port) throws IOException {
        try (Resp resp = new Resp(port)) {
            for (Map.Entry<String, byte[]> e : acknowledged.entrySet()) {
                assertArrayEquals(e.getValue(), resp.get(e.getKey()), "GET " + e.getKey());
            }
        }
    }

    private static void assertRefusedByHolder(Path store, long pid, String err, String... more) {
        String line = err.strip();
        assertEquals(1, line.lines().count(), "one line: " + line);
        assertTrue(line.startsWith("rawblock: " + store + " is in use by pid " + pid
                + " (another rawblock process holds it)"), line);
        for (String m : more) assertTrue(line.contains(m), "'" + line + "' should contain " + m);
    }

    @Test
    void aSecondServeIsRefusedAndTheFirstKeepsServing() throws Exception {
        Path store = dir.resolve("s.img");
        int port = ServeProcess.freePort();
        try (ServeProcess first = ServeProcess.serve(store, port, "--capacity", "256m")) {
            setSome(port, "before", 12);
            ServeProcess second = ServeProcess.run("serve", "--path", store.toString(), "--port",
                    Integer.toString(ServeProcess.freePort()), "--lm-port", "-1");
            assertEquals(1, second.exitCode(), second.log.toString());
            assertRefusedByHolder(store, first.pid(), String.join("\n", second.log));
            assertAllThere(port);
            setSome(port, "after", 6);
            assertEquals(0, first.stop(), first.log.toString());
        }
        try (ServeProcess again = ServeProcess.serve(store, port)) {
            assertAllThere(port);
            assertEquals(0, again.stop());
        }
    }

    @Test
    void formatForceFsckRepairAndStatsAreRefusedWhileServed() throws Exception {
        Path store = dir.resolve("s.img");
        int port = ServeProcess.freePort();
        try (ServeProcess served = ServeProcess.serve(store, port, "--capacity", "256m")) {
            setSome(port, "k", 12);

            Run format = rawblock("format", "--path", store.toString(), "--force");
            assertEquals(1, format.exitCode(), format.err());
            assertRefusedByHolder(store, served.pid(), format.err());
            assertAllThere(port);

            Run repair = rawblock("fsck", "--path", store.toString(), "--repair");
            assertEquals(1, repair.exitCode(), repair.err());
            assertRefusedByHolder(store, served.pid(), repair.err());
            assertAllThere(port);

            String hint = "(inspect a served store with: redis-cli -p " + port + " INFO rawblock)";
            for (String command : new String[] {"stats", "fsck"}) {
                Run inspect = rawblock(command, "--path", store.toString());
                assertEquals(1, inspect.exitCode(), inspect.err());
                assertRefusedByHolder(store, served.pid(), inspect.err(), hint);
            }
            setSome(port, "later", 4);
            assertAllThere(port);
            assertEquals(0, served.stop(), served.log.toString());
        }
        try (ServeProcess again = ServeProcess.serve(store, port)) {
            assertAllThere(port);
            assertEquals(0, again.stop());
        }
        Run stats = rawblock("stats", "--path", store.toString(), "--json");
        assertEquals(0, stats.exitCode(), stats.err());
        assertEquals((double) acknowledged.size(), stats.json().get("entries"));
    }
}
