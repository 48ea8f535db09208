package dev.rawblock.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc functions rawblock calls, bound once through the FFM linker. This class and
 * {@link IoUring} are the only places that make restricted native calls.
 *
 * <p>Every call captures {@code errno} and follows the kernel convention: a negative
 * return value is {@code -errno}, anything else is the call's result. Callers never read
 * a global errno, so results stay correct across threads and virtual-thread migration.
 */
@SuppressWarnings("restricted") // the one class whose job is restricted native access
public final class LibC {
    private LibC() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** One errno capture buffer per thread; GC-managed so short-lived threads leak nothing. */
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    /** syscall(long nr, ...) is variadic: six long arguments after the number cover every call we make. */
    private static final MethodHandle SYSCALL = bind("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    /** open(const char*, int, ...) is variadic in its mode argument. */
    private static final MethodHandle OPEN = bind("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle PREAD = bind("pread",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE = bind("pwrite",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle FDATASYNC = bind("fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FLOCK = bind("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle LSEEK = bind("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FALLOCATE = bind("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    /** ioctl(int, unsigned long, ...) is variadic; we always pass one pointer argument. */
    private static final MethodHandle IOCTL = bind("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle STATX = bind("statx",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle EVENTFD = bind("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MMAP = bind("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = bind("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MADVISE = bind("madvise",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOCK_GETTIME = bind("clock_gettime",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LIBC.find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    // open(2) flags (x86-64 / generic Linux values, from <fcntl.h>)
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_DIRECT = 040000;
    public static final int O_CLOEXEC = 02000000;

    // flock(2), from <sys/file.h>
    public static final int LOCK_SH = 1;
    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
    public static final int LOCK_UN = 8;

    // lseek(2) whence values for sparse files, from <unistd.h>
    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;

    // mmap(2)
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_POPULATE = 0x8000;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    /** {@code madvise} advice: back the range with transparent huge pages where the kernel can. */
    public static final int MADV_HUGEPAGE = 14;

    /** eventfd(2) flag. */
    public static final int EFD_CLOEXEC = 02000000;

    // statx(2), from <linux/stat.h> and <fcntl.h>
    public static final int AT_FDCWD = -100;
    public static final int AT_EMPTY_PATH = 0x1000;
    public static final int STATX_BASIC_STATS = 0x7ff;
    public static final int STATX_DIOALIGN = 0x2000;

    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    private static MemorySegment capture() {
        return CAPTURE.get();
    }

    private static long result(long value, MemorySegment capture) {
        return value == -1 ? -(int) ERRNO.get(capture, 0L) : value;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** Raw {@code syscall(nr, a..f)}; returns the result or {@code -errno}. */
    public static long syscall(long nr, long a, long b, long c, long d, long e, long f) {
        MemorySegment cap = capture();
        try {
            return result((long) SYSCALL.invokeExact(cap, nr, a, b, c, d, e, f), cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code open(path, flags, mode)}: a file descriptor or {@code -errno}. */
    public static int open(String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture();
            return (int) result((int) OPEN.invokeExact(cap, arena.allocateFrom(path), flags, mode), cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code close(fd)}: 0 or {@code -errno}. */
    public static int close(int fd) {
        MemorySegment cap = capture();
        try {
            return (int) result((int) CLOSE.invokeExact(cap, fd), cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code pread(fd, buf, buf.byteSize(), offset)}: bytes read or {@code -errno}. */
    public static long pread(int fd, MemorySegment buf, long offset) {
        MemorySegment cap = capture();
        try {
            return result((long) PREAD.invokeExact(cap, fd, buf, buf.byteSize(), offset), cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code pwrite(fd, buf, buf.byteSize(), offset)}: bytes written or {@code -errno}. */
    public static long pwrite(int fd, MemorySegment buf, long offset) {
        MemorySegment cap = capture();
        try {
            return result((long) PWRITE.invokeExact(cap, fd, buf, buf.byteSize(), offset), cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code read(fd, buf, buf.byteSize())}: bytes read or {@code -errno}. */
    public static long read(int fd, MemorySegment buf) {
        MemorySegment cap = capture();
        try {
            return result((long) READ.invokeExact(cap, fd, buf, buf.byteSize()), cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code write(fd, buf, buf.byteSize())}: bytes written or {@code -errno}. */
    public static long write(int fd, MemorySegment buf) {
        MemorySegment cap = capture();
        try {
            return result((long) WRITE.invokeExact(cap, fd, buf, buf.byteSize()), cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code fdatasync(fd)}: 0 or {@code -errno}. */
    public static int fdatasync(int fd) {
        MemorySegment cap = capture();
        try {
            return (int) result((int) FDATASYNC.invokeExact(cap, fd), cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code flock(fd, operation)}: 0 or {@code -errno} ({@code -EWOULDBLOCK} when LOCK_NB meets a holder). */
    public static int flock(int fd, int operation) {
        MemorySegment cap = capture();
        try {
            return (int) result((int) FLOCK.invokeExact(cap, fd, operation), cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code lseek(fd, offset, whence)}: the new offset or {@code -errno} ({@code -ENXIO} past the last data). */
    public static long lseek(int fd, long offset, int whence) {
        MemorySegment cap = capture();
        try {
            return result((long) LSEEK.invokeExact(cap, fd, offset, whence), cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code fallocate(fd, mode, offset, length)}: 0 or {@code -errno}. */
    public static int fallocate(int fd, int mode, long offset, long length) {
        MemorySegment cap = capture();
        try {
            return (int) result((int) FALLOCATE.invokeExact(cap, fd, mode, offset, length), cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ioctl(fd, request, arg)}: the ioctl's result or {@code -errno}. */
    public static int ioctl(int fd, long request, MemorySegment arg) {
        MemorySegment cap = capture();
        try {
            return (int) result((int) IOCTL.invokeExact(cap, fd, request, arg), cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code statx(dirfd, path, flags, mask, buf)}: 0 or {@code -errno}; see {@link StatxDescriptor}. */
    public static int statx(int dirfd, String path, int flags, int mask, MemorySegment buf) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture();
            return (int) result((int) STATX.invokeExact(cap, dirfd, arena.allocateFrom(path), flags, mask, buf), cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code eventfd(initval, flags)}: a file descriptor or {@code -errno}. */
    public static int eventfd(int initialValue, int flags) {
        MemorySegment cap = capture();
        try {
            return (int) result((int) EVENTFD.invokeExact(cap, initialValue, flags), cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code mmap(NULL, length, prot, flags, fd, offset)} as a segment of {@code length} bytes.
     *
     * @throws NativeException when the kernel refuses the mapping
     */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        MemorySegment cap = capture();
        try {
            MemorySegment address = (MemorySegment) MMAP.invokeExact(cap, MemorySegment.NULL, length, prot, flags, fd, offset);
            if (address.address() == -1L) {
                throw new NativeException("mmap of " + length + " bytes at offset 0x" + Long.toHexString(offset),
                        (int) ERRNO.get(cap, 0L));
            }
            return address.reinterpret(length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code munmap(segment)}: 0 or {@code -errno}. */
    public static int munmap(MemorySegment segment) {
        MemorySegment cap = capture();
        try {
            return (int) result((int) MUNMAP.invokeExact(cap, segment, segment.byteSize()), cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code madvise(segment, advice)}: 0 or {@code -errno}; the segment must start on a page. */
    public static int madvise(MemorySegment segment, int advice) {
        MemorySegment cap = capture();
        try {
            return (int) result((int) MADVISE.invokeExact(cap, segment, segment.byteSize(), advice), cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final int CLOCK_PROCESS_CPUTIME_ID = 2;

    /**
     * CPU time of every thread of this process, in nanoseconds, from
     * {@code clock_gettime(CLOCK_PROCESS_CPUTIME_ID)}: exact, unlike the 10 ms ticks of times(2)
     * behind the JDK's OperatingSystemMXBean.
     */
    public static long processCpuNanos() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(16, 8); // struct timespec { long tv_sec; long tv_nsec; }
            MemorySegment cap = capture();
            int r = (int) CLOCK_GETTIME.invokeExact(cap, CLOCK_PROCESS_CPUTIME_ID, ts);
            if (r != 0) throw new NativeException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID)", (int) ERRNO.get(cap, 0L));
            return ts.get(JAVA_LONG, 0) * 1_000_000_000L + ts.get(JAVA_LONG, 8);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The C library's text for an errno value, e.g. "No such file or directory". */
    public static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
