package dev.rawblock.device;

import dev.rawblock.testkit.device.BlockDeviceContract;
import dev.rawblock.uring.IoUring;
import dev.rawblock.uring.LibC;
import dev.rawblock.uring.NvmeCommand;
import dev.rawblock.uring.NvmeConstants;
import dev.rawblock.uring.Sqe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.rawblock.uring.IoUringConstants.IORING_SETUP_CQE32;
import static dev.rawblock.uring.IoUringConstants.IORING_SETUP_SQE128;
import static org.junit.jupiter.api.Assertions.*;

/**
 * What the NVMe passthrough engine adds to the contract, on the emulated drive of nvme-vm:
 * discovery, commands cut at the controller's limit (and what the kernel does to one that is
 * not), fixed buffers at any offset of the arena, FDP discovery and its absence, ownership, and
 * the one-line refusals of paths the engine cannot drive.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class UringCmdNamespaceTest {
    @TempDir
    Path dir;

    private static BlockDevice open(Path path) throws IOException {
        return BlockDevice.open(DeviceOptions.of(path).withArenaBytes(16 << 20));
    }

    @Test
    void discoversTheNamespace() throws IOException {
        Path ng = NvmeVm.ng();
        Path blk = NvmeVm.blockDevice();
        try (BlockDevice dev = open(ng)) {
            assertEquals(Engine.URING_CMD, dev.engine(), "an ng path picks the passthrough engine by itself");
            UringCmdDevice nvme = (UringCmdDevice) dev;
            Geometry g = dev.geometry();
            assertEquals(Geometry.Kind.NVME_NAMESPACE, g.kind());
            assertEquals(NvmeVm.sysfsBytes(blk), g.size());
            assertEquals(NvmeVm.queueValue(blk, "logical_block_size"), g.logicalBlockSize());
            assertEquals(g.logicalBlockSize(), g.alignment());
            long expected = Math.min(NvmeVm.queueValue(blk, "max_hw_sectors_kb") * 1024,
                    NvmeVm.queueValue(blk, "max_segments") * 4096) / g.logicalBlockSize() * g.logicalBlockSize();
            assertEquals(expected, g.maxTransfer(), "min(max_hw_sectors_kb, max_segments pages)");
            assertEquals(expected, nvme.hardwareLimit());
            assertTrue(nvme.namespaceId() >= 1);
            System.out.println("discovered " + ng + ": nsid " + nvme.namespaceId() + ", " + g + "; " + dev.fdp().orElse(null));
        }
    }

    /**
     * Checklist items 26-27: a transfer past the controller's limit goes out as several commands,
     * all of them at once: for memory of its own at the limit, for arena memory at the registered
     * pieces' boundaries too (see {@link UringCmdDevice#registrationPiece}).
     */
    @Test
    void transfersAreCutAtTheControllersLimit() throws IOException {
        try (BlockDevice dev = open(NvmeVm.ng()); Arena own = Arena.ofShared()) {
            UringCmdDevice nvme = (UringCmdDevice) dev;
            long limit = dev.geometry().maxTransfer();
            long bytes = 4 * limit + dev.alignment() * 3L; // not a multiple of the limit: a short last command
            MemorySegment data = BlockDeviceContract.pattern(own.allocate(bytes, 4096), 77);
            MemorySegment back = own.allocate(bytes, 4096);
            long before = nvme.commands();
            dev.submit(List.of(IoOp.write(1 << 20, data))).getFirst().join();
            assertEquals(5, nvme.commands() - before, bytes + " bytes at a limit of " + limit);
            dev.submit(List.of(IoOp.read(1 << 20, back))).getFirst().join();
            assertEquals(-1, data.mismatch(back));

            MemorySegment registered = dev.buffers().allocate(bytes).segment();
            long step = Math.min(limit, UringCmdDevice.registrationPiece((int) NvmeVm.queueValue(NvmeVm.blockDevice(),
                    "max_segments")));
            before = nvme.commands();
            long fixed = nvme.fixedCommands();
            dev.submit(List.of(IoOp.read(1 << 20, registered))).getFirst().join();
            assertEquals((bytes + step - 1) / step, nvme.commands() - before, "arena memory in pieces of " + step);
            assertEquals(nvme.commands() - before, nvme.fixedCommands() - fixed);
            assertEquals(-1, data.mismatch(registered));
        }
    }

    /** Why the engine cuts: one command larger than the queue's limits is refused by the driver. */
    @Test
    void theDriverRefusesACommandPastTheLimit() throws IOException {
        Path ng = NvmeVm.ng();
        long limit;
        int lba;
        try (BlockDevice dev = open(ng)) {
            limit = ((UringCmdDevice) dev).hardwareLimit();
            lba = dev.geometry().logicalBlockSize();
        }
        int fd = LibC.open(ng.toString(), LibC.O_RDWR | LibC.O_CLOEXEC, 0);
        assertTrue(fd >= 0, "open " + ng);
        try (Arena arena = Arena.ofConfined(); IoUring ring = IoUring.create(4, IORING_SETUP_SQE128 | IORING_SETUP_CQE32)) {
            int nsid = NvmeIoctl.namespaceId(fd);
            long bytes = 4 * limit;
            MemorySegment buf = arena.allocate(bytes, 4096);
            MemorySegment cmd = Sqe.uringCmd(ring.nextSqe(), fd, false, NvmeConstants.NVME_URING_CMD_IO, -1, 7);
            NvmeCommand.readWrite(cmd, false, nsid, 0, (int) (bytes / lba), buf.address(), (int) bytes, -1);
            int[] res = {Integer.MIN_VALUE};
            while (res[0] == Integer.MIN_VALUE) {
                ring.submit(1);
                ring.reap((ud, r, f) -> res[0] = r);
            }
            assertTrue(res[0] < 0, "a " + bytes + "-byte command at a limit of " + limit + " is refused, got " + res[0]);
            System.out.println("one " + bytes + "-byte command at a limit of " + limit + ": res " + res[0]);
        } finally {
            LibC.close(fd);
        }
    }

    /** Fixed buffers with passthrough, at any offset of the registered arena (the reference matches base addresses only). */
    @Test
    void arenaMemoryGoesAsFixedBuffersAtAnyOffset() throws IOException {
        try (BlockDevice dev = open(NvmeVm.ng())) {
            UringCmdDevice nvme = (UringCmdDevice) dev;
            int a = dev.alignment();
            IoBuffer big = dev.buffers().allocate(1 << 20);
            MemorySegment inside = BlockDeviceContract.pattern(big.segment().asSlice(3L * a, 16L * a), 5); // not its start
            MemorySegment back = dev.buffers().allocate(16L * a).segment().asSlice(0, 16L * a);
            long fixed = nvme.fixedCommands();
            dev.submit(List.of(IoOp.write(64L * a, inside))).getFirst().join();
            dev.submit(List.of(IoOp.read(64L * a, back))).getFirst().join();
            assertEquals(-1, inside.mismatch(back));
            assertEquals(2, nvme.fixedCommands() - fixed, "both commands used registered memory");
            assertEquals(0, dev.stats().staged());

            try (Arena outside = Arena.ofShared()) { // native memory the ring never saw: mapped per command
                MemorySegment heapLike = outside.allocate(16L * a, 4096);
                long before = nvme.fixedCommands();
                dev.submit(List.of(IoOp.read(64L * a, heapLike))).getFirst().join();
                assertEquals(before, nvme.fixedCommands());
                assertEquals(-1, inside.mismatch(heapLike));
            }
        }
    }

    @Test
    void fdpIsDiscovered() throws IOException {
        try (BlockDevice dev = open(NvmeVm.ng())) {
            FdpConfig fdp = dev.fdp().orElseThrow(() -> new AssertionError("no FDP: " + dev.fdpAbsence()));
            assertEquals(NvmeVm.handles(), fdp.handles());
            assertEquals(NvmeVm.handles(), fdp.placementIds().size());
            assertTrue(fdp.reclaimUnitBytes() > 0);
            FdpStatus status = dev.fdpStatus().orElseThrow();
            assertEquals(fdp.placementIds(), status.handles().stream().map(FdpStatus.Handle::placementId).toList());
            // A write that names a handle the namespace does not have fails alone, before any I/O.
            int missing = fdp.placementIds().stream().mapToInt(Integer::intValue).max().orElseThrow() + 1;
            MemorySegment buf = dev.buffers().allocate(dev.alignment()).segment();
            List<CompletableFuture<Void>> f = dev.submit(List.of(IoOp.write(0, buf, missing), IoOp.write(0, buf, fdp.placementIds().getFirst())));
            BlockDeviceContract.assertMessage(BlockDeviceContract.failureOf(f.get(0)), IllegalArgumentException.class,
                    "placement identifier " + missing);
            f.get(1).join();
        }
    }

    @Test
    void aNamespaceWithoutFdpWorksWithPlacementOff() throws IOException {
        try (BlockDevice dev = open(NvmeVm.plainNg())) {
            assertEquals(Engine.URING_CMD, dev.engine());
            assertTrue(dev.fdp().isEmpty());
            assertTrue(dev.fdpAbsence().contains("does not support FDP"), dev.fdpAbsence());
            assertTrue(dev.fdpStatus().isEmpty());
            MemorySegment data = BlockDeviceContract.pattern(dev.buffers().allocate(1 << 20).segment(), 3);
            MemorySegment back = dev.buffers().allocate(1 << 20).segment();
            dev.submit(List.of(IoOp.write(0, data))).getFirst().join();
            dev.flush().join();
            dev.submit(List.of(IoOp.read(0, back))).getFirst().join();
            assertEquals(-1, data.mismatch(back));
            Throwable t = BlockDeviceContract.failureOf(dev.submit(List.of(IoOp.write(0, data, 1))).getFirst());
            BlockDeviceContract.assertMessage(t, IllegalArgumentException.class, "placement needs FDP");
        }
    }

    /** One owner: the namespace is held through both of its nodes. */
    @Test
    void aHeldNamespaceIsRefusedThroughEitherNode() throws IOException {
        try (BlockDevice dev = open(NvmeVm.ng())) {
            assertThrows(DeviceBusyException.class, () -> open(NvmeVm.ng()).close());
            assertThrows(DeviceBusyException.class,
                    () -> BlockDevice.open(DeviceOptions.of(NvmeVm.blockDevice()).withArenaBytes(0)).close());
        }
        open(NvmeVm.ng()).close(); // released at close
    }

    @Test
    void pathsTheEngineCannotDriveAreRefusedInOneLine() throws IOException {
        Path ng = NvmeVm.ng();
        Path blk = NvmeVm.blockDevice();
        DeviceOptions cmd = DeviceOptions.of(ng).withEngine(Engine.URING_CMD);
        refused(cmd.withPath(blk), blk + " is a block device", "generic character device " + ng, "io_uring engine on " + blk);
        Path file = java.nio.file.Files.write(dir.resolve("plain.img"), new byte[1 << 20]);
        refused(cmd.withPath(file), file + " is a regular file", "io_uring engine");
        Path missing = Path.of("/dev/ng9n9");
        refused(cmd.withPath(missing), "no such device: " + missing);
        Path ctrl = NvmeVm.controller();
        refused(cmd.withPath(ctrl), ctrl + " is a character device but not an NVMe namespace");
        refused(DeviceOptions.of(ng).withEngine(Engine.IO_URING), ng + " is a character device", "uring_cmd engine",
                "io_uring on " + blk);
        refused(cmd.withMaxTransfer(64L << 20), "max transfer " + (64L << 20), "controller's limit");
    }

    private static void refused(DeviceOptions options, String... parts) {
        IOException e = assertThrows(IOException.class, () -> BlockDevice.open(options).close());
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        for (String p : parts) assertTrue(m.contains(p), "'" + m + "' should mention '" + p + "'");
        System.out.println("refused: " + m);
    }
}
