package dev.rawblock.device;

import dev.rawblock.uring.Errno;

import java.io.IOException;

/** An operation the kernel failed, with its errno; the message names the device and the operation. */
public final class DeviceIoException extends IOException {
    private final int errno;

    public DeviceIoException(String message, int errno) {
        super(message + ": " + Errno.describe(errno));
        this.errno = errno;
    }

    /** An operation that stopped without an errno, e.g. a read that hit the end of the file. */
    public DeviceIoException(String message) {
        super(message);
        this.errno = 0;
    }

    /** The positive errno, or 0 when the failure has none. */
    public int errno() {
        return errno;
    }
}
