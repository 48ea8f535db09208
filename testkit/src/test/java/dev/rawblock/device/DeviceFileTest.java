package dev.rawblock.device;

import dev.rawblock.testkit.device.BlockDeviceContract;
import dev.rawblock.testkit.device.LoopDevice;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Discovery and every refusal at open: each names the path and the values, and writes nothing. */
class DeviceFileTest {
    @TempDir
    Path dir;

    private static IOException refused(DeviceOptions options, String... parts) {
        IOException e = assertThrows(IOException.class, () -> BlockDevice.open(options).close());
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention " + p);
        return e;
    }

    @Test
    void createsAndPreallocatesANewFile() throws IOException {
        Path p = dir.resolve("new.img");
        try (BlockDevice dev = BlockDevice.open(DeviceOptions.of(p).withCreateSize(8 << 20))) {
            assertEquals(8 << 20, dev.size());
            assertEquals(Geometry.Kind.FILE, dev.geometry().kind());
            assertTrue(dev.created());
        }
        assertEquals(8 << 20, Files.size(p));
        // fallocate reserved the blocks: the file is not sparse (st_blocks counts 512-byte units).
        Process stat = new ProcessBuilder("stat", "-c", "%b", p.toString()).start();
        long blocks = Long.parseLong(new String(stat.getInputStream().readAllBytes()).trim());
        assertTrue(blocks * 512 >= 8 << 20, "allocated " + blocks * 512 + " bytes");
    }

    @Test
    void anExistingFileIsUsedAsItIs() throws IOException {
        Path p = dir.resolve("old.img");
        Files.write(p, new byte[1 << 20]);
        try (BlockDevice dev = BlockDevice.open(DeviceOptions.of(p).withCreateSize(8 << 20))) {
            assertEquals(1 << 20, dev.size(), "createSize applies only to a missing path");
        }
    }

    /** A creator killed between creating the file and preallocating it leaves an empty file: it is sized as new. */
    @Test
    void anEmptyFileIsSizedAsIfItWereMissing() throws IOException {
        Path p = Files.createFile(dir.resolve("empty.img"));
        try (BlockDevice dev = BlockDevice.open(DeviceOptions.of(p).withCreateSize(8 << 20))) {
            assertEquals(8 << 20, dev.size());
            assertFalse(dev.created(), "it was there before");
        }
        assertEquals(8 << 20, Files.size(p));
    }

    @Test
    void missingPathWithoutASize() {
        Path p = dir.resolve("nope.img");
        refused(DeviceOptions.of(p), "no such file or device", p.toString());
        assertFalse(Files.exists(p));
    }

    @Test
    void directory() {
        refused(DeviceOptions.of(dir), dir.toString(), "is a directory");
    }

    @Test
    void characterDevice() {
        refused(DeviceOptions.of(Path.of("/dev/null")), "/dev/null", "character device");
    }

    @Test
    void missingParentDirectory() {
        Path p = dir.resolve("no/such/dir/x.img");
        refused(DeviceOptions.of(p).withCreateSize(1 << 20), "directory", "does not exist");
    }

    @Test
    void createSizeMustBeAligned() {
        Path p = dir.resolve("odd.img");
        refused(DeviceOptions.of(p).withCreateSize(1000), "size 1000", "multiple of 4096");
        assertFalse(Files.exists(p));
    }

    @Test
    void fileSizeNotAMultipleOfTheBlock() throws IOException {
        Path p = dir.resolve("odd.img");
        byte[] content = new byte[1000];
        content[7] = 42;
        Files.write(p, content);
        refused(DeviceOptions.of(p), "1000 bytes", "not a multiple of its block size");
        assertArrayEquals(content, Files.readAllBytes(p), "nothing written");
    }

    @Test
    void emptyFile() throws IOException {
        Path p = Files.createFile(dir.resolve("empty.img"));
        refused(DeviceOptions.of(p), "is empty");
    }

    @Test
    void tooSmall() throws IOException {
        Path p = dir.resolve("small.img");
        Files.write(p, new byte[1 << 20]);
        refused(DeviceOptions.of(p).withMinSize(2 << 20), "too small", "1048576 bytes", "at least 2097152");
    }

    @Test
    void explicitMaxTransferMustBeABlockMultiple() throws IOException {
        Path p = dir.resolve("d.img");
        Files.write(p, new byte[1 << 20]);
        refused(DeviceOptions.of(p).withMaxTransfer(5000), "max transfer 5000", "multiple");
        for (long ok : new long[] {4096, 8192}) {
            try (BlockDevice dev = BlockDevice.open(DeviceOptions.of(p).withMaxTransfer(ok))) {
                assertEquals(ok, dev.geometry().maxTransfer());
            }
        }
    }

    @Test
    void noPermission() throws Exception {
        Path p = dir.resolve("locked.img");
        Files.write(p, new byte[1 << 20]);
        // Root ignores file modes; the immutable attribute stops even root from opening for writing.
        Assumptions.assumeTrue(exec("chattr", "+i", p.toString()), "chattr +i is not available here");
        try {
            refused(DeviceOptions.of(p), "permission denied opening " + p, "reading and writing");
            try (BlockDevice dev = BlockDevice.open(DeviceOptions.of(p).withReadOnly(true))) {
                assertEquals(1 << 20, dev.size());
            }
        } finally {
            exec("chattr", "-i", p.toString());
        }
    }

    @Test
    void readOnlyBlockDeviceOpenedForWriting() throws IOException {
        LoopDevice loop = loopOrSkip(8 << 20, 0, true);
        try (loop) {
            refused(DeviceOptions.of(loop.path()), loop.path().toString(), "read-only");
            try (BlockDevice dev = BlockDevice.open(DeviceOptions.of(loop.path()).withReadOnly(true))) {
                assertEquals(8 << 20, dev.size());
                assertEquals(Geometry.Kind.BLOCK_DEVICE, dev.geometry().kind());
            }
        }
    }

    /** A 4Kn device: 4096-byte alignment is discovered and a 512-byte operation is refused with both values. */
    @Test
    void fourKnBlockDevice() throws IOException {
        LoopDevice loop = loopOrSkip(8 << 20, 4096, false);
        try (loop; BlockDevice dev = BlockDevice.open(DeviceOptions.of(loop.path()))) {
            assertEquals(4096, dev.geometry().logicalBlockSize());
            assertEquals(4096, dev.alignment());
            // max_hw_sectors_kb of a loop device (1280 KiB here), not the syscall limit
            assertTrue(dev.geometry().maxTransfer() < DeviceFile.MAX_SYSCALL_BYTES, "" + dev.geometry());
            var f = dev.submit(List.of(IoOp.read(512, dev.buffers().allocate(512).segment()))).getFirst();
            Throwable t = BlockDeviceContract.failureOf(f);
            BlockDeviceContract.assertMessage(t, IllegalArgumentException.class, "offset 512", "alignment 4096");
        }
    }

    private LoopDevice loopOrSkip(long size, int sector, boolean readOnly) throws IOException {
        try {
            return LoopDevice.create(dir.resolve("backing.img"), size, sector, readOnly);
        } catch (LoopDevice.Unavailable e) {
            Assumptions.abort("no loop device: " + e.getMessage());
            throw e;
        }
    }

    private static boolean exec(String... cmd) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
