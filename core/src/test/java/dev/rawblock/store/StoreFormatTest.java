package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** What {@link StoreFormat#identify} and {@link StoreFormat#read} say about stores, damaged stores and other contents. */
@Timeout(60)
class StoreFormatTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private static BlockDevice open(Path p) throws IOException {
        return BlockDevice.open(DeviceOptions.of(p).withArenaBytes(4 * MIB));
    }

    private Path formatted(long size) throws IOException {
        Path p = dir.resolve("s.img");
        try (BlockDevice d = BlockDevice.open(DeviceOptions.of(p).withCreateSize(size).withArenaBytes(4 * MIB))) {
            assertEquals(DeviceContents.State.EMPTY, StoreFormat.identify(d).state(), "a new file is empty");
            StoreFormat.format(d, new FormatOptions(0, 0, 0));
        }
        return p;
    }

    private static DeviceContents identify(Path p) throws IOException {
        try (BlockDevice d = open(p)) {
            return StoreFormat.identify(d);
        }
    }

    private static IOException readRefused(Path p) throws IOException {
        try (BlockDevice d = open(p)) {
            return assertThrows(IOException.class, () -> StoreFormat.read(d));
        }
    }

    @Test
    void aStoreIsRecognisedByItsId() throws IOException {
        Path p = formatted(64 * MIB);
        DeviceContents c = identify(p);
        assertEquals(DeviceContents.State.STORE, c.state());
        assertEquals("holds a rawblock store (id " + c.store().storeId() + ")", c.phrase());
        assertFalse(c.empty());
    }

    @Test
    void aTruncatedStoreIsNamedWithItsSizeAndComesBackWhenTheSizeDoes() throws IOException {
        Path p = formatted(64 * MIB);
        String id = identify(p).store().storeId();
        setLength(p, 32 * MIB);
        DeviceContents c = identify(p);
        assertEquals(DeviceContents.State.TRUNCATED_STORE, c.state());
        assertEquals("holds a rawblock store (id " + id + ") of " + 64 * MIB + " bytes but has only " + 32 * MIB
                + " bytes now", c.phrase());
        assertEquals(p + " has " + 32 * MIB + " bytes but the store formatted on it has " + 64 * MIB
                + ": refusing to open a truncated or different device (restore its size with: truncate -s "
                + 64 * MIB + " " + p + ")", readRefused(p).getMessage());
        setLength(p, 64 * MIB);
        try (BlockDevice d = open(p)) {
            assertEquals(id, StoreFormat.read(d).storeId());
        }
    }

    @Test
    void oneDamagedCopyIsCoveredByTheOtherAndTwoAreADamagedStore() throws IOException {
        Path p = formatted(64 * MIB);
        String id = identify(p).store().storeId();
        flip(p, 40);
        assertEquals(id, identify(p).store().storeId(), "copy B still holds the store");
        flip(p, 4096 + 40);
        DeviceContents c = identify(p);
        assertEquals(DeviceContents.State.DAMAGED_STORE, c.state());
        assertEquals("holds a damaged rawblock store (superblock checksum mismatch)", c.phrase());
        assertEquals(p + " holds a damaged rawblock store (superblock checksum mismatch)", readRefused(p).getMessage());
    }

    @Test
    void whatIsNotAStoreIsNamedNotCalledAllZero() throws Exception {
        Path ext4 = dir.resolve("ext4.img");
        try (RandomAccessFile f = new RandomAccessFile(ext4.toFile(), "rw")) {
            f.setLength(32 * MIB);
        }
        Process mkfs = new ProcessBuilder("mkfs.ext4", "-q", "-F", ext4.toString()).redirectErrorStream(true).start();
        mkfs.getInputStream().readAllBytes();
        assertTrue(mkfs.waitFor(60, TimeUnit.SECONDS) && mkfs.exitValue() == 0, "mkfs.ext4");
        assertEquals(ext4 + " is not a rawblock store: it holds an ext4 filesystem", readRefused(ext4).getMessage());

        Path text = Files.writeString(dir.resolve("text.img"), "x".repeat(1 << 16), StandardCharsets.US_ASCII);
        assertEquals(text + " is not a rawblock store: it holds non-zero data at offset 0", readRefused(text).getMessage());

        Path zeros = Files.write(dir.resolve("zeros.img"), new byte[(int) MIB]);
        assertEquals(zeros + " is not formatted: it is all zero (run: rawblock format --path " + zeros + ")",
                readRefused(zeros).getMessage());

        byte[] late = new byte[(int) MIB];
        late[500_000] = 1;
        Path lateData = Files.write(dir.resolve("late.img"), late);
        assertEquals(lateData + " is not a rawblock store: it holds non-zero data at offset 500000",
                readRefused(lateData).getMessage());
    }

    /** A format killed after its first checkpoint and before its superblock leaves a target formatting may take. */
    @Test
    void aFormatStoppedBeforeItsSuperblockIsNothingToLose() throws IOException {
        Path p = formatted(64 * MIB);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(new byte[2 * 4096]); // both superblock copies never written
        }
        DeviceContents c = identify(p);
        assertEquals(DeviceContents.State.UNFINISHED_FORMAT, c.state(), c.phrase());
        assertTrue(c.empty(), "formatting it loses nothing");
        assertTrue(readRefused(p).getMessage().contains("unfinished rawblock format"));
        flip(p, 2 * 4096); // the checkpoint magic gone: plain data, not ours
        assertEquals(DeviceContents.State.OTHER, identify(p).state());
    }

    private static void setLength(Path p, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
    }

    private static void flip(Path p, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0xff);
            f.getFD().sync();
        }
    }
}
