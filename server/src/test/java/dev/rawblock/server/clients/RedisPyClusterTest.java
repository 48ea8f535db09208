package dev.rawblock.server.clients;

import dev.rawblock.server.cluster.LocalCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's redis-py 4.3.4 {@code RedisCluster} (python3-redis, which {@code .ci/run} installs)
 * against a 3-node rawblock cluster (see {@link ClusterWorkload}): it checks INFO for
 * cluster_enabled:1, reads CLUSTER SLOTS from the stale seed and COMMAND for the key positions,
 * and follows MOVED to the moved slots.
 */
class RedisPyClusterTest {
    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    Path dir;

    @Test
    void redisCluster() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(PYTHON)), PYTHON + " missing: apt-get install python3");
        assumeTrue(new ProcessBuilder(PYTHON, "-c", "from redis.cluster import RedisCluster").start().waitFor() == 0,
                "redis-py with RedisCluster missing: apt-get install python3-redis");
        try (LocalCluster cluster = ClusterWorkload.start(dir, "pw")) {
            List<String> keys = ClusterWorkload.keys("redispy");
            Path script = Path.of(getClass().getResource("/cluster_client_redispy.py").toURI());
            List<String> command = new ArrayList<>(List.of(PYTHON, script.toString(), Integer.toString(cluster.port(0)), "pw"));
            command.addAll(keys);
            Path errors = dir.resolve("stderr.txt");
            Process p = new ProcessBuilder(command).redirectError(errors.toFile()).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "redis-py finished");
            String stderr = Files.readString(errors);
            assertEquals("OK\n", output, stderr);
            assertEquals(0, p.exitValue());
            // redis-py prints each redirection it follows (a traceback per MovedError) and goes on.
            assertTrue(stderr.contains("redis.exceptions.MovedError: "), stderr);
            ClusterWorkload.verify(cluster, keys);
        }
    }
}
