package dev.rawblock.device;

import dev.rawblock.uring.Errno;
import dev.rawblock.uring.LibC;
import dev.rawblock.uring.StatxDescriptor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * An open file descriptor on a regular file or block device, and its {@link Geometry}.
 * Discovery happens here: statx for the file type, size and direct-I/O alignment, ioctls for
 * block devices, sysfs for the largest transfer. Every refusal names the path and the values.
 */
public final class DeviceFile implements AutoCloseable {
    /** BLKGETSIZE64: device size in bytes (u64). */
    private static final long BLKGETSIZE64 = 0x80081272L;
    /** BLKSSZGET: logical sector size (int). */
    private static final long BLKSSZGET = 0x1268L;
    /** BLKROGET: non-zero when the block device is read-only (int). */
    private static final long BLKROGET = 0x125eL;
    /** One read(2)/write(2) transfers at most this much (MAX_RW_COUNT, INT_MAX rounded down to a page). */
    public static final long MAX_SYSCALL_BYTES = 0x7ffff000L;
    /** A size every device we know accepts for direct I/O; new files must be a multiple of it. */
    public static final int SAFE_ALIGNMENT = 4096;

    private final Path path;
    private final int fd;
    private final boolean readOnly;
    private final Geometry geometry;
    private final boolean created;
    /** Another open file held for as long as this one (an NVMe namespace's block device, claimed with O_EXCL), or null. */
    private final DeviceFile claim;
    private boolean closed;

    private DeviceFile(Path path, int fd, boolean readOnly, Geometry geometry, boolean created, DeviceFile claim) {
        this.path = path;
        this.fd = fd;
        this.readOnly = readOnly;
        this.geometry = geometry;
        this.created = created;
        this.claim = claim;
    }

    /**
     * A file descriptor that another discovery (the NVMe namespace of the passthrough engine)
     * opened, locked and measured; closing the result closes it and then {@code claim}, if any.
     */
    static DeviceFile adopt(Path path, int fd, boolean readOnly, Geometry geometry, DeviceFile claim) {
        return new DeviceFile(path, fd, readOnly, geometry, false, claim);
    }

    public Path path() {
        return path;
    }

    public int fd() {
        return fd;
    }

    public boolean readOnly() {
        return readOnly;
    }

    public Geometry geometry() {
        return geometry;
    }

    /** Whether this open created the file (it did not exist before). */
    public boolean created() {
        return created;
    }

    /**
     * Opens (and, when {@link DeviceOptions#createSize()} is set and the path is missing or an empty
     * file, creates and preallocates) the device file, and takes it for as long as it is open.
     *
     * <p><b>One owner.</b> A regular file is flocked, exclusively ({@code LOCK_SH} when read-only,
     * so inspections can share), without waiting: a second opener, in another process or in this
     * one (flock belongs to the open file, not the process), is refused at once, and the kernel
     * drops the lock when the holder dies. A block device is opened with {@code O_EXCL}, read-only
     * or not, the way mkfs opens it: the kernel answers EBUSY while a filesystem is mounted on it
     * or on a partition, device-mapper or md holds it, or another exclusive opener has it. It is
     * flocked as well, so that the refusal can name the pid of a rawblock holder, and because udev
     * leaves a device alone while someone holds its LOCK_EX.
     *
     * @throws DeviceBusyException naming the path and the holder when another owner has it
     * @throws IOException         with a message naming the path and the offending values
     */
    public static DeviceFile open(DeviceOptions options) throws IOException {
        Path path = options.path().toAbsolutePath();
        String p = path.toString();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stx = arena.allocate(StatxDescriptor.SIZE, 8);
            int r = LibC.statx(LibC.AT_FDCWD, p, 0, LibC.STATX_BASIC_STATS, stx);
            boolean created = false;
            if (r == -Errno.ENOENT) {
                if (options.createSize() == 0) {
                    throw new IOException("no such file or device: " + p
                            + " (give a size to create a file there)");
                }
                created = createEmpty(path, options);
                r = LibC.statx(LibC.AT_FDCWD, p, 0, LibC.STATX_BASIC_STATS, stx);
            }
            if (r < 0) throw new DeviceIoException("cannot stat " + p, -r);
            int type = stx.get(JAVA_SHORT, StatxDescriptor.MODE) & StatxDescriptor.S_IFMT;
            Geometry.Kind kind = switch (type) {
                case StatxDescriptor.S_IFREG -> Geometry.Kind.FILE;
                case StatxDescriptor.S_IFBLK -> Geometry.Kind.BLOCK_DEVICE;
                case StatxDescriptor.S_IFDIR -> throw new IOException(p + " is a directory; expected a regular file or a block device");
                case StatxDescriptor.S_IFCHR -> throw new IOException(p + " is a character device; expected a regular file"
                        + " or a block device" + (NvmeNamespace.isGenericName(path) ? " (an NVMe generic device: use the "
                        + Engine.URING_CMD.label() + " engine, or io_uring on " + NvmeNamespace.blockDeviceOf(path) + ")" : ""));
                default -> throw new IOException(p + " is neither a regular file nor a block device");
            };
            Holders.Identity node = new Holders.Identity(stx.get(JAVA_INT, StatxDescriptor.DEV_MAJOR),
                    stx.get(JAVA_INT, StatxDescriptor.DEV_MINOR), stx.get(JAVA_LONG, StatxDescriptor.INO));

            boolean block = kind == Geometry.Kind.BLOCK_DEVICE;
            int flags = (options.readOnly() ? LibC.O_RDONLY : LibC.O_RDWR) | LibC.O_CLOEXEC
                    | (options.direct() ? LibC.O_DIRECT : 0) | (block ? LibC.O_EXCL : 0);
            long deadline = System.nanoTime() + LINGER_WAIT_NANOS;
            int fd;
            while ((fd = LibC.open(p, flags, 0)) == -Errno.EBUSY && block) {
                DeviceBusyException busy = Holders.busyBlockDevice(p, stx.get(JAVA_INT, StatxDescriptor.RDEV_MAJOR),
                        stx.get(JAVA_INT, StatxDescriptor.RDEV_MINOR), node);
                // A named holder stays, unless it is a process that has died; an unnamed one may be such
                // a process too, past the point where its flock went but before its claim did.
                boolean mayGo = !busy.holderNamed() || Holders.lingering(node);
                if (!mayGo || System.nanoTime() - deadline >= 0) throw busy;
                pause(p);
            }
            if (fd < 0) {
                if (created) Files.deleteIfExists(path);
                throw openError(p, options, -fd);
            }
            try {
                lock(p, fd, block, options.readOnly(), node);
            } catch (IOException | RuntimeException e) {
                LibC.close(fd); // the file is someone else's now: never delete it
                throw e;
            }
            try {
                // A file this open created, or an empty one (a creator killed before it preallocated), gets its size.
                if (created || (!block && options.createSize() > 0 && emptyFile(p, fd, arena))) {
                    preallocate(p, fd, options.createSize());
                }
                if (block && !options.readOnly()) refuseReadOnly(p, fd, arena);
                Geometry geometry = discover(p, fd, kind, options.direct(), options.maxTransfer(), arena);
                check(p, geometry, options);
                return new DeviceFile(path, fd, options.readOnly(), geometry, created, null);
            } catch (IOException | RuntimeException e) {
                // Still holding the lock: a file this open created goes before anyone else can see it.
                if (created) Files.deleteIfExists(path);
                LibC.flock(fd, LibC.LOCK_UN);
                LibC.close(fd);
                throw e;
            }
        }
    }

    /** How long a block device's flock is retried: udev holds LOCK_SH for a moment while it probes. */
    private static final long BLOCK_LOCK_WAIT_NANOS = 2_000_000_000L;
    /**
     * How long a lock whose holder has died is waited for: the kernel tears an io_uring down after
     * its process is gone, and the ring's reference keeps the file (its lock, a block device's
     * exclusive claim) open until then, usually for milliseconds.
     */
    private static final long LINGER_WAIT_NANOS = 5_000_000_000L;

    static void lock(String p, int fd, boolean block, boolean shared, Holders.Identity node) throws IOException {
        int operation = (shared ? LibC.LOCK_SH : LibC.LOCK_EX) | LibC.LOCK_NB;
        long start = System.nanoTime();
        while (true) {
            int r = LibC.flock(fd, operation);
            if (r == 0) return;
            if (r != -Errno.EWOULDBLOCK) {
                throw new DeviceIoException("cannot lock " + p + " (rawblock locks what it opens so that it is the"
                        + " only owner; does its filesystem support flock?)", -r);
            }
            long waited = System.nanoTime() - start;
            boolean retry = (block && waited < BLOCK_LOCK_WAIT_NANOS)
                    || (waited < LINGER_WAIT_NANOS && (Holders.lingering(node) || Holders.unlisted(node)));
            if (!retry) throw Holders.locked(p, node);
            pause(p);
        }
    }

    private static void pause(String p) throws IOException {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + p, e);
        }
    }

    /**
     * Creates an empty file at {@code path}; true when this call created it, false when another
     * opener did first (it is then opened as found, and its lock decides who owns it).
     */
    private static boolean createEmpty(Path path, DeviceOptions options) throws IOException {
        long size = options.createSize();
        if (size % SAFE_ALIGNMENT != 0) {
            throw new IOException("cannot create " + path + ": size " + size + " is not a multiple of "
                    + SAFE_ALIGNMENT);
        }
        if (options.readOnly()) throw new IOException("cannot create " + path + " read-only");
        Path parent = path.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IOException("cannot create " + path + ": directory " + parent + " does not exist");
        }
        int fd = LibC.open(path.toString(), LibC.O_RDWR | LibC.O_CREAT | LibC.O_EXCL | LibC.O_CLOEXEC, 0644);
        if (fd == -Errno.EEXIST) return false;
        if (fd < 0) throw new DeviceIoException("cannot create " + path, -fd);
        LibC.close(fd);
        return true;
    }

    private static boolean emptyFile(String p, int fd, Arena arena) throws IOException {
        MemorySegment stx = arena.allocate(StatxDescriptor.SIZE, 8);
        int r = LibC.statx(fd, "", LibC.AT_EMPTY_PATH, LibC.STATX_BASIC_STATS, stx);
        if (r < 0) throw new DeviceIoException("cannot stat " + p, -r);
        return stx.get(JAVA_LONG, StatxDescriptor.SIZE_BYTES) == 0;
    }

    /** Preallocates a file under its lock. */
    private static void preallocate(String p, int fd, long size) throws IOException {
        // O_DIRECT writes that extend a file are several times slower than overwrites.
        int r = LibC.fallocate(fd, 0, 0, size);
        if (r == -Errno.EOPNOTSUPP) throw new IOException("cannot preallocate " + p
                + ": the filesystem does not support fallocate");
        if (r < 0) throw new DeviceIoException("cannot preallocate " + size + " bytes for " + p, -r);
    }

    private static IOException openError(String p, DeviceOptions options, int errno) {
        String mode = options.readOnly() ? "reading" : "reading and writing";
        return switch (errno) {
            case Errno.EACCES, Errno.EPERM -> new DeviceIoException("permission denied opening " + p + " for " + mode, errno);
            case Errno.EROFS -> new DeviceIoException(p + " is read-only and cannot be opened for writing"
                    + " (open it read-only)", errno);
            case Errno.EINVAL -> options.direct()
                    ? new DeviceIoException("cannot open " + p + " with O_DIRECT (does its filesystem support direct I/O?)", errno)
                    : new DeviceIoException("cannot open " + p, errno);
            default -> new DeviceIoException("cannot open " + p + " for " + mode, errno);
        };
    }

    /** The kernel opens a read-only block device for writing and fails each write later: refuse now. */
    private static void refuseReadOnly(String p, int fd, Arena arena) throws IOException {
        MemorySegment ro = arena.allocate(JAVA_INT);
        int r = LibC.ioctl(fd, BLKROGET, ro);
        if (r < 0) throw new DeviceIoException("BLKROGET on " + p, -r);
        if (ro.get(JAVA_INT, 0) != 0) {
            throw new IOException(p + " is a read-only device and cannot be opened for writing (open it read-only)");
        }
    }

    private static Geometry discover(String p, int fd, Geometry.Kind kind, boolean direct, long explicitMaxTransfer,
                                     Arena arena)
            throws IOException {
        MemorySegment stx = arena.allocate(StatxDescriptor.SIZE, 8);
        int r = LibC.statx(fd, "", LibC.AT_EMPTY_PATH, LibC.STATX_BASIC_STATS | LibC.STATX_DIOALIGN, stx);
        if (r < 0) throw new DeviceIoException("cannot stat " + p, -r);
        boolean dioKnown = (stx.get(JAVA_INT, StatxDescriptor.MASK) & LibC.STATX_DIOALIGN) != 0;
        int dioMem = dioKnown ? stx.get(JAVA_INT, StatxDescriptor.DIO_MEM_ALIGN) : 0;
        int dioOffset = dioKnown ? stx.get(JAVA_INT, StatxDescriptor.DIO_OFFSET_ALIGN) : 0;

        long size;
        int logical;
        String sysfs;
        if (kind == Geometry.Kind.BLOCK_DEVICE) {
            MemorySegment out = arena.allocate(8, 8);
            r = LibC.ioctl(fd, BLKGETSIZE64, out);
            if (r < 0) throw new DeviceIoException("BLKGETSIZE64 on " + p, -r);
            size = out.get(JAVA_LONG, 0);
            r = LibC.ioctl(fd, BLKSSZGET, out);
            if (r < 0) throw new DeviceIoException("BLKSSZGET on " + p, -r);
            logical = out.get(JAVA_INT, 0);
            sysfs = "/sys/dev/block/" + stx.get(JAVA_INT, StatxDescriptor.RDEV_MAJOR) + ":"
                    + stx.get(JAVA_INT, StatxDescriptor.RDEV_MINOR);
        } else {
            size = stx.get(JAVA_LONG, StatxDescriptor.SIZE_BYTES);
            // A filesystem that does not report direct-I/O alignment gets the safe choice.
            logical = dioOffset > 0 ? dioOffset : SAFE_ALIGNMENT;
            sysfs = "/sys/dev/block/" + stx.get(JAVA_INT, StatxDescriptor.DEV_MAJOR) + ":"
                    + stx.get(JAVA_INT, StatxDescriptor.DEV_MINOR);
        }
        int alignment = direct ? Math.max(logical, Math.max(dioMem, dioOffset)) : 1;
        long maxTransfer = explicitMaxTransfer > 0 ? explicitMaxTransfer : maxTransfer(Path.of(sysfs), alignment);
        if (maxTransfer % alignment != 0 || maxTransfer > MAX_SYSCALL_BYTES) {
            throw new IOException("max transfer " + maxTransfer + " for " + p + " must be a multiple of the device"
                    + " alignment " + alignment + " and at most " + MAX_SYSCALL_BYTES);
        }
        return new Geometry(kind, size, logical, alignment, maxTransfer);
    }

    /**
     * {@code queue/max_hw_sectors_kb} of the device (for a partition, of its disk), capped at what
     * one syscall transfers; the syscall limit when sysfs has no answer (e.g. tmpfs, overlay).
     */
    static long maxTransfer(Path sysfsDevice, int alignment) {
        long a = Math.max(alignment, 1);
        long cap = MAX_SYSCALL_BYTES / a * a;
        for (Path queue : new Path[] {sysfsDevice.resolve("queue"), sysfsDevice.resolve("../queue")}) {
            try {
                long kb = Long.parseLong(Files.readString(queue.resolve("max_hw_sectors_kb")).trim());
                return Math.max(a, Math.min(cap, kb * 1024 / a * a));
            } catch (IOException | NumberFormatException ignored) {
                // try the parent (partitions have no queue directory of their own)
            }
        }
        return cap;
    }

    private static void check(String p, Geometry g, DeviceOptions options) throws IOException {
        if (g.size() % g.alignment() != 0) {
            throw new IOException("size of " + p + " (" + g.size() + " bytes) is not a multiple of its block size "
                    + g.alignment());
        }
        if (g.size() == 0) throw new IOException(p + " is empty (0 bytes)");
        if (g.size() < options.minSize()) {
            throw new IOException(p + " is too small: " + g.size() + " bytes, at least " + options.minSize()
                    + " needed");
        }
    }

    /**
     * The first offset at or after {@code from} that a regular file holds data at (lseek
     * SEEK_DATA), rounded down to {@code unit}; {@link Geometry#size()} when only holes follow.
     * A block device, or a filesystem that cannot tell, answers {@code from}: all may be data.
     * Preallocated (unwritten) extents count as holes on the filesystems that track them.
     */
    public long dataFrom(long from, int unit) {
        if (geometry.kind() != Geometry.Kind.FILE || from >= geometry.size()) return Math.min(from, geometry.size());
        long r = LibC.lseek(fd, from, LibC.SEEK_DATA);
        if (r == -Errno.ENXIO) return geometry.size();
        if (r < 0) return from;
        return Math.max(from, r / unit * unit);
    }

    /** The end of the data that starts at {@code from} (lseek SEEK_HOLE), rounded up to {@code unit}. */
    public long holeFrom(long from, int unit) {
        if (geometry.kind() != Geometry.Kind.FILE || from >= geometry.size()) return geometry.size();
        long r = LibC.lseek(fd, from, LibC.SEEK_HOLE);
        if (r < 0) return geometry.size();
        return Math.min(geometry.size(), (r + unit - 1) / unit * unit);
    }

    /** fdatasync: makes completed writes durable (flushes the device's volatile cache). */
    public int fdatasync() {
        return LibC.fdatasync(fd);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        // Unlock first: another reference to the open file (a ring being torn down) must not keep the lock.
        LibC.flock(fd, LibC.LOCK_UN);
        LibC.close(fd);
        if (claim != null) claim.close();
    }
}
