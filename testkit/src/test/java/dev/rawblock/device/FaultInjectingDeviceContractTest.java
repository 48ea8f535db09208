package dev.rawblock.device;

import dev.rawblock.testkit.device.BlockDeviceContract;
import dev.rawblock.testkit.device.DeviceTargets;
import dev.rawblock.testkit.device.FaultInjectingDevice;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The contract through the fault wrapper with no fault armed, over io_uring on a file: a wrapper
 * that changed what the device does (its undo reads, its completions on other threads) would fail
 * here before it misled a store test.
 */
class FaultInjectingDeviceContractTest extends BlockDeviceContract {
    @Override
    protected Path target(Path dir) throws IOException {
        return DeviceTargets.file(dir, TARGET_SIZE);
    }

    @Override
    protected BlockDevice newDevice(DeviceOptions options) throws IOException {
        return new FaultInjectingDevice(BlockDevice.open(options));
    }
}
