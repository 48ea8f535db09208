package dev.rawblock.device;

import dev.rawblock.testkit.device.DeviceTargets;
import dev.rawblock.testkit.device.LoopDevice;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * One owner per device: a second open, in this process or another, is refused at once with one
 * line naming the holder; read-only opens share; the lock ends with the holder (close or death);
 * a mounted block device is refused naming its mount point.
 */
@Timeout(120)
class DeviceOwnershipTest {
    private static final long SELF = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    private Path file() throws IOException {
        return DeviceTargets.file(dir, 8 << 20);
    }

    private static DeviceBusyException busy(DeviceOptions options) {
        return assertThrows(DeviceBusyException.class, () -> BlockDevice.open(options).close());
    }

    // The file engines; uring_cmd drives only NVMe namespaces, and UringCmdNamespaceTest checks its ownership.
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"IO_URING", "POSIX"})
    void aSecondOpenInThisProcessIsRefusedAtOnce(Engine engine) throws IOException {
        Path p = file();
        try (BlockDevice first = BlockDevice.open(DeviceOptions.of(p).withEngine(engine).withArenaBytes(1 << 20))) {
            for (boolean readOnly : new boolean[] {false, true}) {
                DeviceBusyException e = busy(DeviceOptions.of(p).withEngine(engine).withReadOnly(readOnly));
                assertEquals(p + " is in use by pid " + SELF + " (this process already holds it)", e.getMessage());
                assertEquals(SELF, e.holderPid());
            }
            assertEquals(8 << 20, first.size(), "the holder is not disturbed");
        }
    }

    /** The lock ends with the close, also for io_uring, whose ring held the file and is torn down asynchronously. */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"IO_URING", "POSIX"})
    void closingReleasesAtOnce(Engine engine) throws IOException {
        Path p = file();
        for (int i = 0; i < 20; i++) {
            BlockDevice.open(DeviceOptions.of(p).withEngine(engine).withArenaBytes(1 << 20)).close();
        }
    }

    @Test
    void readOnlyOpensShareAndKeepWritersOut() throws IOException {
        Path p = file();
        try (BlockDevice a = BlockDevice.open(DeviceOptions.of(p).withReadOnly(true).withArenaBytes(1 << 20));
             BlockDevice b = BlockDevice.open(DeviceOptions.of(p).withReadOnly(true).withArenaBytes(1 << 20))) {
            assertEquals(a.size(), b.size());
            assertTrue(busy(DeviceOptions.of(p)).getMessage().contains("is in use by pid " + SELF));
        }
        BlockDevice.open(DeviceOptions.of(p)).close();
    }

    @Test
    void anotherProcessHoldsItUntilItDies() throws Exception {
        Path p = file();
        Process child = holder(p, false);
        try {
            DeviceBusyException e = busy(DeviceOptions.of(p));
            assertEquals(p + " is in use by pid " + child.pid() + " (another rawblock process holds it)", e.getMessage());
            assertEquals(child.pid(), e.holderPid());
            assertTrue(busy(DeviceOptions.of(p).withReadOnly(true)).getMessage().contains("pid " + child.pid()));
        } finally {
            child.destroyForcibly(); // SIGKILL: no close runs, the kernel drops the lock
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        BlockDevice.open(DeviceOptions.of(p)).close();
    }

    @Test
    void aReaderInAnotherProcessKeepsWritersOutButNotReaders() throws Exception {
        Path p = file();
        Process child = holder(p, true);
        try {
            assertEquals(child.pid(), busy(DeviceOptions.of(p)).holderPid());
            BlockDevice.open(DeviceOptions.of(p).withReadOnly(true)).close();
        } finally {
            child.getOutputStream().close(); // stdin EOF: the child closes the device and exits
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, child.exitValue());
        }
        BlockDevice.open(DeviceOptions.of(p)).close();
    }

    @Test
    void aBlockDeviceIsHeldExclusively() throws Exception {
        try (LoopDevice loop = loop()) {
            Path p = loop.path();
            try (BlockDevice first = BlockDevice.open(DeviceOptions.of(p).withArenaBytes(1 << 20))) {
                for (boolean readOnly : new boolean[] {false, true}) {
                    DeviceBusyException e = busy(DeviceOptions.of(p).withReadOnly(readOnly));
                    assertEquals(p + " is in use by pid " + SELF + " (this process already holds it)", e.getMessage());
                }
                assertEquals(8 << 20, first.size());
            }
            Process child = holder(p, false);
            try {
                DeviceBusyException e = busy(DeviceOptions.of(p));
                assertEquals(p + " is in use by pid " + child.pid() + " (another rawblock process holds it)", e.getMessage());
            } finally {
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            }
            for (int i = 0; i < 10; i++) BlockDevice.open(DeviceOptions.of(p).withArenaBytes(1 << 20)).close();
        }
    }

    @Test
    void aMountedBlockDeviceIsRefusedNamingItsMountPoint() throws Exception {
        try (LoopDevice loop = loop()) {
            Path p = loop.path();
            run("mkfs.ext4", "-q", "-F", p.toString());
            Path mnt = Files.createDirectory(dir.resolve("mnt point"));
            run("mount", p.toString(), mnt.toString());
            try {
                for (boolean readOnly : new boolean[] {false, true}) {
                    DeviceBusyException e = busy(DeviceOptions.of(p).withReadOnly(readOnly));
                    assertEquals(p + " is mounted at " + mnt, e.getMessage());
                    assertEquals(-1, e.holderPid());
                }
            } finally {
                run("umount", mnt.toString());
            }
            run("e2fsck", "-n", "-f", p.toString());
        }
    }

    private LoopDevice loop() throws IOException {
        try {
            return LoopDevice.create(dir.resolve("backing.img"), 8 << 20, 0, false);
        } catch (LoopDevice.Unavailable e) {
            System.out.println("SKIPPED " + getClass().getSimpleName() + " loop-device case: " + e.getMessage());
            Assumptions.abort("no loop device: " + e.getMessage());
            throw e;
        }
    }

    /** A child JVM that holds {@code p} until killed or its stdin closes; returns once it holds it. */
    static Process holder(Path p, boolean readOnly) throws IOException {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                HoldingChild.class.getName(), p.toString(), readOnly ? "ro" : "rw")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (line == null || !line.startsWith("HELD")) {
            child.destroyForcibly();
            fail("the holding child did not start: " + line);
        }
        return child;
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    }
}
