package dev.rawblock.device;

import java.io.IOException;

/**
 * A device that another owner holds: another process (or another open in this one) has its lock,
 * a filesystem is mounted on it, or the kernel holds it for device-mapper, swap or an exclusive
 * opener. The message is one line naming the path and, where it could be found, the holder.
 */
public final class DeviceBusyException extends IOException {
    private final long holderPid;
    private final boolean holderNamed;

    DeviceBusyException(String message, long holderPid, boolean holderNamed) {
        super(message);
        this.holderPid = holderPid;
        this.holderNamed = holderNamed;
    }

    /** Whether the message names the holder (a pid, a mount point, swap, a stacked device), not just "another process". */
    public boolean holderNamed() {
        return holderNamed;
    }

    /** The pid of the process that holds the device's lock, or -1 when no process could be named. */
    public long holderPid() {
        return holderPid;
    }
}
