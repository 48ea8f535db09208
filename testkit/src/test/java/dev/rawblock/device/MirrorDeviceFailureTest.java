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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.rawblock.testkit.device.BlockDeviceContract.await;
import static dev.rawblock.testkit.device.BlockDeviceContract.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member that starts failing mid-run: the set goes on with the survivor, loses no acknowledged
 * write, and remembers across close and open which member is out of date.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MirrorDeviceFailureTest {
    private static final long SET_BYTES = 32L << 20;
    private static final int BLOCK = 16 << 10;

    @TempDir
    Path dir;

    private BlockDevice file(String name) throws IOException {
        return MirrorFiles.member(dir, name, SET_BYTES);
    }

    private void format() throws IOException {
        MirrorDevice.format(List.of(file("a.img"), file("b.img")), 1 << 20, 4096, 7, 8).close();
    }

    @Test
    void aMemberWhoseWritesFailLeavesTheSetDegradedWithNothingAcknowledgedLost() throws IOException {
        format();
        FaultInjectingDevice failing = new FaultInjectingDevice(file("b.img"));
        AtomicInteger dataWrites = new AtomicInteger();
        failing.failWhen(op -> op.kind() == IoOp.Kind.WRITE && op.offset() >= MemberHeader.DATA_OFFSET
                && dataWrites.incrementAndGet() > 40, Errno.EIO);
        byte[] model = new byte[(int) SET_BYTES];
        Random random = new Random(5);
        try (MirrorDevice dev = MirrorDevice.open(List.of(file("a.img"), failing))) {
            for (int round = 0; round < 50; round++) {
                List<IoOp> batch = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    long offset = (long) (round * 4 + i) * 7 % (SET_BYTES / BLOCK) * BLOCK;
                    MemorySegment data = pattern(MemorySegment.ofArray(new byte[BLOCK]), random.nextLong());
                    MemorySegment.copy(data, 0, MemorySegment.ofArray(model), offset, BLOCK);
                    batch.add(IoOp.write(offset, data));
                }
                await(dev.submit(batch)); // every write is acknowledged: the survivor took it
                if (round % 10 == 9) dev.flush().join();
            }
            MirrorState s = dev.state();
            assertEquals("degraded", s.state());
            assertEquals(1, s.failedMember());
            assertTrue(failing.injectedFailures() > 0);
            assertEquals(0, dev.stats().failed());
            MirrorFiles.assertHolds(dev, model);
            // The survivor's header records the failure; the failed member's own header does not know.
            MemberHeader survivor = DeviceSet.read(dev.members().get(0));
            assertNotNull(survivor);
            assertEquals(0b10, survivor.failedMask());
            assertEquals(1, survivor.generation());
        }
        try (MirrorDevice dev = MirrorDevice.open(List.of(file("b.img"), file("a.img")))) {
            MirrorState s = dev.state();
            assertEquals("degraded", s.state(), "the generation decides, not the order given");
            assertEquals(1, s.failedMember());
            long readBefore = dev.members().get(1).stats().bytesRead();
            MirrorFiles.assertHolds(dev, model);
            assertEquals(readBefore, dev.members().get(1).stats().bytesRead(), "the out-of-date member is never read");
            long writtenBefore = dev.members().get(1).stats().bytesWritten();
            await(dev.submit(List.of(IoOp.write(0, pattern(MemorySegment.ofArray(new byte[BLOCK]), 1)))));
            assertEquals(writtenBefore, dev.members().get(1).stats().bytesWritten(), "nor written");
        }
    }

    @Test
    void theFailureIsDurableOnTheSurvivorBeforeTheOperationThatSawItCompletes() throws IOException {
        format();
        List<WatchedMember.Event> events = new ArrayList<>();
        BlockDevice survivor = new WatchedMember(file("a.img"), 0, events, new java.util.concurrent.atomic.AtomicBoolean());
        FaultInjectingDevice failing = new FaultInjectingDevice(file("b.img"));
        failing.failWhen(op -> op.kind() == IoOp.Kind.WRITE && op.offset() >= MemberHeader.DATA_OFFSET, Errno.EIO);
        try (MirrorDevice dev = MirrorDevice.open(List.of(survivor, failing))) {
            List<WatchedMember.Event> seen = new ArrayList<>();
            CompletableFuture<Void> write = dev.submit(List.of(IoOp.write(0, pattern(MemorySegment.ofArray(new byte[BLOCK]), 9)))).getFirst();
            write.thenRun(() -> {
                synchronized (events) {
                    seen.addAll(events);
                }
            }).join();
            int header = -1, flushed = -1;
            for (int i = 0; i < seen.size(); i++) {
                WatchedMember.Event e = seen.get(i);
                if (!e.flush() && e.completed() && e.ok() && e.offset() == 0) header = i;
                if (e.flush() && e.completed() && e.ok() && header >= 0) flushed = i;
            }
            assertTrue(header >= 0 && flushed > header, "header written at " + header + ", flushed at " + flushed + ": " + seen);
            assertEquals(0b10, DeviceSet.read(survivor).failedMask());
        }
    }

    @Test
    void aFailedReadIsServedByTheOtherMemberAndFailsItsMember() throws IOException {
        format();
        MemorySegment data = pattern(MemorySegment.ofArray(new byte[BLOCK]), 3);
        try (MirrorDevice dev = MirrorDevice.open(List.of(file("a.img"), file("b.img")))) {
            await(dev.submit(List.of(IoOp.write(BLOCK, data))));
        }
        FaultInjectingDevice failing = new FaultInjectingDevice(file("a.img"));
        failing.failWhen(op -> op.kind() == IoOp.Kind.READ && op.offset() >= MemberHeader.DATA_OFFSET, Errno.EIO);
        try (MirrorDevice dev = MirrorDevice.open(List.of(failing, file("b.img")))) {
            List<CompletableFuture<Void>> reads = new ArrayList<>();
            List<MemorySegment> back = new ArrayList<>();
            for (int i = 0; i < 8; i++) { // both members are picked while both are healthy
                back.add(MemorySegment.ofArray(new byte[BLOCK]));
                reads.addAll(dev.submit(List.of(IoOp.read(BLOCK, back.getLast()))));
            }
            await(reads);
            for (MemorySegment b : back) assertEquals(-1, data.mismatch(b));
            assertEquals("degraded", dev.state().state());
            assertEquals(0, dev.state().failedMember());
            assertEquals(0b01, DeviceSet.read(dev.members().get(1)).failedMask());
        }
    }

    @Test
    void aFailedFlushFailsItsMemberAndTheFlushSucceedsOnTheOther() throws IOException {
        format();
        FaultInjectingDevice failing = new FaultInjectingDevice(file("b.img"));
        try (MirrorDevice dev = MirrorDevice.open(List.of(file("a.img"), failing))) {
            await(dev.submit(List.of(IoOp.write(0, pattern(MemorySegment.ofArray(new byte[BLOCK]), 4)))));
            failing.failNextFlush(1, Errno.EIO);
            dev.flush().join();
            assertEquals("degraded", dev.state().state());
            assertEquals(1, dev.state().failedMember());
        }
    }
}
