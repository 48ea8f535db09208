package dev.rawblock.testkit.device;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The device contract on the simulated device in {@link SimulatedDevice.Mode#AUTO} with no faults:
 * the simulator's device must be a device first. Each open of a target gets the same media (what
 * the last device wrote) and the next seed, so completion orders differ between opens.
 */
class SimulatedDeviceContractTest extends BlockDeviceContract {
    private final Map<Path, SimulatedMedia> disks = new HashMap<>();
    private long seed = 1;

    @Override
    protected Path target(Path dir) {
        Path name = dir.resolve("simulated");
        disks.put(name, new SimulatedMedia(TARGET_SIZE, 4096));
        return name;
    }

    @Override
    protected BlockDevice newDevice(DeviceOptions options) {
        return SimulatedDevice.open(disks.get(options.path()), options, SimulatedDevice.Config.auto(seed++));
    }
}
