package dev.rawblock.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Expiry across a restart of {@code rawblock serve}: an expired key stays gone and its space is reused. */
class ServeExpiryTest {
    @TempDir
    Path dir;

    @Test
    void aKeyThatExpiresWhileTheServerIsDownIsGoneAfterItAndItsSpaceIsReused() throws Exception {
        Path store = dir.resolve("e.img");
        int port = ServeProcess.freePort();
        byte[] big = new byte[3 << 20];
        java.util.Arrays.fill(big, (byte) 7);
        try (ServeProcess served = ServeProcess.serve(store, port, "--capacity", "256m"); Resp client = new Resp(port)) {
            assertEquals("+OK\r\n", Resp.request(port, "SET", "soon", "gone", "EX", "1"));
            assertEquals("+OK\r\n", Resp.request(port, "SET", "later", "kept", "EX", "3600"));
            assertTrue(client.set("big", big));
            assertEquals(":1\r\n", Resp.request(port, "PEXPIRE", "big", "1500"));
            assertEquals(0, served.stop());
        }
        Thread.sleep(1600);
        try (ServeProcess served = ServeProcess.serve(store, port); Resp client = new Resp(port)) {
            assertNull(client.get("soon"));
            assertNull(client.get("big"));
            assertArrayEquals("kept".getBytes(StandardCharsets.UTF_8), client.get("later"));
            String ttl = Resp.request(port, "TTL", "later");
            long left = Long.parseLong(ttl.substring(1).trim());
            assertTrue(left > 3500 && left <= 3600, ttl); // a few seconds pass between the SET and here, more on a loaded machine
            String info = client.info("rawblock");
            assertTrue(info.contains("entries:1\r\n"), "only the key that has not expired is left: " + info);
            assertEquals(0, served.stop());
        }
    }
}
