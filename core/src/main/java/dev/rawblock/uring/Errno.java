package dev.rawblock.uring;

/** The errno values rawblock reacts to (Linux, all architectures), and their text. */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EAGAIN = 11;
    /** Same value as EAGAIN on Linux: what flock(LOCK_NB) answers when another holder has the lock. */
    public static final int EWOULDBLOCK = EAGAIN;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int ENOSYS = 38;
    public static final int EOPNOTSUPP = 95;
    public static final int ECANCELED = 125;

    /** "EINVAL (Invalid argument)"-style text for messages. */
    public static String describe(int errno) {
        return "errno " + errno + " (" + LibC.strerror(errno) + ")";
    }
}
