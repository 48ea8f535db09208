package dev.rawblock.device;

import dev.rawblock.testkit.device.DeviceTargets;

import java.io.IOException;
import java.nio.file.Path;

/** The contract on a preallocated regular file, posix engine. */
class PosixFileTest extends EngineContract {
    @Override
    Engine engine() {
        return Engine.POSIX;
    }

    @Override
    protected Path target(Path dir) throws IOException {
        return DeviceTargets.file(dir, TARGET_SIZE);
    }
}
