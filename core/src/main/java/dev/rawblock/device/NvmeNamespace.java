package dev.rawblock.device;

import dev.rawblock.uring.Errno;
import dev.rawblock.uring.LibC;
import dev.rawblock.uring.NvmeCommand;
import dev.rawblock.uring.NvmeConstants;
import dev.rawblock.uring.StatxDescriptor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Discovery of an NVMe namespace for the passthrough engine, on its generic character device
 * ({@code /dev/ngXnY}): what kind of node the path is (each wrong kind refused in one line that
 * says what to use instead), the namespace id ({@code NVME_IOCTL_ID}), LBA size and capacity
 * (Identify Namespace), the largest command the controller takes and its FDP setup.
 *
 * <p><b>Largest command.</b> A passthrough command is one request that the block layer does not
 * split: it must fit both {@code queue/max_hw_sectors_kb} and {@code queue/max_segments} pages
 * (user memory is mapped page by page) of the namespace's block queue, or the driver answers
 * EINVAL. The engine cuts transfers at {@code min(max_hw_sectors_kb * 1024, max_segments * 4096)}.
 *
 * <p><b>One owner.</b> The node is flocked like a file. The namespace's block device
 * ({@code /dev/nvmeXnY}), when there is one, is also opened with {@code O_EXCL} and held for as
 * long as the engine runs: a mounted filesystem or another exclusive opener of the same namespace
 * is refused, and nothing can mount it while rawblock writes past the block layer.
 */
final class NvmeNamespace {
    private static final Pattern GENERIC = Pattern.compile("ng(\\d+)n(\\d+)");
    private static final Pattern BLOCK = Pattern.compile("nvme(\\d+)n(\\d+)");
    /** Page size the driver maps user memory in: one segment per page. */
    static final int PAGE = 4096;

    final DeviceFile file;
    final int nsid;
    /** The FDP setup, or null when the namespace has no usable FDP (placement is then off). */
    final FdpConfig fdp;
    /** Why {@link #fdp} is null, for reports (e.g. "the controller does not support FDP"). */
    final String fdpAbsence;
    /** Largest transfer the controller takes in one command, before any explicit limit. */
    final long hardwareLimit;
    /** Segments (pages) one command may have: the queue's max_segments. */
    final int maxSegments;

    private NvmeNamespace(DeviceFile file, int nsid, FdpConfig fdp, String fdpAbsence, long hardwareLimit,
                          int maxSegments) {
        this.maxSegments = maxSegments;
        this.file = file;
        this.nsid = nsid;
        this.fdp = fdp;
        this.fdpAbsence = fdpAbsence;
        this.hardwareLimit = hardwareLimit;
    }

    /** Whether the file name is that of an NVMe generic device, {@code ngXnY}. */
    static boolean isGenericName(Path path) {
        Path name = path.getFileName();
        return name != null && GENERIC.matcher(name.toString()).matches();
    }

    /** {@code /dev/nvmeXnY} for {@code /dev/ngXnY} (same directory), or "the namespace's block device". */
    static String blockDeviceOf(Path path) {
        return blockDeviceFor(path).map(Path::toString).orElse("the namespace's block device (/dev/nvmeXnY)");
    }

    /** {@code /dev/nvmeXnY} for {@code /dev/ngXnY} (same directory), whether or not it exists; empty for other names. */
    static java.util.Optional<Path> blockDeviceFor(Path path) {
        Matcher m = GENERIC.matcher(String.valueOf(path.getFileName()));
        if (!m.matches()) return java.util.Optional.empty();
        return java.util.Optional.of(path.resolveSibling("nvme" + m.group(1) + "n" + m.group(2)));
    }

    /** Opens, locks and measures the namespace at {@code options.path()}. */
    static NvmeNamespace open(DeviceOptions options) throws IOException {
        Path path = options.path().toAbsolutePath();
        String p = path.toString();
        String instead = "use the io_uring engine on " + blockDeviceOf(path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stx = arena.allocate(StatxDescriptor.SIZE, 8);
            int r = LibC.statx(LibC.AT_FDCWD, p, 0, LibC.STATX_BASIC_STATS, stx);
            if (r == -Errno.ENOENT) {
                throw new IOException("no such device: " + p + " (the uring_cmd engine needs an NVMe generic"
                        + " character device, /dev/ngXnY; is the nvme driver loaded?)");
            }
            if (r < 0) throw new DeviceIoException("cannot stat " + p, -r);
            int type = stx.get(JAVA_SHORT, StatxDescriptor.MODE) & StatxDescriptor.S_IFMT;
            if (type == StatxDescriptor.S_IFBLK) {
                Matcher m = BLOCK.matcher(String.valueOf(path.getFileName()));
                throw new IOException(p + " is a block device; the uring_cmd engine needs the NVMe generic character"
                        + " device" + (m.matches() ? " " + path.resolveSibling("ng" + m.group(1) + "n" + m.group(2)) : "")
                        + " (or use the io_uring engine on " + p + ")");
            }
            if (type == StatxDescriptor.S_IFREG) {
                throw new IOException(p + " is a regular file; the uring_cmd engine needs an NVMe generic character"
                        + " device (/dev/ngXnY); use the io_uring engine for a file");
            }
            if (type != StatxDescriptor.S_IFCHR) {
                throw new IOException(p + " is not a character device; the uring_cmd engine needs an NVMe generic"
                        + " character device (/dev/ngXnY)");
            }
            Holders.Identity node = new Holders.Identity(stx.get(JAVA_INT, StatxDescriptor.DEV_MAJOR),
                    stx.get(JAVA_INT, StatxDescriptor.DEV_MINOR), stx.get(JAVA_LONG, StatxDescriptor.INO));
            boolean readOnly = options.readOnly();
            int fd = LibC.open(p, (readOnly ? LibC.O_RDONLY : LibC.O_RDWR) | LibC.O_CLOEXEC, 0);
            if (fd == -Errno.EACCES || fd == -Errno.EPERM) {
                throw new DeviceIoException("permission denied opening " + p + " (NVMe passthrough needs read and"
                        + " write access to the node and CAP_SYS_ADMIN; without them " + instead + ")", -fd);
            }
            if (fd < 0) throw new DeviceIoException("cannot open " + p, -fd);
            DeviceFile claim = null;
            try {
                int nsid = NvmeIoctl.namespaceId(fd);
                if (nsid < 0) {
                    throw new DeviceIoException(p + " is a character device but not an NVMe namespace (NVME_IOCTL_ID"
                            + " failed; a controller node such as /dev/nvme0 is not a namespace: use /dev/ngXnY)", -nsid);
                }
                DeviceFile.lock(p, fd, false, readOnly, node);
                MemorySegment ns = identifyNamespace(fd, p, nsid, instead, arena);
                if (ns == null) throw new IOException("Identify Namespace " + nsid + " failed on " + p);
                long blocks = ns.get(JAVA_LONG, NvmeConstants.ID_NS_NSZE);
                int flbas = Byte.toUnsignedInt(ns.get(JAVA_BYTE, NvmeConstants.ID_NS_FLBAS));
                int format = (flbas & 0xf) | ((flbas >> 5) & 0x3) << 4;
                int lbads = Byte.toUnsignedInt(ns.get(JAVA_BYTE, NvmeConstants.ID_NS_LBAF + 4L * format + 2));
                if (lbads < 9 || lbads > 16) throw new IOException(p + ": unsupported LBA size 2^" + lbads);
                int lbaBytes = 1 << lbads;
                int endgid = Short.toUnsignedInt(ns.get(JAVA_SHORT, NvmeConstants.ID_NS_ENDGID));

                claim = claimBlockDevice(path, nsid, blocks * lbaBytes, readOnly);
                int[] segments = new int[1];
                long hardware = hardwareLimit(path, fd, p, lbaBytes, arena, segments);
                long max = options.maxTransfer() > 0 ? options.maxTransfer() : hardware;
                if (max % lbaBytes != 0 || max > hardware) {
                    throw new IOException("max transfer " + max + " for " + p + " must be a multiple of the LBA size "
                            + lbaBytes + " and at most the controller's limit " + hardware + " bytes"
                            + " (min of max_hw_sectors_kb and max_segments pages)");
                }
                if (blocks <= 0) throw new IOException(p + " is empty (0 blocks)");
                Geometry geometry = new Geometry(Geometry.Kind.NVME_NAMESPACE, blocks * lbaBytes, lbaBytes, lbaBytes, max);
                if (geometry.size() < options.minSize()) {
                    throw new IOException(p + " is too small: " + geometry.size() + " bytes, at least "
                            + options.minSize() + " needed");
                }
                String[] absence = new String[1];
                FdpConfig fdp = Fdp.discover(fd, p, nsid, endgid, lbaBytes, arena, absence);
                DeviceFile file = DeviceFile.adopt(path, fd, readOnly, geometry, claim);
                return new NvmeNamespace(file, nsid, fdp, absence[0], hardware, segments[0]);
            } catch (IOException | RuntimeException e) {
                LibC.flock(fd, LibC.LOCK_UN);
                LibC.close(fd);
                if (claim != null) claim.close();
                throw e;
            }
        }
    }

    /**
     * Identify Namespace: the first NVMe command of an open. Opening the node needs only its file
     * mode, but sending commands needs CAP_SYS_ADMIN on Linux 6.1 (later kernels let a writer of
     * the node send I/O commands, not admin ones), so a caller without it is refused here, in one
     * line that says what to use instead.
     */
    private static MemorySegment identifyNamespace(int fd, String p, int nsid, String instead, Arena arena)
            throws IOException {
        try {
            return NvmeIoctl.identify(fd, p, NvmeConstants.CNS_NAMESPACE, nsid, arena);
        } catch (DeviceIoException e) {
            if (e.errno() != Errno.EACCES && e.errno() != Errno.EPERM) throw e;
            throw new DeviceIoException("no permission to send NVMe commands to " + p + " (passthrough needs"
                    + " CAP_SYS_ADMIN on this kernel): " + instead, e.errno());
        }
    }

    /**
     * Holds the namespace's block device with O_EXCL (see the class comment), or returns null
     * when it has none (namespaces in formats the block layer cannot use have only the generic
     * node) or when the name that should be it is another namespace.
     */
    private static DeviceFile claimBlockDevice(Path generic, int nsid, long bytes, boolean readOnly) throws IOException {
        Matcher m = GENERIC.matcher(String.valueOf(generic.getFileName()));
        if (!m.matches()) return null;
        Path block = generic.resolveSibling("nvme" + m.group(1) + "n" + m.group(2));
        if (!Files.exists(block)) return null;
        DeviceFile claim = DeviceFile.open(DeviceOptions.of(block).withReadOnly(readOnly).withArenaBytes(0));
        if (NvmeIoctl.namespaceId(claim.fd()) != nsid || claim.geometry().size() != bytes) {
            claim.close(); // a multipath or renumbered name: not ours to hold
            return null;
        }
        return claim;
    }

    /** {@code min(max_hw_sectors_kb, max_segments pages)} of the block queue, else MDTS of Identify Controller. */
    private static long hardwareLimit(Path generic, int fd, String p, int lbaBytes, Arena arena, int[] maxSegments)
            throws IOException {
        maxSegments[0] = 127; // what the PCIe driver allows (NVME_MAX_SEGS) when the queue does not say
        Matcher m = GENERIC.matcher(String.valueOf(generic.getFileName()));
        long limit = 0;
        if (m.matches()) {
            Path queue = Path.of("/sys/block/nvme" + m.group(1) + "n" + m.group(2) + "/queue");
            try {
                long kb = Long.parseLong(Files.readString(queue.resolve("max_hw_sectors_kb")).trim());
                long segments = Long.parseLong(Files.readString(queue.resolve("max_segments")).trim());
                limit = Math.min(kb * 1024, segments * PAGE);
                maxSegments[0] = (int) Math.min(Integer.MAX_VALUE, segments);
            } catch (IOException | NumberFormatException ignored) {
                // no block queue: the controller's own limit below
            }
        }
        if (limit == 0) {
            MemorySegment ctrl = NvmeIoctl.identify(fd, p, NvmeConstants.CNS_CONTROLLER, 0, arena);
            int mdts = ctrl == null ? 0 : Byte.toUnsignedInt(ctrl.get(JAVA_BYTE, NvmeConstants.ID_CTRL_MDTS));
            // MDTS is in units of the minimum page (4 KiB on every controller we know); 0 means no limit.
            // Without the queue's max_segments, stay within what the driver maps for one command (127 pages).
            limit = Math.min(mdts == 0 ? Long.MAX_VALUE : (long) PAGE << mdts, 127L * PAGE);
        }
        limit = Math.min(limit, DeviceFile.MAX_SYSCALL_BYTES);
        return Math.max(lbaBytes, limit / lbaBytes * lbaBytes);
    }

    /** Placement identifiers and raw status: FDP discovery and statistics (the admin side of placement). */
    static final class Fdp {
        private Fdp() {}

        /** The namespace's FDP setup, or null with the reason in {@code absence[0]}. */
        static FdpConfig discover(int fd, String p, int nsid, int endgid, int lbaBytes, Arena arena, String[] absence)
                throws IOException {
            MemorySegment ctrl = NvmeIoctl.identify(fd, p, NvmeConstants.CNS_CONTROLLER, 0, arena);
            if (ctrl == null || (ctrl.get(JAVA_INT, NvmeConstants.ID_CTRL_CTRATT) & NvmeConstants.CTRATT_FDPS) == 0) {
                absence[0] = "the controller does not support FDP (Identify Controller CTRATT bit 19 is clear)";
                return null;
            }
            int group = endgid == 0 ? 1 : endgid; // a controller with a single endurance group may leave ENDGID 0
            NvmeIoctl.Completion feature = NvmeIoctl.admin(fd, p, "Get Features FDP",
                    cmd -> NvmeCommand.getFeatures(cmd, NvmeConstants.FEATURE_FDP, group));
            if (!feature.ok() || (feature.result() & 1) == 0) {
                absence[0] = "FDP is not enabled on endurance group " + group
                        + (feature.ok() ? "" : " (Get Features 0x1D: " + NvmeIoctl.status(feature.status()) + ")");
                return null;
            }
            int configIndex = (feature.result() >> 8) & 0xff;
            MemorySegment log = NvmeIoctl.logPage(fd, p, NvmeConstants.LOG_FDP_CONFIGURATIONS, group, 4096, arena);
            if (log == null) {
                absence[0] = "the FDP configurations log (0x20) cannot be read";
                return null;
            }
            int total = log.get(JAVA_INT, 4);
            if (total > 4096) log = NvmeIoctl.logPage(fd, p, NvmeConstants.LOG_FDP_CONFIGURATIONS, group,
                    (total + 3) / 4 * 4, arena);
            int configs = Short.toUnsignedInt(log.get(JAVA_SHORT, 0)) + 1;
            if (configIndex >= configs) {
                absence[0] = "FDP configuration " + configIndex + " is not in the log (" + configs + " configurations)";
                return null;
            }
            long at = 16;
            for (int i = 0; i < configIndex; i++) at += Short.toUnsignedInt(log.get(JAVA_SHORT, at));
            int reclaimGroups = log.get(JAVA_INT, at + 4);
            int handles = Short.toUnsignedInt(log.get(JAVA_SHORT, at + 8));
            long unitBytes = log.get(JAVA_LONG, at + 16);
            List<Integer> ids = new ArrayList<>();
            for (FdpStatus.Handle h : handleStatus(fd, p, nsid, reclaimGroups * Math.max(1, handles), arena)) {
                ids.add(h.placementId());
            }
            if (ids.isEmpty()) {
                absence[0] = "the namespace lists no reclaim unit handles (I/O Management Receive)";
                return null;
            }
            return new FdpConfig(group, configIndex, reclaimGroups, handles, unitBytes, ids);
        }

        /** The reclaim unit handle status: one entry per placement identifier of the namespace. */
        static List<FdpStatus.Handle> handleStatus(int fd, String p, int nsid, int expected, Arena arena)
                throws IOException {
            int bytes = (int) Math.min(1 << 20, (16 + 32L * Math.max(1, expected) + 4095) / 4096 * 4096);
            MemorySegment data = arena.allocate(bytes, 4096);
            NvmeIoctl.Completion c = NvmeIoctl.io(fd, p, "I/O Management Receive (reclaim unit handle status)",
                    cmd -> NvmeCommand.ruhStatus(cmd, nsid, data.address(), bytes));
            if (!c.ok()) {
                throw new IOException("I/O Management Receive (reclaim unit handle status) on " + p + ": "
                        + NvmeIoctl.status(c.status()));
            }
            int n = Math.min(Short.toUnsignedInt(data.get(JAVA_SHORT, 14)), (bytes - 16) / 32);
            List<FdpStatus.Handle> handles = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long d = 16 + 32L * i;
                handles.add(new FdpStatus.Handle(Short.toUnsignedInt(data.get(JAVA_SHORT, d)),
                        Short.toUnsignedInt(data.get(JAVA_SHORT, d + 2)), data.get(JAVA_LONG, d + 8)));
            }
            return handles;
        }

        /** The FDP statistics log and the handle status, now. */
        static FdpStatus status(int fd, String p, int nsid, FdpConfig config, int lbaBytes) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment log = NvmeIoctl.logPage(fd, p, NvmeConstants.LOG_FDP_STATISTICS, config.enduranceGroup(),
                        64, arena);
                if (log == null) throw new IOException("the FDP statistics log (0x22) of " + p + " cannot be read");
                // Each counter is 128 bits; the upper half stays 0 below 16 EiB.
                List<FdpStatus.Handle> handles = handleStatus(fd, p, nsid, config.placementIds().size(), arena);
                return new FdpStatus(log.get(JAVA_LONG, 0), log.get(JAVA_LONG, 16), log.get(JAVA_LONG, 32), handles,
                        config.reclaimUnitBytes(), lbaBytes);
            }
        }
    }
}
