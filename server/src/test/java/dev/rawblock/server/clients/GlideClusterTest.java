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
 * valkey-glide's cluster client, the one LMCache MP's {@code valkey} adapter runs with
 * {@code cluster_mode: true}, against a 3-node rawblock cluster (see {@link ClusterWorkload}):
 * HELLO 3, CLUSTER SLOTS from the stale seed, MOVED to the moved slots. The Node client is pinned
 * in {@code src/test/glide-cluster/package.json}; {@code .ci/run} installs it there with
 * {@code npm ci}, and elsewhere the test skips saying so.
 */
class GlideClusterTest {
    private static final Path CLIENT = Path.of("src/test/glide-cluster");

    @TempDir
    Path dir;

    @Test
    void glideClusterClient() throws Exception {
        assumeTrue(Files.isDirectory(CLIENT.resolve("node_modules/@valkey/valkey-glide")),
                "valkey-glide missing: npm ci --prefix server/src/test/glide-cluster (needs node and npm)");
        for (String password : new String[] {null, "pw"}) {
            Path nodes = Files.createDirectories(dir.resolve(password == null ? "open" : "pw"));
            try (LocalCluster cluster = ClusterWorkload.start(nodes, password)) {
                List<String> keys = ClusterWorkload.keys("glide");
                List<String> command = new ArrayList<>(List.of("node", "cluster_client.mjs", Integer.toString(cluster.port(0)),
                        password == null ? "" : password));
                command.addAll(keys);
                Process p = new ProcessBuilder(command).directory(CLIENT.toFile()).redirectErrorStream(true).start();
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "glide finished");
                assertTrue(output.endsWith("\nOK\n") || output.equals("OK\n"), output);
                assertEquals(0, p.exitValue(), output);
                // glide logs (to stdout) the redirection it followed, then refreshes its map of the slots.
                assertTrue(output.contains("Moved: "), output);
                ClusterWorkload.verify(cluster, keys);
            }
        }
    }
}
