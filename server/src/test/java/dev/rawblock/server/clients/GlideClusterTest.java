package dev.rawblock.server.clients;

import dev.rawblock.server.cluster.LocalCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * valkey-glide's cluster client, the one LMCache MP's {@code valkey} adapter runs with
 * {@code cluster_mode: true}, against a 3-node rawblock cluster (see {@link ClusterWorkload}):
 * HELLO 3, CLUSTER SLOTS from the stale seed, MOVED to the moved slots. The client is the pinned
 * one {@link Glide} installs.
 */
class GlideClusterTest {

    @TempDir
    Path dir;

    @Test
    void glideClusterClient() throws Exception {
        Path node = Glide.install();
        Path script = Glide.stage(Path.of("src/test/glide/cluster_client.mjs")).toAbsolutePath();
        for (String password : new String[] {null, "pw"}) {
            Path nodes = Files.createDirectories(dir.resolve(password == null ? "open" : "pw"));
            try (LocalCluster cluster = ClusterWorkload.start(nodes, password)) {
                List<String> keys = ClusterWorkload.keys("glide");
                List<String> command = new ArrayList<>(List.of(node.toString(), script.toString(),
                        Integer.toString(cluster.port(0)), password == null ? "" : password));
                command.addAll(keys);
                Glide.Result run = Glide.run(command, 120);
                String output = run.output();
                assertTrue(output.endsWith("\nOK\n") || output.equals("OK\n"), "exit " + run.exit() + ": " + output);
                assertEquals(0, run.exit(), output);
                // glide logs (to stdout) the redirection it followed, then refreshes its map of the slots.
                assertTrue(output.contains("Moved: "), output);
                ClusterWorkload.verify(cluster, keys);
            }
        }
    }
}
