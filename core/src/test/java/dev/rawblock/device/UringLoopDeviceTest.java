package dev.rawblock.device;

import java.io.IOException;
import java.nio.file.Path;

/** The contract on a loop block device with direct I/O, io_uring engine. */
class UringLoopDeviceTest extends BlockDeviceContract {
    @Override
    Engine engine() {
        return Engine.IO_URING;
    }

    @Override
    Path target(Path dir) throws IOException {
        return track(DeviceTargets.loop(dir, TARGET_SIZE)).path();
    }
}
