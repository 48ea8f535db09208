package dev.rawblock.uring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.rawblock.uring.IoUringConstants.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.*;

class IoUringTest {
    @TempDir
    Path dir;

    record Completion(long userData, int res) {}

    private static List<Completion> waitFor(IoUring ring, int count) {
        List<Completion> out = new ArrayList<>();
        while (out.size() < count) {
            ring.reap((ud, res, fl) -> out.add(new Completion(ud, res)));
            if (out.size() < count) assertTrue(ring.submit(1) >= 0);
        }
        return out;
    }

    @Test
    void nopRoundTripOnEveryRingVariant() {
        int[] variants = {0, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_NO_SQARRAY,
                IORING_SETUP_SQE128 | IORING_SETUP_CQE32, IORING_SETUP_NO_SQARRAY};
        for (int flags : variants) {
            try (IoUring ring = IoUring.create(8, flags)) {
                assertEquals(flags, ring.flags() & flags, "this kernel (6.18) grants every flag");
                assertEquals((flags & IORING_SETUP_SQE128) != 0 ? 128 : 64, ring.sqeSize());
                for (int i = 0; i < 8; i++) Sqe.nop(ring.nextSqe(), 100 + i);
                assertNull(ring.nextSqe(), "an 8-entry SQ is full after 8 SQEs");
                assertEquals(8, ring.submit(0));
                List<Completion> done = waitFor(ring, 8);
                for (int i = 0; i < 8; i++) assertEquals(new Completion(100 + i, 0), done.get(i));
            }
        }
    }

    @Test
    void aHandlerSeesTheCompletionsStillBehindIt() {
        try (IoUring ring = IoUring.create(8, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)) {
            for (int i = 0; i < 3; i++) Sqe.nop(ring.nextSqe(), i);
            assertEquals(3, ring.submit(3), "an enter waiting for 3 returns with all 3 posted");
            assertEquals(3, ring.completionsReady());
            List<Integer> behind = new ArrayList<>();
            assertEquals(3, ring.reap((ud, res, fl) -> behind.add(ring.completionsReady())));
            assertEquals(List.of(2, 1, 0), behind);
            assertEquals(0, ring.completionsReady());
        }
    }

    @Test
    void completionsBeyondTheCqAreNotLost() {
        try (IoUring ring = IoUring.create(4, 0)) {
            int total = ring.cqEntries() * 3;
            for (int i = 0; i < total; i++) {
                MemorySegment sqe = ring.nextSqe();
                if (sqe == null) {
                    assertTrue(ring.submit(0) > 0);
                    sqe = ring.nextSqe();
                }
                Sqe.nop(sqe, i);
            }
            ring.submit(0);
            List<Completion> done = waitFor(ring, total);
            assertEquals(total, done.size());
            for (int i = 0; i < total; i++) assertEquals(i, done.get(i).userData());
            assertEquals(0, ring.droppedCompletions());
        }
    }

    @Test
    void directWriteThenFixedReadOfASubRange() {
        Path file = dir.resolve("f");
        int fd = LibC.open(file.toString(), LibC.O_RDWR | LibC.O_CREAT | LibC.O_DIRECT | LibC.O_CLOEXEC, 0644);
        assertTrue(fd >= 0, "open: " + fd);
        try (Arena arena = Arena.ofShared(); IoUring ring = IoUring.create(4, IORING_SETUP_SINGLE_ISSUER)) {
            assertEquals(0, LibC.fallocate(fd, 0, 0, 1 << 20));
            MemorySegment src = arena.allocate(64 << 10, 4096);
            for (int i = 0; i < src.byteSize(); i++) src.set(JAVA_BYTE, i, (byte) (i * 31 + 7));
            MemorySegment registered = arena.allocate(1 << 20, 4096);
            ring.registerBuffers(registered);
            ring.registerFiles(fd);

            Sqe.write(ring.nextSqe(), 0, true, src.address(), (int) src.byteSize(), 8192, 1);
            ring.submit(0);
            assertEquals(List.of(new Completion(1, 64 << 10)), waitFor(ring, 1));

            // A sub-range in the middle of the registered buffer, not its base address.
            MemorySegment dst = registered.asSlice(12288, 64 << 10);
            Sqe.readFixed(ring.nextSqe(), fd, false, dst.address(), (int) dst.byteSize(), 8192, 0, 2);
            Sqe.fsync(ring.nextSqe(), fd, false, true, 3);
            ring.submit(0);
            List<Completion> done = waitFor(ring, 2);
            assertTrue(done.contains(new Completion(2, 64 << 10)), done.toString());
            assertTrue(done.contains(new Completion(3, 0)), done.toString());
            assertEquals(-1, src.mismatch(dst));
        } finally {
            LibC.close(fd);
        }
    }

    @Test
    void errorsComeBackPerSqe() {
        try (Arena arena = Arena.ofConfined(); IoUring ring = IoUring.create(4, 0)) {
            MemorySegment buf = arena.allocate(4096, 4096);
            Sqe.read(ring.nextSqe(), 987654, false, buf.address(), 4096, 0, 1); // not an fd
            Sqe.nop(ring.nextSqe(), 2);
            ring.submit(0);
            List<Completion> done = waitFor(ring, 2);
            assertTrue(done.contains(new Completion(1, -9)), "EBADF for the bad fd: " + done);
            assertTrue(done.contains(new Completion(2, 0)), done.toString());
        }
    }

    @Test
    void uringCmdEncodesIntoTheBigCommandArea() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sqe = arena.allocate(SqeDescriptor.SIZE_128, 64);
            MemorySegment cmd = Sqe.uringCmd(sqe, 3, true, 0xC0484E80, 5, 42);
            assertEquals(SqeDescriptor.CMD_SIZE_128, cmd.byteSize());
            assertEquals(IORING_OP_URING_CMD, sqe.get(JAVA_BYTE, SqeDescriptor.OPCODE));
            assertEquals(IOSQE_FIXED_FILE, sqe.get(JAVA_BYTE, SqeDescriptor.FLAGS));
            assertEquals(0xC0484E80, sqe.get(java.lang.foreign.ValueLayout.JAVA_INT, SqeDescriptor.CMD_OP));
            assertEquals(IORING_URING_CMD_FIXED, sqe.get(java.lang.foreign.ValueLayout.JAVA_INT, SqeDescriptor.OP_FLAGS));
            assertEquals(5, sqe.get(java.lang.foreign.ValueLayout.JAVA_SHORT, SqeDescriptor.BUF_INDEX));
            assertEquals(42L, sqe.get(java.lang.foreign.ValueLayout.JAVA_LONG, SqeDescriptor.USER_DATA));
        }
    }
}
