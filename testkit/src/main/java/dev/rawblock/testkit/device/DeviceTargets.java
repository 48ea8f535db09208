package dev.rawblock.testkit.device;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Path;

/** Targets for device tests: a preallocated file, or a loop device (skipped, with the reason, where none can be made). */
public final class DeviceTargets {
    private DeviceTargets() {}

    /** A preallocated regular file of {@code size} bytes in {@code dir}. */
    public static Path file(Path dir, long size) throws IOException {
        Path p = dir.resolve("device.img");
        BlockDevice.open(DeviceOptions.of(p).withCreateSize(size).withArenaBytes(0)).close();
        return p;
    }

    /** A loop device of {@code size} bytes; aborts the test (skipped, with the reason printed) where none can be made. */
    public static LoopDevice loop(Path dir, long size) throws IOException {
        try {
            return LoopDevice.create(dir.resolve("loop-backing.img"), size, 0, false);
        } catch (LoopDevice.Unavailable e) {
            System.out.println("SKIPPED loop-device contract: " + e.getMessage());
            Assumptions.abort("no loop device: " + e.getMessage());
            throw e;
        }
    }
}
