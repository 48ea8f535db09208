package dev.rawblock.uring;

/** A failed native call: what was attempted, the errno, and the C library's text for it. */
public final class NativeException extends RuntimeException {
    private final int errno;

    public NativeException(String what, int errno) {
        super(what + " failed: " + Errno.describe(errno));
        this.errno = errno;
    }

    /** The positive errno value, e.g. {@link Errno#EINVAL}. */
    public int errno() {
        return errno;
    }
}
