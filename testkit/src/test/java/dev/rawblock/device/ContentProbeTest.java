package dev.rawblock.device;

import dev.rawblock.testkit.device.LoopDevice;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a device holds, on images made by the real tools (mkfs.ext4, mkswap, mkfs.xfs, mkfs.btrfs,
 * sfdisk; a test whose tool is missing is skipped with the reason), on files of data and of
 * zeros, and on a loop device, whose head and tail only are read.
 */
@Timeout(120)
class ContentProbeTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    /** A sparse file of {@code size} bytes (what mkfs writes into makes it less sparse). */
    private Path sparse(String name, long size) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    private static ContentProbe.Finding probe(Path p) throws IOException {
        try (BlockDevice device = BlockDevice.open(DeviceOptions.of(p).withReadOnly(true).withArenaBytes(MIB))) {
            return ContentProbe.probe(device);
        }
    }

    private static void tool(String... cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort(cmd[0] + " is not installed: " + e.getMessage());
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    }

    private static void assertHolds(String expected, Path image) throws IOException {
        ContentProbe.Finding f = probe(image);
        assertEquals(ContentProbe.Finding.Kind.SIGNATURE, f.kind(), f.toString());
        assertEquals("holds " + expected, f.phrase());
        assertFalse(f.zero());
    }

    @Test
    void ext4WithItsLabel() throws Exception {
        Path img = sparse("ext4.img", 64 * MIB);
        tool("mkfs.ext4", "-q", "-F", "-L", "scratch", img.toString());
        assertHolds("an ext4 filesystem (label \"scratch\")", img);
    }

    @Test
    void ext2AndExt3() throws Exception {
        Path two = sparse("ext2.img", 16 * MIB), three = sparse("ext3.img", 16 * MIB);
        tool("mkfs.ext2", "-q", "-F", two.toString());
        tool("mkfs.ext3", "-q", "-F", three.toString());
        assertHolds("an ext2 filesystem", two);
        assertHolds("an ext3 filesystem", three);
    }

    @Test
    void swap() throws Exception {
        Path img = sparse("swap.img", 16 * MIB);
        tool("mkswap", "-L", "sw", img.toString());
        assertHolds("a swap area (label \"sw\")", img);
    }

    @Test
    void xfs() throws Exception {
        Path img = sparse("xfs.img", 320 * MIB);
        tool("mkfs.xfs", "-q", "-f", "-L", "x1", img.toString());
        assertHolds("an xfs filesystem (label \"x1\")", img);
    }

    @Test
    void btrfs() throws Exception {
        Path img = sparse("btrfs.img", 128 * MIB);
        tool("mkfs.btrfs", "-q", "-f", "-L", "bt", img.toString());
        assertHolds("a btrfs filesystem (label \"bt\")", img);
    }

    @Test
    void gptAndDosPartitionTables() throws Exception {
        Path gpt = sparse("gpt.img", 64 * MIB), dos = sparse("dos.img", 64 * MIB);
        sfdisk(gpt, "label: gpt\n,32M\n,\n");
        sfdisk(dos, "label: dos\n,32M\n,\n");
        assertHolds("a GPT partition table", gpt);
        assertHolds("a DOS (MBR) partition table (2 partitions)", dos);
    }

    private static void sfdisk(Path img, String script) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("sfdisk", "-q", img.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("sfdisk is not installed: " + e.getMessage());
            return;
        }
        p.getOutputStream().write(script.getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }

    /**
     * LUKS and LVM headers need cryptsetup (and a key) or a block device and LVM's daemons to
     * make; their first bytes, as the formats define them, are written here instead.
     */
    @Test
    void luksAndLvmHeaders() throws Exception {
        Path luks = sparse("luks.img", 4 * MIB);
        byte[] header = new byte[512];
        System.arraycopy("LUKS".getBytes(StandardCharsets.US_ASCII), 0, header, 0, 4);
        header[4] = (byte) 0xba;
        header[5] = (byte) 0xbe;
        header[7] = 2; // version, big-endian u16
        System.arraycopy("vault".getBytes(StandardCharsets.US_ASCII), 0, header, 24, 5);
        write(luks, 0, header);
        assertHolds("a LUKS2 encrypted volume (label \"vault\")", luks);

        Path pv = sparse("pv.img", 4 * MIB);
        byte[] label = new byte[512];
        System.arraycopy("LABELONE".getBytes(StandardCharsets.US_ASCII), 0, label, 0, 8);
        System.arraycopy("LVM2 001".getBytes(StandardCharsets.US_ASCII), 0, label, 24, 8);
        write(pv, 512, label); // sector 1, where pvcreate puts it
        assertHolds("an LVM2 physical volume", pv);
    }

    @Test
    void randomBytesAreDataAtOffsetZero() throws Exception {
        Path img = dir.resolve("random.img");
        byte[] bytes = new byte[4 * (int) MIB];
        new Random(1).nextBytes(bytes);
        bytes[0] = 1;
        Files.write(img, bytes);
        ContentProbe.Finding f = probe(img);
        assertEquals(ContentProbe.Finding.Kind.DATA, f.kind(), f.toString());
        assertEquals("holds non-zero data at offset 0", f.phrase());
    }

    @Test
    void oneByteFarIntoASparseFileIsFoundExactly() throws Exception {
        Path img = sparse("sparse.img", 1024 * MIB);
        long at = 700 * MIB + 12345;
        write(img, at, new byte[] {7});
        assertEquals("holds non-zero data at offset " + at, probe(img).phrase());
    }

    /** Zeros written out (not holes) are read and are still zero; a preallocated file costs nothing to scan. */
    @Test
    void zerosWrittenOrPreallocatedAreAllZero() throws Exception {
        Path written = dir.resolve("zeros.img");
        Files.write(written, new byte[8 * (int) MIB]);
        ContentProbe.Finding f = probe(written);
        assertTrue(f.zero(), f.toString());
        assertEquals("is all zero", f.phrase());

        Path big = dir.resolve("prealloc.img");
        BlockDevice.open(DeviceOptions.of(big).withCreateSize(4096 * MIB).withArenaBytes(0)).close(); // fallocate
        long t0 = System.nanoTime();
        assertTrue(probe(big).zero());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20), "4 GiB of unwritten extents are not read");
    }

    @Test
    void aBlockDeviceIsReadInItsHeadAndTail() throws Exception {
        LoopDevice loop;
        try {
            loop = LoopDevice.create(dir.resolve("backing.img"), 128 * MIB, 0, false);
        } catch (LoopDevice.Unavailable e) {
            System.out.println("SKIPPED " + getClass().getSimpleName() + " loop-device case: " + e.getMessage());
            Assumptions.abort("no loop device: " + e.getMessage());
            return;
        }
        try (loop) {
            Path backing = dir.resolve("backing.img");
            ContentProbe.Finding empty = probe(loop.path());
            assertTrue(empty.zero());
            assertEquals("is all zero in its first 64 MiB and last 1 MiB (the rest of a block device is not read)",
                    empty.phrase());

            write(backing, 100 * MIB, new byte[] {1}); // in the middle: not read, by design
            assertTrue(probe(loop.path()).zero());
            long tail = 128 * MIB - 4000;
            write(backing, tail, new byte[] {1});
            assertEquals("holds non-zero data at offset " + tail, probe(loop.path()).phrase());
            write(backing, 5 * MIB + 3, new byte[] {1});
            assertEquals("holds non-zero data at offset " + (5 * MIB + 3), probe(loop.path()).phrase());
        }
    }

    @Test
    void aBootSectorWithoutAPlausibleTableIsNotAPartitionTable() {
        byte[] sector = new byte[512];
        new Random(3).nextBytes(sector);
        sector[446] = 0x13; // not a boot flag
        sector[510] = 0x55;
        sector[511] = (byte) 0xAA;
        assertNull(ContentProbe.signature(MemorySegment.ofArray(sector)));
        assertEquals(0, ContentProbe.dosPartitions(MemorySegment.ofArray(sector)));
    }

    @Test
    void blockDeviceRanges() {
        List<String> small = new ArrayList<>();
        for (long[] r : ContentProbe.blockDeviceRanges(8 * MIB)) small.add(r[0] + "-" + r[1]);
        assertEquals(List.of("0-" + 8 * MIB), small);
        List<String> large = new ArrayList<>();
        for (long[] r : ContentProbe.blockDeviceRanges(1L << 40)) large.add(r[0] + "-" + r[1]);
        assertEquals(List.of("0-" + 64 * MIB, ((1L << 40) - MIB) + "-" + (1L << 40)), large);
    }

    private static void write(Path p, long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
            f.getFD().sync();
        }
    }
}
