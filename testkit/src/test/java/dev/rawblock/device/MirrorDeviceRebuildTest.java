package dev.rawblock.device;

import dev.rawblock.testkit.device.FaultInjectingDevice;
import dev.rawblock.uring.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.rawblock.testkit.device.BlockDeviceContract.await;
import static dev.rawblock.testkit.device.BlockDeviceContract.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A replacement member rebuilt online: a writer keeps writing, much of it into the zone being
 * copied, and when the rebuild is done the members are equal byte for byte and the set healthy.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MirrorDeviceRebuildTest {
    private static final long SET_BYTES = 32L << 20, ZONE = 256 << 10;

    @TempDir
    Path dir;

    private BlockDevice file(String name) throws IOException {
        return MirrorFiles.member(dir, name, SET_BYTES);
    }

    @Test
    void aReplacementIsRebuiltWhileAWriterKeepsWriting() throws Exception {
        byte[] model = new byte[(int) SET_BYTES];
        Random random = new Random(11);
        try (MirrorDevice dev = MirrorDevice.format(List.of(file("a.img"), file("b.img")), ZONE, 4096, 3, 4)) {
            for (int i = 0; i < 64; i++) write(dev, random, model, -1);
        }
        try (BlockDevice junk = file("c.img")) { // the replacement held something else: the rebuild overwrites all
            for (long at = 0; at < SET_BYTES; at += 4 << 20) {
                await(junk.submit(List.of(IoOp.write(MemberHeader.DATA_OFFSET + at, pattern(MemorySegment.ofArray(new byte[64 << 10]), at)))));
            }
        }
        // b.img is gone; the delay stretches the copy so that the writer meets it.
        try (MirrorDevice dev = MirrorDevice.replace(new DelayedDevice(file("a.img"), 300), new DelayedDevice(file("c.img"), 300))) {
            assertEquals("rebuilding", dev.state().state());
            assertEquals(1, dev.state().failedMember());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger duringRebuild = new AtomicInteger();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                Random r = new Random(12);
                while (!stop.get()) {
                    MirrorState s = dev.state();
                    // Half the writes go to the zone being copied now, where a stale copy could land.
                    int zone = r.nextBoolean() ? (int) (s.rebuiltBytes() / ZONE) : -1;
                    write(dev, r, model, Math.min(zone, (int) (SET_BYTES / ZONE) - 1));
                    if (s.state().equals("rebuilding")) duringRebuild.incrementAndGet();
                }
            });
            dev.rebuilt().get(90, TimeUnit.SECONDS);
            Thread.sleep(50);
            stop.set(true);
            writer.get(30, TimeUnit.SECONDS);
            MirrorState s = dev.state();
            assertEquals("healthy", s.state());
            assertEquals(-1, s.failedMember());
            assertEquals(SET_BYTES, s.rebuiltBytes());
            assertEquals(SET_BYTES, s.rebuildTotalBytes());
            assertTrue(duringRebuild.get() > 10, duringRebuild.get() + " writes during the rebuild");
            dev.flush().join();
            assertMembersEqual(dev, model);
        }
        try (MirrorDevice dev = MirrorDevice.open(List.of(file("c.img"), file("a.img")))) {
            assertEquals("healthy", dev.state().state());
            assertEquals(0, dev.resyncedZones());
            assertMembersEqual(dev, model);
        }
    }

    @Test
    void aSurvivorThatIsItselfOutOfDateIsRefused() throws IOException {
        MirrorDevice.format(List.of(file("a.img"), file("b.img")), ZONE, 4096, 3, 4).close();
        // Closed long before a copy this slow ends: c.img stays out of date.
        MirrorDevice.replace(file("a.img"), new DelayedDevice(file("c.img"), 50_000)).close();
        BlockDevice c = file("c.img"), d = file("d.img");
        try {
            MemberHeader h = DeviceSet.read(c);
            IOException e = assertThrows(IOException.class, () -> MirrorDevice.replace(c, d));
            assertTrue(e.getMessage().contains("out of date itself"), e.getMessage());
            assertEquals(1 << h.index(), h.failedMask());
        } finally {
            c.close();
            d.close();
        }
    }

    @Test
    void aReplacementThatFailsDuringTheRebuildLeavesTheSetDegradedAndServing() throws Exception {
        byte[] model = new byte[(int) SET_BYTES];
        Random random = new Random(13);
        try (MirrorDevice dev = MirrorDevice.format(List.of(file("a.img"), file("b.img")), ZONE, 4096, 3, 4)) {
            for (int i = 0; i < 16; i++) write(dev, random, model, -1);
        }
        FaultInjectingDevice fresh = new FaultInjectingDevice(file("c.img"));
        AtomicInteger copies = new AtomicInteger();
        fresh.failWhen(op -> op.kind() == IoOp.Kind.WRITE && op.offset() >= MemberHeader.DATA_OFFSET
                && copies.incrementAndGet() > 20, Errno.EIO);
        try (MirrorDevice dev = MirrorDevice.replace(file("a.img"), fresh)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> dev.rebuilt().get(60, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof IOException, String.valueOf(e.getCause()));
            assertEquals("degraded", dev.state().state());
            assertEquals(1, dev.state().failedMember());
            assertTrue(dev.state().rebuiltBytes() < SET_BYTES);
            for (int i = 0; i < 16; i++) write(dev, random, model, -1); // the survivor serves on
            MirrorFiles.assertHolds(dev, model);
        }
        try (MirrorDevice dev = MirrorDevice.open(List.of(file("a.img"), file("c.img")))) {
            assertEquals("degraded", dev.state().state());
            assertEquals(1, dev.state().failedMember());
            MirrorFiles.assertHolds(dev, model);
        }
    }

    /** One write of 4..64 KiB, into {@code zone} when it is not -1, recorded in the model. */
    private static void write(MirrorDevice dev, Random r, byte[] model, int zone) {
        int bytes = (1 + r.nextInt(16)) * 4096;
        long offset = zone >= 0 ? zone * ZONE + r.nextInt((int) (ZONE / 4096)) * 4096L : r.nextInt((int) (SET_BYTES / 4096)) * 4096L;
        offset = Math.min(offset, SET_BYTES - bytes);
        MemorySegment data = pattern(MemorySegment.ofArray(new byte[bytes]), r.nextLong());
        await(dev.submit(List.of(IoOp.write(offset, data))));
        MemorySegment.copy(data, 0, MemorySegment.ofArray(model), offset, bytes);
    }

    /** Both members' data areas hold the model, byte for byte. */
    private static void assertMembersEqual(MirrorDevice dev, byte[] model) {
        int chunk = 1 << 20;
        for (long at = 0; at < SET_BYTES; at += chunk) {
            MemorySegment expected = MemorySegment.ofArray(model).asSlice(at, chunk);
            for (int m = 0; m < 2; m++) {
                MemorySegment back = MemorySegment.ofArray(new byte[chunk]);
                await(dev.members().get(m).submit(List.of(IoOp.read(MemberHeader.DATA_OFFSET + at, back))));
                assertEquals(-1, expected.mismatch(back), "member " + m + " at " + at);
            }
        }
    }
}
