package dev.rawblock.cli;

import dev.rawblock.cli.InProcess.Run;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code serve} does with what it finds at --path: an all-zero or empty file (what a first
 * start killed before its format leaves) is formatted; a filesystem image is refused, unchanged.
 */
@Timeout(180)
class ServeContentsTest {
    @TempDir
    Path dir;

    @Test
    void anAllZeroFileLeftByAKilledFirstStartIsFormatted() throws Exception {
        Path store = dir.resolve("s.img");
        // What a first start leaves when it dies after preallocating, before its format: zeros.
        BlockDevice.open(DeviceOptions.of(store).withCreateSize(256L << 20).withArenaBytes(0)).close();
        int port = ServeProcess.freePort();
        try (ServeProcess served = ServeProcess.serve(store, port)) {
            assertTrue(served.log.stream().anyMatch(l -> l.contains("formatted " + store) && l.contains("all zero")),
                    served.log.toString());
            try (Resp resp = new Resp(port)) {
                assertTrue(resp.set("k", "v".getBytes(StandardCharsets.UTF_8)));
                assertArrayEquals("v".getBytes(StandardCharsets.UTF_8), resp.get("k"));
            }
            assertEquals(0, served.stop());
        }
        Path empty = Files.createFile(dir.resolve("empty.img")); // dead before it even preallocated
        try (ServeProcess served = ServeProcess.serve(empty, port, "--capacity", "256m")) {
            assertTrue(served.log.stream().anyMatch(l -> l.contains("formatted " + empty)), served.log.toString());
            assertEquals(0, served.stop());
        }
        assertEquals(256L << 20, Files.size(empty));

        // Dead in the middle of its format: the first checkpoint written, the superblock not yet.
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(empty.toFile(), "rw")) {
            f.write(new byte[2 * 4096]);
        }
        try (ServeProcess served = ServeProcess.serve(empty, port)) {
            assertTrue(served.log.stream().anyMatch(l -> l.contains("formatted " + empty)
                    && l.contains("unfinished rawblock format")), served.log.toString());
            assertEquals(0, served.stop());
        }
    }

    @Test
    void anExt4ImageIsRefusedAndLeftAlone() throws Exception {
        Path img = Tools.ext4Image(dir.resolve("ext4.img"), 64 << 20);
        String before = Tools.sha256(img);
        Run run = rawblock("serve", "--path", img.toString(), "--port", "0", "--lm-port", "-1");
        assertEquals(1, run.exitCode(), run.err());
        String err = run.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("rawblock: " + img + " holds an ext4 filesystem and is not a rawblock store"), err);
        assertEquals(before, Tools.sha256(img));
        Tools.ok("e2fsck", "-n", "-f", img.toString());
    }
}
