package dev.rawblock.device;

import java.nio.file.Path;

/**
 * What a child JVM of {@link DeviceOwnershipTest} runs: opens the device named by its first
 * argument (read-only when the second says so), prints "HELD", and holds it until its standard
 * input closes or it is killed.
 */
public final class HoldingChild {
    public static void main(String[] args) throws Exception {
        DeviceOptions options = DeviceOptions.of(Path.of(args[0])).withArenaBytes(1 << 20)
                .withReadOnly(args.length > 1 && args[1].equals("ro"));
        try (BlockDevice device = BlockDevice.open(options)) {
            System.out.println("HELD " + device.size());
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold until the parent closes our stdin
            }
        }
    }
}
