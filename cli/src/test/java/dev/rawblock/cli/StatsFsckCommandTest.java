package dev.rawblock.cli;

import dev.rawblock.cli.InProcess.Run;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.store.PutResult;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code rawblock stats} and {@code rawblock fsck} on a small store, run in-process. */
@Timeout(120)
class StatsFsckCommandTest {
    private static final int VALUE_BYTES = 8192; // > one block: the payload starts after the header block

    @TempDir
    Path dir;

    private static double number(Map<?, ?> json, String key) {
        return assertInstanceOf(Double.class, json.get(key), key + " in " + json);
    }

    /** Formats a store and puts three values; returns the offset of the first value's payload. */
    private long storeWithThreeValues(Path img) throws Exception {
        Run format = rawblock("format", "--path", img.toString(), "--create-size", "128m", "--region-size", "4m",
                "--json");
        assertEquals(0, format.exitCode(), format.err());
        long regionBase = (long) number(format.json(), "region_base");
        try (BlockDevice device = BlockDevice.open(DeviceOptions.of(img));
             Store store = Store.open(device, StoreOptions.defaults());
             Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 3; i++) {
                MemorySegment value = arena.allocate(VALUE_BYTES);
                value.fill((byte) (i + 1));
                // One put per call: the first value takes slot 0 of region 0 of the fresh store.
                PutResult[] r = store.putMany(List.of(("key-" + i).getBytes(StandardCharsets.US_ASCII)), List.of(value));
                assertTrue(r[0].stored(), r[0].toString());
            }
        }
        return regionBase + 4096;
    }

    private static void flipByte(Path img, long offset) throws Exception {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0xff)).rewind();
            ch.write(b, offset);
            ch.force(true);
        }
    }

    @Test
    void statsReportsTheStoreAndItsRecovery() throws Exception {
        Path img = dir.resolve("s.img");
        storeWithThreeValues(img);
        Run run = rawblock("stats", "--path", img.toString(), "--json");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("recovered 3 entries"), "recovery summary on stderr: " + run.err());
        Map<?, ?> json = run.json();
        assertEquals(3.0, number(json, "entries"));
        assertEquals(3.0 * VALUE_BYTES, number(json, "payload_bytes"));
        assertEquals(3.0 * (VALUE_BYTES + 4096), number(json, "used_slot_bytes"));
        assertEquals(VALUE_BYTES / (VALUE_BYTES + 4096.0), number(json, "space_efficiency"), 1e-4);
        assertEquals(number(json, "regions") - 1, number(json, "free_regions"), "one region holds the class");
        List<?> classes = assertInstanceOf(List.class, json.get("classes"));
        assertEquals(1, classes.size(), run.lastLine());
        Map<?, ?> c = assertInstanceOf(Map.class, classes.getFirst());
        assertEquals(VALUE_BYTES + 4096.0, number(c, "slot_bytes"));
        assertEquals(3.0, number(c, "used_slots"));
        assertEquals(0.0, number(json, "evictions"));
        assertEquals(0.0, number(json, "checksum_failures"));
        assertTrue(number(json, "journal_fill") >= 0, run.lastLine());
        assertTrue(number(json, "index_memory_bytes") > 0, run.lastLine());
        assertTrue(run.out().contains("space efficiency") && run.out().contains("journal fill"), run.out());
    }

    @Test
    void fsckFindsACorruptPayloadAndRepairDropsIt() throws Exception {
        Path img = dir.resolve("s.img");
        long firstPayload = storeWithThreeValues(img);

        Run clean = rawblock("fsck", "--path", img.toString(), "--json");
        assertEquals(0, clean.exitCode(), clean.err());
        assertEquals(3.0, number(clean.json(), "entries"));
        assertEquals(0.0, number(clean.json(), "errors"));

        flipByte(img, firstPayload + 100);
        Run corrupt = rawblock("fsck", "--path", img.toString(), "--json");
        assertEquals(1, corrupt.exitCode(), corrupt.out() + corrupt.err());
        assertEquals(3.0, number(corrupt.json(), "entries"));
        assertEquals(1.0, number(corrupt.json(), "errors"));
        assertEquals(0.0, number(corrupt.json(), "repaired"));
        assertEquals(1, assertInstanceOf(List.class, corrupt.json().get("problems")).size(), corrupt.lastLine());
        assertTrue(corrupt.err().contains("rawblock: 1 entry failed verification"), corrupt.err());
        assertTrue(corrupt.out().contains("key \"key-0\" (slot "), "the problem line names the key: " + corrupt.out());

        Run repair = rawblock("fsck", "--path", img.toString(), "--repair", "--json");
        assertEquals(0, repair.exitCode(), repair.out() + repair.err());
        assertEquals(1.0, number(repair.json(), "errors"));
        assertEquals(1.0, number(repair.json(), "repaired"));

        Run after = rawblock("fsck", "--path", img.toString(), "--json");
        assertEquals(0, after.exitCode(), after.err());
        assertEquals(2.0, number(after.json(), "entries"));
        assertEquals(0.0, number(after.json(), "errors"));
    }

    /** Inspection writes nothing (the file is byte for byte the same), and shares the store with other readers. */
    @Test
    void statsAndFsckWriteNothingAndShareTheStoreWithReaders() throws Exception {
        Path img = dir.resolve("s.img");
        storeWithThreeValues(img);
        String before = Tools.sha256(img);
        try (BlockDevice reader = BlockDevice.open(DeviceOptions.of(img).withReadOnly(true))) {
            for (String command : new String[] {"stats", "fsck"}) {
                Run run = rawblock(command, "--path", img.toString(), "--json");
                assertEquals(0, run.exitCode(), command + ": " + run.err());
                assertEquals(3.0, number(run.json(), "entries"));
                assertTrue(run.err().contains("opened " + img + " read-only"), run.err());
            }
            Run repair = rawblock("fsck", "--path", img.toString(), "--repair");
            assertEquals(1, repair.exitCode(), repair.err());
            assertTrue(repair.err().strip().equals("rawblock: " + img + " is in use by pid " + ProcessHandle.current().pid()
                    + " (this process already holds it)"), repair.err());
        }
        assertEquals(before, Tools.sha256(img), "stats and fsck wrote nothing");
    }

    @Test
    void whatIsNotAStoreIsNamed() throws Exception {
        Path ext4 = Tools.ext4Image(dir.resolve("ext4.img"), 32 << 20);
        byte[] late = new byte[1 << 20];
        late[8192] = 1;
        Path data = Files.write(dir.resolve("data.img"), late);
        for (String command : new String[] {"stats", "fsck"}) {
            Run fs = rawblock(command, "--path", ext4.toString());
            assertEquals(1, fs.exitCode(), fs.err());
            assertEquals("rawblock: " + ext4 + " is not a rawblock store: it holds an ext4 filesystem", fs.err().strip());
            Run run = rawblock(command, "--path", data.toString());
            assertEquals(1, run.exitCode(), run.err());
            assertEquals("rawblock: " + data + " is not a rawblock store: it holds non-zero data at offset 8192",
                    run.err().strip());
        }
    }

    @Test
    void aFileThatIsNotAStoreIsAOneLineFailure() throws Exception {
        Path junk = dir.resolve("junk.img");
        Files.write(junk, new byte[1 << 20]);
        for (String command : new String[] {"stats", "fsck"}) {
            Run run = rawblock(command, "--path", junk.toString());
            assertEquals(1, run.exitCode(), command + ": " + run.err());
            String err = run.err().strip();
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.startsWith("rawblock: ") && err.contains("not formatted"), err);
        }
        Run missing = rawblock("fsck", "--path", dir.resolve("none.img").toString());
        assertEquals(1, missing.exitCode(), missing.err());
        assertTrue(missing.err().startsWith("rawblock: no store at " + dir.resolve("none.img")), missing.err());
    }
}
