package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;

import dev.rawblock.testkit.store.StoreFixture;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The workload a child JVM runs until {@link StoreKillTest} kills it with SIGKILL: puts and
 * deletes from several threads, appending a line to a log file for every acknowledged operation
 * ("P key" after a put returned STORED, "X key" before a delete starts, "D key" after it returned
 * true). The log is written
 * with one write(2) per line: it survives the kill in the page cache. Keys are never reused, and a value
 * is a function of its key, so the parent can check everything it was told.
 */
public final class CrashChild {
    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        int round = Integer.parseInt(args[1]);
        boolean flush = Boolean.parseBoolean(args[2]);
        log = new java.io.FileOutputStream(args[3], true);
        BlockDevice device = BlockDevice.open(DeviceOptions.of(path).withArenaBytes(16 << 20));
        Store store = Store.open(device, StoreOptions.defaults().withFlush(flush).withEviction(Eviction.NONE));
        System.out.println("READY");
        System.out.flush();
        Thread[] workers = new Thread[3];
        for (int w = 0; w < workers.length; w++) {
            int id = w;
            workers[w] = Thread.ofPlatform().start(() -> {
                Random rnd = new Random(round * 31L + id);
                for (int i = 0; ; i++) {
                    String key = "r" + round + "w" + id + "k" + i;
                    byte[] k = StoreFixture.key(key);
                    MemorySegment v = StoreFixture.value(key.hashCode(), valueSize(key));
                    if (store.putMany(List.of(k), List.of(v))[0] == PutResult.STORED) say("P " + key);
                    if (rnd.nextInt(4) != 0) continue;
                    say("X " + key); // a delete starts: until "D", the key may or may not be gone
                    if (store.deleteMany(List.of(k), false)[0]) say("D " + key);
                }
            });
        }
        for (Thread t : workers) t.join();
    }

    static int valueSize(String key) {
        return 1000 + Math.floorMod(key.hashCode(), 20_000);
    }

    private static java.io.FileOutputStream log;

    private static synchronized void say(String line) {
        try {
            log.write((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
