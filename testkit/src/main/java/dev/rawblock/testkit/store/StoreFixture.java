package dev.rawblock.testkit.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.Engine;
import dev.rawblock.store.FormatOptions;
import dev.rawblock.store.PutResult;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreFormat;
import dev.rawblock.store.StoreOptions;
import dev.rawblock.store.StoreStats;
import dev.rawblock.store.Superblock;
import dev.rawblock.testkit.device.FaultInjectingDevice;
import dev.rawblock.uring.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A store on a real preallocated file behind a fault-injecting wrapper, and helpers for store tests.
 * The fields are the test's to use: {@link #raw} the real device, {@link #device} the wrapper the
 * store runs on, {@link #store} the store {@link #open} opened last.
 */
public abstract class StoreFixture {
    protected static final long MIB = 1 << 20;

    @TempDir
    protected Path dir;

    protected BlockDevice raw;
    protected FaultInjectingDevice device;
    protected Store store;
    /** Device offset of the first data region: operations at or after it are on values. */
    protected long dataStart;
    private final java.util.concurrent.atomic.LongAdder dataOps = new java.util.concurrent.atomic.LongAdder();

    /** Device operations on the data regions so far. */
    protected long dataOps() {
        return dataOps.sum();
    }

    /** Injects {@code n} EIO failures into data-region operations only (journal failures take the store offline). */
    protected void failNextData(int n) {
        device.failNext(n, op -> op.offset() >= dataStart, Errno.EIO);
    }

    /** Formats a new {@code capacity}-byte store (regions of {@code regionBytes}, 0 for the default) and opens it on io_uring. */
    protected Store open(long capacity, long regionBytes, StoreOptions options) throws IOException {
        return open(capacity, regionBytes, 0, options, Engine.IO_URING);
    }

    /** As {@link #open(long, long, StoreOptions)} with an entry limit (0 for the default) and an engine. */
    protected Store open(long capacity, long regionBytes, long maxEntries, StoreOptions options, Engine engine)
            throws IOException {
        raw = BlockDevice.open(DeviceOptions.of(dir.resolve("store.img")).withCreateSize(capacity)
                .withEngine(engine).withArenaBytes(16 * MIB));
        device = new FaultInjectingDevice(raw);
        Superblock sb = StoreFormat.format(device, new FormatOptions(0, regionBytes, maxEntries));
        dataStart = sb.regionBase();
        // Count operations on the data regions (not the journal or checkpoints): what a batch costs.
        device.failWhen(op -> {
            if (op.offset() >= dataStart) dataOps.increment();
            return false;
        }, Errno.EIO);
        store = Store.open(device, options);
        return store;
    }

    /** The smallest capacity whose format has exactly {@code regions} regions of {@code regionBytes}. */
    protected static long capacityFor(int regions, long regionBytes) throws IOException {
        for (long capacity = regions * regionBytes + MIB; ; capacity += MIB) {
            try {
                if (StoreFormat.plan(capacity, 4096, new FormatOptions(0, regionBytes, 0)).regionCount() >= regions) {
                    return capacity;
                }
            } catch (IOException tooSmall) {
                // no room for one region yet
            }
        }
    }

    /**
     * Whether {@link #closeStore} first checks the store with {@link Store#verify} (every entry's
     * slot read and checked, as Lucene's test framework runs CheckIndex on every index it closes).
     * A test that leaves damage behind on purpose turns it off.
     */
    protected boolean verifyOnClose = true;

    @AfterEach
    protected void closeStore() throws IOException {
        try {
            if (store != null && verifyOnClose) {
                Store.VerifyReport report;
                try {
                    report = store.verify(false, n -> { });
                } catch (IllegalStateException closedOrOffline) {
                    report = null; // nothing to check: the test closed it, or took it offline
                }
                if (report != null && report.errors() != 0) {
                    throw new AssertionError("the store fails verification when the test ends: " + report.problems());
                }
            }
        } finally {
            if (store != null) store.close();
            if (device != null) device.close();
        }
    }

    public static byte[] key(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static List<byte[]> keys(String... names) {
        return Arrays.stream(names).map(StoreFixture::key).toList();
    }

    /** Deterministic bytes for (seed, size), so any load can be checked without remembering values. */
    public static byte[] bytes(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed * 31 + size).nextBytes(b);
        return b;
    }

    public static MemorySegment value(long seed, int size) {
        return MemorySegment.ofArray(bytes(seed, size));
    }

    public static List<MemorySegment> values(MemorySegment... v) {
        return List.of(v);
    }

    /** Loads one key; returns its bytes or null on a miss. */
    protected byte[] load(String key) {
        MemorySegment dst = MemorySegment.ofArray(new byte[(int) Math.min(store.maxValueBytes(), 64 * MIB)]);
        long n = store.loadMany(List.of(key(key)), List.of(dst))[0];
        return n < 0 ? null : dst.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    protected PutResult put(String key, byte[] value) {
        return store.putMany(List.of(key(key)), List.of(MemorySegment.ofArray(value)))[0];
    }

    /** Nothing leaked: no I/O in flight, and slot bytes match what the stored entries need. */
    protected void assertNoLeak() {
        store.sync();
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (store.stats().inFlightIo() != 0 && System.nanoTime() < deadline) Thread.onSpinWait();
        StoreStats s = store.stats();
        assertEquals(0, s.inFlightIo(), "in-flight I/O");
        long slotBytes = 0;
        for (StoreStats.ClassStats c : s.classes()) slotBytes += c.usedBytes();
        assertEquals(s.usedSlotBytes(), slotBytes, "used slot bytes agree with the classes");
        long used = s.classes().stream().mapToLong(StoreStats.ClassStats::usedSlots).sum();
        assertEquals(s.entries(), used, "one used slot per entry");
    }

    public static List<String> names(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(prefix + i);
        return out;
    }
}
