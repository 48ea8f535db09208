package dev.rawblock.device;

import dev.rawblock.testkit.device.DeviceTargets;

import java.io.IOException;
import java.nio.file.Path;

/** The contract on a loop block device with direct I/O, posix engine (skipped, with the reason, where no loop device can be made). */
class PosixLoopDeviceTest extends EngineContract {
    @Override
    Engine engine() {
        return Engine.POSIX;
    }

    @Override
    protected Path target(Path dir) throws IOException {
        return track(DeviceTargets.loop(dir, TARGET_SIZE)).path();
    }
}
