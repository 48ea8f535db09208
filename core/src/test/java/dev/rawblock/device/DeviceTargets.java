package dev.rawblock.device;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Path;

/** Targets for device tests: a preallocated file, or a loop device (skipped, with the reason, where none can be made). */
final class DeviceTargets {
    private DeviceTargets() {}

    static Path file(Path dir, long size) throws IOException {
        Path p = dir.resolve("device.img");
        BlockDevice.open(DeviceOptions.of(p).withCreateSize(size).withArenaBytes(0)).close();
        return p;
    }

    static LoopDevice loop(Path dir, long size) throws IOException {
        try {
            return LoopDevice.create(dir.resolve("loop-backing.img"), size, 0, false);
        } catch (LoopDevice.Unavailable e) {
            System.out.println("SKIPPED loop-device contract: " + e.getMessage());
            Assumptions.abort("no loop device: " + e.getMessage());
            throw e;
        }
    }
}
