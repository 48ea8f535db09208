package dev.rawblock.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A SET over the value limit is answered with its error even when the body is large (the client
 * sends it whole before it reads a reply): the server reads the body to its end and drops it, and
 * the connection goes on.
 */
class ServeValueLimitTest {
    @TempDir
    Path dir;

    @Test
    void anOversizedSetGetsItsErrorNotAReset() throws Exception {
        int port = ServeProcess.freePort();
        Path body = Tools.sparse(dir.resolve("body"), 300L << 20); // 300 MB of zeros
        try (ServeProcess served = ServeProcess.serve(dir.resolve("s.img"), port, "--capacity", "256m",
                "--max-value-size", "1m")) {
            Process cli = new ProcessBuilder("redis-cli", "-p", Integer.toString(port), "-x", "set", "big")
                    .redirectInput(body.toFile()).redirectErrorStream(true).start();
            String reply = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(cli.waitFor(120, TimeUnit.SECONDS));
            assertEquals("ERR value of " + (300L << 20) + " bytes is larger than max-value-size (1048576 bytes)", reply);
            assertFalse(reply.contains("reset"), reply);

            // The same connection goes on: the next request is answered.
            try (Resp resp = new Resp(port)) {
                assertFalse(resp.set("k", new byte[(1 << 20) + 1]), "over the limit");
                assertTrue(resp.set("k", new byte[1 << 20]), "at the limit, on the same connection");
            }
            assertEquals(0, served.stop());
        }
    }
}
