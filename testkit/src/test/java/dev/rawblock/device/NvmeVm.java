package dev.rawblock.device;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The emulated NVMe drive of the nvme-vm guest, as its environment names it. Every accessor
 * skips the calling test, with the reason printed, where the variable is not set: on an ordinary
 * machine the NVMe tests are skipped, in the guest they run ({@code .ci/run} starts them there).
 */
public final class NvmeVm {
    private NvmeVm() {}

    /** The FDP namespace's generic device, e.g. /dev/ng0n1. */
    public static Path ng() {
        return path("NVME_VM_NG");
    }

    /** The FDP namespace's block device, e.g. /dev/nvme0n1. */
    public static Path blockDevice() {
        return path("NVME_VM_NS");
    }

    /** The FDP controller, e.g. /dev/nvme0. */
    public static Path controller() {
        return path("NVME_VM_CTRL");
    }

    /** The generic device of the second controller's namespace, which has no FDP. */
    public static Path plainNg() {
        return path("NVME_VM_PLAIN_NG");
    }

    /** Reclaim unit handles the FDP namespace was given (--nruh). */
    public static int handles() {
        return Integer.parseInt(value("NVME_VM_NRUH"));
    }

    /** Bytes of the namespace behind a block device node, from sysfs (512-byte sectors). */
    public static long sysfsBytes(Path blockDevice) throws IOException {
        return Long.parseLong(Files.readString(Path.of("/sys/block", blockDevice.getFileName().toString(), "size")).trim())
                * 512;
    }

    /** A number from the block queue of the namespace in sysfs. */
    public static long queueValue(Path blockDevice, String name) throws IOException {
        return Long.parseLong(Files.readString(Path.of("/sys/block", blockDevice.getFileName().toString(), "queue", name))
                .trim());
    }

    private static Path path(String name) {
        return Path.of(value(name));
    }

    private static String value(String name) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) {
            String reason = name + " not set: no NVMe passthrough device (these tests run under nvme-vm, see .ci/run)";
            System.out.println("SKIPPED: " + reason);
            Assumptions.abort(reason);
        }
        return v;
    }
}
