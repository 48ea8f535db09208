package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.testkit.store.StoreFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code kill -9} of a child JVM under concurrent put/delete load, many rounds on one store: after
 * each kill, every put the child acknowledged is back byte-exact, every delete it acknowledged
 * stayed deleted, nothing is served wrongly, and space adds up.
 */
class StoreKillTest {
    @TempDir
    Path dir;

    @Test
    void killedProcessesLoseNothingAcknowledged() throws Exception {
        Path path = dir.resolve("store.img");
        try (BlockDevice dev = BlockDevice.open(DeviceOptions.of(path).withCreateSize(128L << 20))) {
            StoreFormat.format(dev, new FormatOptions(0, 4L << 20, 0));
        }
        Set<String> put = new HashSet<>(), deleted = new HashSet<>(), deleting = new HashSet<>();
        Random rnd = new Random(11);
        for (int round = 0; round < 6; round++) {
            boolean flush = round % 2 == 0; // without flushing, a process crash still loses nothing
            Path log = dir.resolve("acks-" + round);
            Process child = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    CrashChild.class.getName(), path.toString(), Integer.toString(round), Boolean.toString(flush),
                    log.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("READY", out.readLine(), "child " + round + " opened the store");
            Thread.sleep(300 + rnd.nextInt(700));
            child.destroyForcibly(); // SIGKILL: no shutdown hooks, no final checkpoint
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            for (String line : java.nio.file.Files.readAllLines(log)) record(line, put, deleted, deleting);

            try (BlockDevice dev = BlockDevice.open(DeviceOptions.of(path).withArenaBytes(16 << 20));
                 Store store = Store.open(dev, StoreOptions.defaults())) {
                for (String key : put) {
                    MemorySegment dst = MemorySegment.ofArray(new byte[CrashChild.valueSize(key)]);
                    long n = store.loadMany(List.of(StoreFixture.key(key)), List.of(dst))[0];
                    if (deleted.contains(key)) {
                        assertEquals(Store.MISS, n, "round " + round + ": deleted " + key + " came back");
                    } else if (deleting.contains(key) && n == Store.MISS) {
                        // the delete was under way at the kill: gone is as right as present
                    } else {
                        assertEquals(CrashChild.valueSize(key), n, "round " + round + ": lost " + key);
                        assertEquals(-1, dst.mismatch(StoreFixture.value(key.hashCode(), CrashChild.valueSize(key))), key);
                    }
                }
                StoreStats s = store.stats();
                long used = s.classes().stream().mapToLong(StoreStats.ClassStats::usedSlots).sum();
                assertEquals(s.entries(), used, "one slot per entry");
                assertTrue(s.entries() >= put.size() - deleting.size(), "in-doubt puts may add entries, never remove acknowledged ones");
            }
        }
        assertTrue(put.size() > 50, "the children acknowledged work: " + put.size());
    }

    private static void record(String line, Set<String> put, Set<String> deleted, Set<String> deleting) {
        if (line.startsWith("P ")) put.add(line.substring(2));
        else if (line.startsWith("X ")) deleting.add(line.substring(2));
        else if (line.startsWith("D ")) deleted.add(line.substring(2));
    }
}
