package dev.rawblock.device;

import dev.rawblock.testkit.device.FaultInjectingDevice;
import dev.rawblock.uring.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A span flushes the members that may hold a write no flush covered yet, and only those: one that
 * took a write since its last flush, one that had a write in flight when its last flush began, and
 * one whose last flush failed.
 */
class SpanDeviceFlushTest {
    private static final long MIB = 1 << 20;
    private static final long HEAD = MIB, STRIPE = MIB;

    @TempDir
    Path dir;

    private final List<FaultInjectingDevice> members = new ArrayList<>();
    private SpanDevice span;

    @AfterEach
    void close() throws IOException {
        if (span != null) span.close();
    }

    private SpanDevice span() throws IOException {
        for (int i = 0; i < 3; i++) {
            members.add(new FaultInjectingDevice(BlockDevice.open(DeviceOptions.of(dir.resolve("m" + i + ".img"))
                    .withCreateSize(16 * MIB).withArenaBytes(4 * MIB))));
        }
        span = SpanDevice.format(List.copyOf(members), HEAD + 9 * STRIPE, HEAD, STRIPE, 4096, 1, 2);
        return span;
    }

    /** Flushes the span and says how many times each member was flushed by it. */
    private long[] flushed() {
        long[] before = new long[3];
        for (int m = 0; m < 3; m++) before[m] = members.get(m).flushes();
        span.flush().join();
        long[] by = new long[3];
        for (int m = 0; m < 3; m++) by[m] = members.get(m).flushes() - before[m];
        return by;
    }

    /** A write of one block at the start of stripe {@code stripe} (on member stripe mod 3). */
    private CompletableFuture<Void> write(int stripe) {
        IoBuffer buf = span.buffers().allocate(4096);
        buf.segment().fill((byte) 7);
        return span.submit(List.of(IoOp.write(HEAD + stripe * STRIPE, buf.segment()))).getFirst()
                .whenComplete((v, e) -> buf.close());
    }

    @Test
    void flushesOnlyTheMembersWrittenSinceTheirLastFlush() throws IOException {
        span();
        write(2).join(); // member 2
        assertArrayEquals(new long[] {0, 0, 1}, flushed());
        assertArrayEquals(new long[] {1, 0, 0}, flushed(), "nothing to flush: one flush of member 0 stands for the set");
        write(4).join(); // member 1
        write(0).join(); // member 0
        assertArrayEquals(new long[] {1, 1, 0}, flushed());
    }

    @Test
    void aWriteInFlightAtAFlushIsFlushedByTheNext() throws Exception {
        span();
        members.get(1).delay(Duration.ofMillis(300));
        CompletableFuture<Void> slow = write(1);
        // Submitted before this flush, completing after it began: this flush does not cover it.
        assertArrayEquals(new long[] {0, 1, 0}, flushed());
        slow.join();
        members.get(1).clearFaults();
        assertArrayEquals(new long[] {0, 1, 0}, flushed(), "the write that was in flight is flushed now");
        assertArrayEquals(new long[] {1, 0, 0}, flushed(), "and then nothing is left");
    }

    /** A flush that skips a member whose last flush still runs completes only after that one. */
    @Test
    void aSkippedMembersRunningFlushIsWaitedFor() throws Exception {
        span();
        write(2).join(); // member 2
        members.get(2).delay(Duration.ofMillis(300)); // its flush completes late
        CompletableFuture<Void> first = span.flush();
        CompletableFuture<Void> second = span.flush(); // member 2 covered by the first, which is not done
        Thread.sleep(100);
        assertFalse(second.isDone(), "done before the flush that covers member 2");
        second.join();
        assertTrue(first.isDone());
        members.get(2).clearFaults();
    }

    @Test
    void aFailedFlushCoversNothing() throws IOException {
        span();
        write(5).join(); // member 2
        members.get(2).failNextFlush(1, Errno.EIO);
        assertThrows(CompletionException.class, () -> span.flush().join());
        assertArrayEquals(new long[] {0, 0, 1}, flushed(), "member 2 again: its writes are not durable yet");
        assertArrayEquals(new long[] {1, 0, 0}, flushed());
    }
}
