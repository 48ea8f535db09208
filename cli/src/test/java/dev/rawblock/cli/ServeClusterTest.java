package dev.rawblock.cli;

import dev.rawblock.cli.InProcess.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code rawblock serve --cluster-nodes}: three nodes as three processes, started as an operator
 * starts them, used by {@code redis-cli -c} (which follows MOVED); and the refusals, one line each
 * before anything is created.
 */
class ServeClusterTest {
    @TempDir
    Path dir;

    private Run refused(String... flags) throws IOException {
        List<String> args = new ArrayList<>(List.of("serve", "--path", dir.resolve("data").resolve("s.img").toString(),
                "--capacity", "256m", "--lm-port", "-1"));
        args.addAll(List.of(flags));
        Run run = InProcess.rawblock(args.toArray(String[]::new));
        assertEquals(2, run.exitCode(), run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
        assertFalse(Files.exists(dir.resolve("data")), "nothing created: " + run.err());
        return run;
    }

    @Test
    void refusals() throws IOException {
        assertTrue(refused("--port", "7001", "--cluster-nodes", "127.0.0.1:7002,127.0.0.1:7003").err().contains(
                "--cluster-nodes 127.0.0.1:7002,127.0.0.1:7003 does not name this node (127.0.0.1:7001, from --bind and "
                        + "--port): start every node with the same list, each node in it once"));
        assertTrue(refused("--port", "7001", "--cluster-nodes", "localhost:7001,127.0.0.1:7001").err().contains(
                "--cluster-nodes names this node (127.0.0.1:7001) twice: localhost:7001 and 127.0.0.1:7001"));
        assertTrue(refused("--port", "0", "--cluster-nodes", "127.0.0.1:7001").err().contains(
                "--cluster-nodes needs a fixed --port: 0 would pick a port the other nodes do not know"));
        assertTrue(refused("--port", "7001", "--cluster-slots", "127.0.0.1:7001=0-16383").err().contains(
                "--cluster-slots needs --cluster-nodes"));
        assertTrue(refused("--port", "7001", "--cluster-nodes", "127.0.0.1:7001,127.0.0.1:7002", "--cluster-slots",
                "127.0.0.1:7001=0-100,127.0.0.1:7002=200-16383").err().contains(
                "--cluster-slots: slots 101-199 are given to no node"));
    }

    private record Cli(int exit, String output) {
    }

    private static Cli redisCli(byte[] stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("redis-cli"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (stdin != null) p.getOutputStream().write(stdin);
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Cli(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void threeProcessesServeOneCluster() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/redis-cli")), "redis-cli missing: apt-get install redis-tools");
        int[] ports = {ServeProcess.freePort(), ServeProcess.freePort(), ServeProcess.freePort()};
        String nodes = String.join(",", Arrays.stream(ports).mapToObj(p -> "127.0.0.1:" + p).toList());
        List<ServeProcess> served = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                served.add(ServeProcess.launch(List.of("--path", dir.resolve("node" + i + ".img").toString(), "--capacity",
                        "256m", "--port", Integer.toString(ports[i]), "--lm-port", "-1", "--no-flush",
                        "--cluster-nodes", nodes)));
            }
            for (int i = 0; i < 3; i++) {
                String line = served.get(i).await("cluster node ");
                assertTrue(line.contains("cluster node " + (i + 1) + " of 3 (127.0.0.1:" + ports[i] + ", id "), line);
                served.get(i).await("ready");
            }
            String info = Resp.request(ports[1], "CLUSTER", "INFO");
            assertTrue(info.contains("cluster_state:ok\r\ncluster_slots_assigned:16384\r\n"), info);
            assertTrue(info.contains("cluster_known_nodes:3\r\ncluster_size:3\r\n"), info);
            // foo is slot 12182, the third node's: asked elsewhere, a node sends the client there.
            assertEquals("-MOVED 12182 127.0.0.1:" + ports[2] + "\r\n", Resp.request(ports[0], "GET", "foo"));
            // redis-cli -c follows MOVED: 1 MiB values through the first node land on their owners.
            String port0 = Integer.toString(ports[0]);
            for (int k = 0; k < 6; k++) {
                byte[] value = new byte[1 << 20];
                Arrays.fill(value, (byte) ('a' + k));
                assertEquals(new Cli(0, "OK\n"), redisCli(value, "-c", "-p", port0, "-x", "set", "chunk-" + k));
            }
            int total = 0;
            for (int i = 0; i < 3; i++) {
                String dbsize = Resp.request(ports[i], "DBSIZE");
                int n = Integer.parseInt(dbsize.strip().substring(1));
                assertTrue(n > 0, "node " + i + " holds some keys");
                total += n;
            }
            assertEquals(6, total);
            for (int k = 0; k < 6; k++) {
                String key = "chunk-" + k;
                String slot = redisCli(null, "-p", port0, "cluster", "keyslot", key).output().strip();
                int owner = Integer.parseInt(slot) <= 5460 ? 0 : Integer.parseInt(slot) <= 10922 ? 1 : 2;
                try (Resp resp = new Resp(ports[owner])) {
                    byte[] expected = new byte[1 << 20];
                    Arrays.fill(expected, (byte) ('a' + k));
                    assertArrayEquals(expected, resp.get(key), key + " on node " + owner);
                }
            }
            assertEquals(new Cli(0, "1\n"), redisCli(null, "-c", "-p", port0, "exists", "chunk-5"));
            for (ServeProcess s : served) assertEquals(0, s.stop(), s.log.toString());
        } finally {
            for (ServeProcess s : served) s.close();
        }
    }
}
