package dev.rawblock.cli.bench;

import dev.rawblock.cli.InProcess;
import dev.rawblock.cli.text.JsonReader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** bench server end to end on a small scratch file: real redis-benchmark against a real server. */
class BenchServerCommandTest {
    @TempDir
    Path dir;

    @Test
    void measuresTheServerNextToTheEmbeddedStore() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/redis-benchmark")), "apt-get install redis-tools");
        Path scratch = dir.resolve("s.img");
        InProcess.Run run = InProcess.rawblock("bench", "server", "--path", scratch.toString(),
                "--capacity", "1g", "--value-size", "1m", "--requests", "32", "--runs", "1", "--no-flush", "--no-small", "--json");
        assertEquals(0, run.exitCode(), run.err());
        Map<?, ?> json = assertInstanceOf(Map.class, JsonReader.parse(run.lastLine()));
        for (String key : new String[] {"embedded_put_gbps", "embedded_get_gbps", "server_set_gbps", "server_get_gbps",
                "set_ratio", "get_ratio", "server_overwrite_gbps", "overwrite_ratio", "embedded_put_cpu_s_per_gb",
                "embedded_get_cpu_s_per_gb", "server_set_cpu_s_per_gb", "server_get_cpu_s_per_gb"}) {
            assertTrue((Double) json.get(key) > 0, key + " in " + json);
        }
        assertTrue(run.out().contains("server/embedded"), run.out());
        if (Files.isExecutable(Path.of("/usr/bin/redis-server"))) {
            // The reference runs in every run, beside the other two, with its CPU measured the same way.
            for (String key : new String[] {"redis_set_gbps", "redis_get_gbps", "redis_set_cpu_s_per_gb", "redis_get_cpu_s_per_gb"}) {
                assertTrue((Double) json.get(key) > 0, key + " in " + json);
            }
            assertTrue(run.err().contains("redis-server: SET"), run.err());
        }
        assertFalse(Files.exists(scratch), "the scratch file it created is removed");
    }
}
