package dev.rawblock.device;

import java.io.IOException;

/** The device was closed before the operation could run. */
public final class DeviceClosedException extends IOException {
    public DeviceClosedException(String path) {
        super("device " + path + " is closed");
    }
}
