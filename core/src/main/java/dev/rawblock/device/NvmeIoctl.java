package dev.rawblock.device;

import dev.rawblock.uring.LibC;
import dev.rawblock.uring.NvmeCommand;
import dev.rawblock.uring.NvmeCommandDescriptor;
import dev.rawblock.uring.NvmeConstants;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Synchronous NVMe commands through the driver's passthrough ioctls on a namespace node
 * ({@code /dev/ngXnY}): admin commands (Identify, Get Features, Get Log Page; the driver sends
 * them to the namespace's controller) and the odd I/O command that is not on a hot path (the
 * reclaim unit handle status). Discovery and statistics use these; data never does.
 */
final class NvmeIoctl {
    private NvmeIoctl() {}

    /** What a command returned: the NVMe status (0 = success) and dword 0 of the completion. */
    record Completion(int status, int result) {
        boolean ok() {
            return status == 0;
        }
    }

    /** The namespace id of the node ({@code NVME_IOCTL_ID}), or {@code -errno}. */
    static int namespaceId(int fd) {
        return LibC.ioctl(fd, NvmeConstants.NVME_IOCTL_ID, MemorySegment.NULL);
    }

    /** An admin command that {@code encode} writes into a zeroed command; throws only when the ioctl itself fails. */
    static Completion admin(int fd, String path, String what, Consumer<MemorySegment> encode) throws IOException {
        return run(fd, NvmeConstants.NVME_IOCTL_ADMIN_CMD, path, what, encode);
    }

    /** An I/O command the same way. */
    static Completion io(int fd, String path, String what, Consumer<MemorySegment> encode) throws IOException {
        return run(fd, NvmeConstants.NVME_IOCTL_IO_CMD, path, what, encode);
    }

    private static Completion run(int fd, long request, String path, String what, Consumer<MemorySegment> encode)
            throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cmd = arena.allocate(NvmeCommandDescriptor.SIZE, 8);
            encode.accept(cmd);
            int r = LibC.ioctl(fd, request, cmd);
            if (r < 0) throw new DeviceIoException(what + " on " + path, -r);
            return new Completion(r, cmd.get(JAVA_INT, NvmeCommandDescriptor.RESULT));
        }
    }

    /** Identify ({@code cns}) into a 4 KiB buffer of {@code arena}; null when the command fails with an NVMe status. */
    static MemorySegment identify(int fd, String path, int cns, int nsid, Arena arena) throws IOException {
        MemorySegment data = arena.allocate(4096, 4096);
        Completion c = admin(fd, path, "Identify (CNS " + cns + ")",
                cmd -> NvmeCommand.identify(cmd, cns, nsid, data.address()));
        return c.ok() ? data : null;
    }

    /** Get Log Page {@code lid} for endurance group {@code lsi}; null on an NVMe error status. */
    static MemorySegment logPage(int fd, String path, int lid, int lsi, int bytes, Arena arena) throws IOException {
        MemorySegment data = arena.allocate(bytes, 4096);
        Completion c = admin(fd, path, String.format("Get Log Page 0x%x", lid),
                cmd -> NvmeCommand.getLogPage(cmd, lid, lsi, data.address(), bytes));
        return c.ok() ? data : null;
    }

    /** A readable NVMe status: "status 0x2 (SCT 0, SC 0x02, DNR)". */
    static String status(int status) {
        int sc = status & 0xff, sct = (status >> 8) & 0x7;
        boolean dnr = (status & 0x4000) != 0;
        return String.format("NVMe status 0x%x (SCT %d, SC 0x%02x%s)", status, sct, sc, dnr ? ", DNR" : "");
    }
}
