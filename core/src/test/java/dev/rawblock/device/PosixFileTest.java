package dev.rawblock.device;

import java.io.IOException;
import java.nio.file.Path;

/** The contract on a preallocated regular file, posix engine. */
class PosixFileTest extends BlockDeviceContract {
    @Override
    Engine engine() {
        return Engine.POSIX;
    }

    @Override
    Path target(Path dir) throws IOException {
        return DeviceTargets.file(dir, TARGET_SIZE);
    }
}
