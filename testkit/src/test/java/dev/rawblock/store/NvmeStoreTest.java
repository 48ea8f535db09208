package dev.rawblock.store;

import dev.rawblock.testkit.store.StoreFixture;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.Engine;
import dev.rawblock.device.NvmeVm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A store on an NVMe namespace through the passthrough engine (in nvme-vm): format, put, load,
 * delete, reopen; then {@code kill -9} of a child JVM in the middle of puts and deletes, and
 * recovery that keeps everything it acknowledged. The same store code as on a file; only the
 * engine below differs.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class NvmeStoreTest {
    @TempDir
    Path dir;

    private static BlockDevice open(Path ng) throws java.io.IOException {
        return BlockDevice.open(DeviceOptions.of(ng).withArenaBytes(16 << 20));
    }

    @Test
    void putLoadDeleteAndReopen() throws Exception {
        Path ng = NvmeVm.ng();
        try (BlockDevice dev = open(ng)) {
            assertEquals(Engine.URING_CMD, dev.engine());
            StoreFormat.format(dev, new FormatOptions(256L << 20, 4L << 20, 0));
        }
        List<byte[]> keys = List.of(StoreFixture.key("a"), StoreFixture.key("b"), StoreFixture.key("c"));
        int[] sizes = {28, 5000, 3 << 20}; // a tiny metadata value, a partial block, a chunk larger than one command
        try (BlockDevice dev = open(ng); Store store = Store.open(dev, StoreOptions.defaults())) {
            List<MemorySegment> values = List.of(StoreFixture.value(1, sizes[0]), StoreFixture.value(2, sizes[1]),
                    StoreFixture.value(3, sizes[2]));
            for (PutResult r : store.putMany(keys, values)) assertEquals(PutResult.STORED, r);
            for (int i = 0; i < keys.size(); i++) {
                MemorySegment dst = MemorySegment.ofArray(new byte[sizes[i]]);
                assertEquals(sizes[i], store.loadMany(List.of(keys.get(i)), List.of(dst))[0]);
                assertEquals(-1, dst.mismatch(values.get(i)), "key " + i);
            }
            assertArrayEquals(new boolean[] {true, false}, store.deleteMany(List.of(keys.get(1), StoreFixture.key("zz")), false));
        }
        try (BlockDevice dev = open(ng); Store store = Store.open(dev, StoreOptions.defaults())) {
            assertEquals(2, store.stats().entries());
            MemorySegment dst = MemorySegment.ofArray(new byte[sizes[2]]);
            assertEquals(sizes[2], store.loadMany(List.of(keys.get(2)), List.of(dst))[0]);
            assertEquals(-1, dst.mismatch(StoreFixture.value(3, sizes[2])));
            assertEquals(Store.MISS, store.loadMany(List.of(keys.get(1)), List.of(MemorySegment.ofArray(new byte[sizes[1]])))[0]);
        }
    }

    /** kill -9 of a child JVM writing to the namespace: every acknowledged put is back, every acknowledged delete stays. */
    @Test
    void aKilledProcessLosesNothingAcknowledged() throws Exception {
        Path ng = NvmeVm.ng();
        try (BlockDevice dev = open(ng)) {
            StoreFormat.format(dev, new FormatOptions(256L << 20, 4L << 20, 0));
        }
        Path log = dir.resolve("acks");
        Process child = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(), ng.toString(), "0", "true",
                log.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("READY", out.readLine(), "the child opened the store on " + ng);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (countPuts(log) < 40 && System.nanoTime() < deadline) Thread.sleep(200); // TCG is slow: wait for work
        child.destroyForcibly(); // SIGKILL: no shutdown hooks, no final checkpoint
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));

        Set<String> put = new HashSet<>(), deleted = new HashSet<>(), deleting = new HashSet<>();
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("P ")) put.add(line.substring(2));
            else if (line.startsWith("X ")) deleting.add(line.substring(2));
            else if (line.startsWith("D ")) deleted.add(line.substring(2));
        }
        assertTrue(put.size() >= 20, "the child acknowledged puts: " + put.size());
        try (BlockDevice dev = open(ng); Store store = Store.open(dev, StoreOptions.defaults())) {
            System.out.println("recovered after kill -9: " + store.recoverySummary() + "; " + put.size() + " puts and "
                    + deleted.size() + " deletes acknowledged");
            for (String key : put) {
                MemorySegment dst = MemorySegment.ofArray(new byte[CrashChild.valueSize(key)]);
                long n = store.loadMany(List.of(StoreFixture.key(key)), List.of(dst))[0];
                if (deleted.contains(key)) {
                    assertEquals(Store.MISS, n, "deleted " + key + " came back");
                } else if (!(deleting.contains(key) && n == Store.MISS)) {
                    assertEquals(CrashChild.valueSize(key), n, "lost " + key);
                    assertEquals(-1, dst.mismatch(StoreFixture.value(key.hashCode(), CrashChild.valueSize(key))), key);
                }
            }
        }
    }

    private static long countPuts(Path log) throws java.io.IOException {
        if (!Files.exists(log)) return 0;
        return Files.readAllLines(log).stream().filter(l -> l.startsWith("P ")).count();
    }
}
