package dev.rawblock.cli.bench;

import dev.rawblock.cli.InProcess.Run;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench store --against rocksdb} and {@code --plot}, end to end on small runs, in-process. */
@Timeout(300) // a stuck engine fails the test instead of hanging the build
class BenchStoreAgainstRocksTest {
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    Path dir;

    private Run bench(String... extra) {
        String[] base = {"bench", "store", "--path", dir.resolve("s.img").toString(), "--total", "64m",
                "--value-size", "1m", "--qd", "4", "--json", "--against", "rocksdb"};
        String[] args = Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return rawblock(args);
    }

    private static double number(Map<?, ?> json, String key) {
        return assertInstanceOf(Double.class, json.get(key), key + " in " + json);
    }

    @Test
    void rocksdbRunsTheSameWorkloadAndIsPlotted() throws IOException {
        Path png = dir.resolve("cmp.png");
        Run run = bench("--plot", png.toString());
        assertEquals(0, run.exitCode(), run.err());
        Map<?, ?> json = run.json();
        for (String key : List.of("rocksdb_put_gbps", "rocksdb_get_gbps", "rocksdb_put_ops", "rocksdb_get_p50_ms",
                "rocksdb_put_cpu_s_per_gb", "rocksdb_put_ratio", "rocksdb_get_ratio", "put_gbps", "get_gbps")) {
            assertTrue(number(json, key) > 0, key + ": " + run.lastLine());
        }
        assertTrue(number(json, "rocksdb_get_p99_ms") >= number(json, "rocksdb_get_p50_ms"), run.lastLine());
        assertEquals(number(json, "put_gbps") / number(json, "rocksdb_put_gbps"), number(json, "rocksdb_put_ratio"),
                1e-3 * number(json, "rocksdb_put_ratio"));
        assertEquals(List.of("rocksdb"), json.get("peers"));
        assertEquals(Boolean.TRUE, json.get("rocksdb_sync"), "rawblock flushes by default, so RocksDB syncs");
        assertEquals(Boolean.TRUE, json.get("rocksdb_blob_files"));
        assertFalse(json.containsKey("put_ratio"), "the unprefixed ratios are fio's");
        assertEquals(png.toString(), json.get("plot"));
        assertTrue(run.out().contains("rocksdb put") && run.out().contains("rocksdb get"), run.out());
        assertTrue(run.out().contains("(rawblock / rocksdb, median GB/s)"), run.out());
        assertTrue(run.out().contains("sync=true (rawblock --flush true)"), run.out());
        assertFalse(Files.exists(dir.resolve(BenchStoreCommand.ROCKSDB_DIR_NAME)), "removed without --keep");

        byte[] bytes = Files.readAllBytes(png);
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(bytes, PNG_MAGIC.length), "PNG signature");
        assertTrue(bytes.length > 10_000, "a chart, not an empty image: " + bytes.length + " bytes");
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "ImageIO reads it");
        assertEquals(1000, image.getWidth());
        assertEquals(600, image.getHeight());
    }

    @Test
    void flushOffMeansUnsyncedWritesAndKeepLeavesTheDirectory() {
        Path rocks = dir.resolve("r");
        Run run = bench("--flush", "false", "--ops", "put", "--keep", "--rocksdb-dir", rocks.toString());
        assertEquals(0, run.exitCode(), run.err());
        Map<?, ?> json = run.json();
        assertEquals(Boolean.FALSE, json.get("rocksdb_sync"));
        assertTrue(number(json, "rocksdb_put_gbps") > 0, run.lastLine());
        assertNull(json.get("rocksdb_get_gbps"), "get was not asked for");
        assertTrue(run.out().contains("sync=false (rawblock --flush false)"), run.out());
        assertTrue(Files.exists(rocks.resolve(RocksPeer.MARKER)) && Files.exists(rocks.resolve("CURRENT")),
                "kept with --keep");
        Run again = bench("--force", "--rocksdb-dir", rocks.toString(), "--ops", "get");
        assertEquals(0, again.exitCode(), "a directory made by bench store is wiped and reused: " + again.err());
        assertTrue(number(again.json(), "rocksdb_get_gbps") > 0, again.lastLine());
        assertFalse(Files.exists(rocks), "removed without --keep");
    }

    @Test
    void foreignOrUnusableDirectoriesAreOneLineFailures() throws Exception {
        Path foreign = Files.createDirectories(dir.resolve("foreign"));
        Files.writeString(foreign.resolve("precious.txt"), "not yours");
        Run refused = bench("--rocksdb-dir", foreign.toString());
        assertOneLineFailure(refused, "is not empty and was not made by bench store");
        assertTrue(Files.exists(foreign.resolve("precious.txt")), "nothing of someone else's is deleted");

        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertOneLineFailure(bench("--rocksdb-dir", file.resolve("db").toString()),
                "cannot create the RocksDB directory");

        // Root ignores file modes; the immutable attribute makes a directory bench store made earlier
        // unwritable even for root, so RocksDB itself fails to open.
        Path locked = Files.createDirectories(dir.resolve("locked"));
        Files.createFile(locked.resolve(RocksPeer.MARKER));
        Assumptions.assumeTrue(exec("chattr", "+i", locked.toString()), "chattr +i is not available here");
        try {
            assertOneLineFailure(bench("--rocksdb-dir", locked.toString()), "cannot open RocksDB in " + locked);
        } finally {
            exec("chattr", "-i", locked.toString());
        }
    }

    private static void assertOneLineFailure(Run run, String fragment) {
        assertEquals(1, run.exitCode(), run.err());
        String err = run.err().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.startsWith("rawblock: ") && err.contains(fragment), err);
    }

    private static boolean exec(String... cmd) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
