package dev.rawblock.device;

import java.io.IOException;
import java.nio.file.Path;

/** The contract on a loop block device with direct I/O, posix engine. */
class PosixLoopDeviceTest extends BlockDeviceContract {
    @Override
    Engine engine() {
        return Engine.POSIX;
    }

    @Override
    Path target(Path dir) throws IOException {
        return track(DeviceTargets.loop(dir, TARGET_SIZE)).path();
    }
}
