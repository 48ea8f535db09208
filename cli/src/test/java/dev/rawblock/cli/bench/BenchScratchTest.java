package dev.rawblock.cli.bench;

import dev.rawblock.cli.Child;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Benches own their scratch files: run twice in a row on the default path (./data/ of the working
 * directory), then with more bytes than the first run left there, each succeeds without --force;
 * nothing but results reaches a stderr that is not a terminal; Ctrl-C during a RocksDB comparison
 * leaves no RocksDB directory behind and says what it removed.
 */
@Timeout(600)
class BenchScratchTest {
    @TempDir
    Path dir;

    private void twiceThenLarger(String[] first, String[] larger) throws Exception {
        for (String[] args : new String[][] {first, first, larger}) {
            try (Child c = Child.run(dir, 300, args)) {
                assertEquals(0, c.exitCode(), String.join(" ", args) + ": " + c.err());
                assertFalse(c.err().contains("use --force"), c.err());
                noProgressLines(c.err());
            }
        }
    }

    /** Progress (percent, ETA, a rewritten line) is for terminals only. */
    private static void noProgressLines(String err) {
        assertFalse(err.contains("\r") || err.contains("ETA") || err.contains("preparing new file"), err);
    }

    @Test
    void benchDeviceRunsTwiceAndGrowsItsFile() throws Exception {
        twiceThenLarger(new String[] {"bench", "device", "--size", "32m", "--block", "256k", "--qd", "4"},
                new String[] {"bench", "device", "--size", "64m", "--block", "256k", "--qd", "4"});
        assertEquals(64L << 20, Files.size(dir.resolve(BenchDeviceCommand.DEFAULT_PATH)));
    }

    @Test
    void benchStoreRunsTwiceAndGrowsItsFile() throws Exception {
        twiceThenLarger(new String[] {"bench", "store", "--total", "16m", "--value-size", "1m", "--qd", "2"},
                new String[] {"bench", "store", "--total", "64m", "--value-size", "1m", "--qd", "2"});
        assertEquals(BenchStoreCommand.defaultCapacity(64L << 20), Files.size(dir.resolve(BenchStoreCommand.DEFAULT_PATH)));
    }

    @Test
    void benchRecoveryRunsTwiceAndGrowsItsFile() throws Exception {
        twiceThenLarger(new String[] {"bench", "recovery", "--entries", "2000", "--threads", "2"},
                new String[] {"bench", "recovery", "--entries", "30000", "--threads", "2"});
    }

    @Test
    void benchServerRunsTwice() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/redis-benchmark")), "apt-get install redis-tools");
        String[] args = {"bench", "server", "--capacity", "256m", "--value-size", "256k", "--requests", "16",
                "--clients", "2", "--runs", "1", "--no-small"};
        twiceThenLarger(args, args);
        assertFalse(Files.exists(dir.resolve(BenchServerCommand.DEFAULT_PATH)), "the file it created is removed");
    }

    @Test
    void ctrlCDuringARocksdbComparisonLeavesNoDirectoryBehind() throws Exception {
        Path rocks = dir.resolve("data").resolve(BenchStoreCommand.ROCKSDB_DIR_NAME);
        try (Child c = Child.start(dir, "bench", "store", "--against", "rocksdb", "--total", "128m", "--value-size", "1m",
                "--qd", "2", "--runs", "100")) {
            long deadline = System.nanoTime() + 240_000_000_000L;
            while (!holdsRocksFiles(rocks)) {
                assertTrue(c.alive(), "bench ended before RocksDB started: " + c.err());
                assertTrue(System.nanoTime() < deadline, "RocksDB never wrote a file: " + c.err());
                Thread.sleep(50);
            }
            c.signal("INT");
            assertEquals(Interruption.EXIT_INTERRUPTED, c.await(60), c.err());
            assertFalse(Files.exists(rocks), "left behind: " + rocks + "; " + c.err());
            assertTrue(c.err().contains("rawblock: removed " + Path.of("data", BenchStoreCommand.ROCKSDB_DIR_NAME)),
                    c.err());
            assertFalse(c.err().contains("\tat "), "no stack trace: " + c.err());
        }
    }

    /** Whether RocksDB has written a file of its own (not just our marker) into {@code rocks}. */
    private static boolean holdsRocksFiles(Path rocks) throws Exception {
        if (!Files.isDirectory(rocks)) return false;
        try (Stream<Path> files = Files.list(rocks)) {
            return files.anyMatch(p -> p.getFileName().toString().endsWith(".log")
                    || p.getFileName().toString().endsWith(".blob"));
        } catch (java.nio.file.NoSuchFileException gone) {
            return false;
        }
    }
}
