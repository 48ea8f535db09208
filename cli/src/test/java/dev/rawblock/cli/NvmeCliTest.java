package dev.rawblock.cli;

import dev.rawblock.cli.InProcess.Run;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.store.PutResult;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreOptions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code format}, {@code stats} and {@code fsck} on an NVMe generic device (in nvme-vm): the
 * passthrough engine is chosen by the path, and {@code stats --json} carries the drive's FDP
 * figures.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class NvmeCliTest {
    /** A device of the nvme-vm guest (core's NvmeVm, which this module's tests cannot see); skips the test elsewhere. */
    static Path vm(String variable) {
        String v = System.getenv(variable);
        Assumptions.assumeTrue(v != null && !v.isEmpty(),
                variable + " not set: no NVMe passthrough device (these tests run under nvme-vm, see .ci/run)");
        return Path.of(v);
    }

    /** The LBA size of the guest's namespaces (--lbs). */
    static long lbaBytes() {
        return Long.parseLong(System.getenv().getOrDefault("NVME_VM_LBS", "4096"));
    }

    @Test
    void formatStatsAndFsckOnAnFdpNamespace() throws Exception {
        Path ng = vm("NVME_VM_NG");
        Run format = rawblock("format", "--path", ng.toString(), "--capacity", "256m", "--region-size", "4m", "--force");
        assertEquals(0, format.exitCode(), format.err() + format.out());
        try (BlockDevice device = BlockDevice.open(DeviceOptions.of(ng));
             Store store = Store.open(device, StoreOptions.defaults());
             Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(300 << 10).fill((byte) 7);
            assertEquals(PutResult.STORED,
                    store.putMany(List.of("chunk".getBytes(StandardCharsets.US_ASCII)), List.of(value))[0]);
        }
        Run stats = rawblock("stats", "--path", ng.toString(), "--json");
        assertEquals(0, stats.exitCode(), stats.err());
        System.out.println(stats.out());
        Map<?, ?> fdp = assertInstanceOf(Map.class, stats.json().get("fdp"), stats.lastLine());
        assertEquals(Boolean.TRUE, fdp.get("enabled"));
        List<?> used = assertInstanceOf(List.class, fdp.get("handles_used"));
        assertFalse(used.isEmpty(), stats.lastLine());
        double host = assertInstanceOf(Double.class, fdp.get("host_bytes_written"));
        double media = assertInstanceOf(Double.class, fdp.get("media_bytes_written"));
        assertTrue(host >= 300 << 10 && media >= host, stats.lastLine());
        assertTrue(stats.out().contains("write amplification"), stats.out());

        Run fsck = rawblock("fsck", "--path", ng.toString());
        assertEquals(0, fsck.exitCode(), fsck.err() + fsck.out());
    }

    @Test
    void statsOnANamespaceWithoutFdpSaysPlacementIsOff() throws Exception {
        Path ng = vm("NVME_VM_PLAIN_NG");
        Run format = rawblock("format", "--path", ng.toString(), "--capacity", "64m", "--region-size", "4m", "--force");
        assertEquals(0, format.exitCode(), format.err() + format.out());
        Run stats = rawblock("stats", "--path", ng.toString(), "--json");
        assertEquals(0, stats.exitCode(), stats.err());
        Map<?, ?> fdp = assertInstanceOf(Map.class, stats.json().get("fdp"), stats.lastLine());
        assertEquals(Boolean.FALSE, fdp.get("enabled"));
        assertTrue(String.valueOf(fdp.get("placement")).contains("off"), stats.lastLine());
    }

    @Test
    void aBlockDeviceGivenToTheUringCmdEngineIsRefusedInOneLine() {
        Path blk = vm("NVME_VM_NS");
        Run run = rawblock("bench", "device", "--path", blk.toString(), "--engine", "uring_cmd", "--size", "4m");
        assertNotEquals(0, run.exitCode());
        assertTrue(run.err().contains(blk + " is a block device"), run.err());
    }
}
