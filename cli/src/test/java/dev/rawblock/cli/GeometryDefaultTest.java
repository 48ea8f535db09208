package dev.rawblock.cli;

import dev.rawblock.cli.InProcess.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One geometry default: a store that {@code format} makes and one that {@code serve} creates on
 * the same capacity are cut the same way, and the default store holds the largest KV chunk
 * LMCache writes (80 MiB).
 */
class GeometryDefaultTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    @Test
    void formatAndServeMakeTheSameGeometry() throws Exception {
        Path formatted = dir.resolve("formatted.img");
        Run format = rawblock("format", "--path", formatted.toString(), "--capacity", "4g", "--json");
        assertEquals(0, format.exitCode(), format.err());

        Path served = dir.resolve("served.img");
        int port = ServeProcess.freePort();
        try (ServeProcess serve = ServeProcess.serve(served, port, "--capacity", "4g")) {
            assertEquals(0, serve.stop(), serve.log.toString());
        }
        Map<?, ?> fromFormat = rawblock("stats", "--path", formatted.toString(), "--json").json();
        Map<?, ?> fromServe = rawblock("stats", "--path", served.toString(), "--json").json();
        assertEquals(fromFormat.get("region_bytes"), fromServe.get("region_bytes"));
        assertEquals(fromFormat.get("regions"), fromServe.get("regions"));
        assertEquals(256.0 * MIB, fromFormat.get("region_bytes"), "4 GiB: 256 MiB regions, 7 power-of-two 32 MiB chunks each");
    }

    @Test
    void theDefaultStoreHoldsAnEightyMebibyteChunk() {
        Path img = dir.resolve("default.img");
        Run format = rawblock("format", "--path", img.toString(), "--capacity",
                Long.toString(ServeCommand.DEFAULT_CAPACITY), "--json");
        assertEquals(0, format.exitCode(), format.err());
        double largest = (Double) format.json().get("max_value_bytes");
        assertTrue(largest >= 80 * MIB, "largest value " + largest);
    }
}
