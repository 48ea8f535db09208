package dev.rawblock.device;

import java.io.IOException;
import java.nio.file.Path;

/** The contract on a preallocated regular file, io_uring engine. */
class UringFileTest extends BlockDeviceContract {
    @Override
    Engine engine() {
        return Engine.IO_URING;
    }

    @Override
    Path target(Path dir) throws IOException {
        return DeviceTargets.file(dir, TARGET_SIZE);
    }
}
