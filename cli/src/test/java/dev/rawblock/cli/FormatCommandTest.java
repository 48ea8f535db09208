package dev.rawblock.cli;

import dev.rawblock.cli.InProcess.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code rawblock format}, run in-process: geometry, refusal to erase a store, usage errors. */
@Timeout(120)
class FormatCommandTest {
    @TempDir
    Path dir;

    private static double number(Map<?, ?> json, String key) {
        return assertInstanceOf(Double.class, json.get(key), key + " in " + json);
    }

    private static void assertOneLineError(Run run, String fragment) {
        String err = run.err().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.startsWith("rawblock: "), err);
        assertTrue(err.contains(fragment), err);
    }

    @Test
    void formatsANewFileAndPrintsItsGeometry() {
        Path img = dir.resolve("s.img");
        Run run = rawblock("format", "--path", img.toString(), "--create-size", "256m", "--region-size", "16m",
                "--json");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(Files.exists(img));
        Map<?, ?> json = run.json();
        assertEquals(Boolean.TRUE, json.get("created"));
        assertEquals(256.0 * (1 << 20), number(json, "capacity_bytes"));
        assertEquals(16.0 * (1 << 20), number(json, "region_bytes"));
        assertEquals(256.0 * (1 << 20) / 4096, number(json, "max_entries"), "room for one entry per block");
        assertTrue(number(json, "region_count") >= 10, run.lastLine());
        assertTrue(number(json, "metadata_bytes") > 0, run.lastLine());
        assertEquals(32, ((String) json.get("store_id")).length());
        assertTrue(run.out().contains("regions") && run.out().contains("max entries"), run.out());
    }

    /** --config works for every command: here format takes its options from a file, and a flag overrides one. */
    @Test
    void optionsComeFromAConfigFile() throws Exception {
        Path img = dir.resolve("c.img");
        Path config = Files.writeString(dir.resolve("format.properties"),
                "path=" + img + "\ncreate-size=256m\nregion-size=16m\njson=true\n");
        Run run = rawblock("format", "--config", config.toString(), "--region-size", "8m");
        assertEquals(0, run.exitCode(), run.err());
        Map<?, ?> json = run.json();
        assertEquals(256.0 * (1 << 20), number(json, "capacity_bytes"));
        assertEquals(8.0 * (1 << 20), number(json, "region_bytes"), "the flag wins over the file");

        Files.writeString(config, "path=" + img + "\nregion=16m\n");
        Run typo = rawblock("format", "--config", config.toString());
        assertEquals(2, typo.exitCode());
        assertTrue(typo.err().contains("unknown option 'region' in " + config), typo.err());
        assertTrue(typo.err().contains("region-size"), "the known options are listed: " + typo.err());
    }

    @Test
    void capacityAloneSizesTheNewFileAndAnExistingFileIsUsedWhole() {
        Path img = dir.resolve("c.img");
        Run first = rawblock("format", "--path", img.toString(), "--capacity", "128m", "--json");
        assertEquals(0, first.exitCode(), first.err());
        assertEquals(128.0 * (1 << 20), number(first.json(), "capacity_bytes"));
        Run again = rawblock("format", "--path", img.toString(), "--force", "--capacity", "64m", "--json");
        assertEquals(0, again.exitCode(), again.err());
        assertEquals(Boolean.FALSE, again.json().get("created"));
        assertEquals(64.0 * (1 << 20), number(again.json(), "capacity_bytes"));
    }

    @Test
    void refusesToEraseAStoreWithoutForce() {
        Path img = dir.resolve("s.img");
        Run first = rawblock("format", "--path", img.toString(), "--create-size", "128m", "--json");
        assertEquals(0, first.exitCode(), first.err());
        Object id = first.json().get("store_id");

        Run refused = rawblock("format", "--path", img.toString());
        assertEquals(1, refused.exitCode());
        assertOneLineError(refused, img + " holds a rawblock store (id " + id + "); refusing to format it (use --force "
                + "to erase it)");

        Run forced = rawblock("format", "--path", img.toString(), "--force", "--json");
        assertEquals(0, forced.exitCode(), forced.err());
        assertNotEquals(id, forced.json().get("store_id"), "a new store id");
    }

    @Test
    void anAllZeroFileIsFormattedWithoutForce() throws Exception {
        Path img = dir.resolve("zeros.img");
        Files.write(img, new byte[64 << 20]);
        Run run = rawblock("format", "--path", img.toString(), "--json");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(Boolean.FALSE, run.json().get("created"));
    }

    @Test
    void aMissingFileIsCreatedAndAnEmptyOneSized() throws Exception {
        Path missing = dir.resolve("new.img");
        Run created = rawblock("format", "--path", missing.toString(), "--create-size", "64m", "--json");
        assertEquals(0, created.exitCode(), created.err());
        assertEquals(Boolean.TRUE, created.json().get("created"));
        Path empty = Files.createFile(dir.resolve("empty.img"));
        Run sized = rawblock("format", "--path", empty.toString(), "--create-size", "64m", "--json");
        assertEquals(0, sized.exitCode(), sized.err());
        assertEquals(64L << 20, Files.size(empty));
    }

    /** What the refusal says, and that the target is byte for byte what it was. */
    private static void assertRefusedUnchanged(Path target, String line) throws Exception {
        String before = Tools.sha256(target);
        Run refused = rawblock("format", "--path", target.toString());
        assertEquals(1, refused.exitCode(), refused.err());
        assertOneLineError(refused, line);
        assertEquals(before, Tools.sha256(target), "nothing was written to " + target);
    }

    @Test
    void refusesAnExt4Image() throws Exception {
        Path img = Tools.ext4Image(dir.resolve("ext4.img"), 64 << 20, "-L", "photos");
        assertRefusedUnchanged(img, img + " holds an ext4 filesystem (label \"photos\"); refusing to format it "
                + "(use --force to erase it)");
        Tools.ok("e2fsck", "-n", "-f", img.toString());
    }

    @Test
    void refusesAFileOfRandomBytes() throws Exception {
        Path img = dir.resolve("random.img");
        byte[] bytes = new byte[16 << 20];
        new java.util.Random(5).nextBytes(bytes);
        bytes[0] = 7;
        Files.write(img, bytes);
        assertRefusedUnchanged(img, img + " holds non-zero data at offset 0; refusing to format it (use --force to "
                + "erase it)");
    }

    @Test
    void refusesDataAfterZerosNamingItsOffset() throws Exception {
        Path img = dir.resolve("late.img");
        byte[] bytes = new byte[16 << 20];
        bytes[8192] = 1;
        Files.write(img, bytes);
        assertRefusedUnchanged(img, img + " holds non-zero data at offset 8192; refusing to format it");
    }

    @Test
    void refusesATruncatedStoreAndTellsHowToRestoreIt() throws Exception {
        Path img = dir.resolve("s.img");
        Run first = rawblock("format", "--path", img.toString(), "--create-size", "128m", "--json");
        assertEquals(0, first.exitCode(), first.err());
        Object id = first.json().get("store_id");
        Tools.ok("truncate", "-s", "64m", img.toString());
        assertRefusedUnchanged(img, img + " holds a rawblock store (id " + id + ") of " + (128 << 20)
                + " bytes but has only " + (64 << 20) + " bytes now; refusing to format it (restore its size with: "
                + "truncate -s " + (128 << 20) + " " + img + ", or use --force to erase it)");
        Tools.ok("truncate", "-s", Long.toString(128 << 20), img.toString());
        Run stats = rawblock("stats", "--path", img.toString(), "--json");
        assertEquals(0, stats.exitCode(), stats.err());
        assertEquals(id, stats.json().get("store_id"), "the store is back");
    }

    /**
     * A block device that holds ext4 is refused without --force; mounted, it is refused even with
     * --force, and the filesystem stays clean (e2fsck -n) through all of it.
     */
    @Test
    void refusesAnExt4LoopDeviceAndAMountedOneEvenWithForce() throws Exception {
        Path backing = Tools.sparse(dir.resolve("backing.img"), 64 << 20);
        try (Tools.Loop loop = Tools.Loop.over(backing)) {
            String dev = loop.device.toString();
            Tools.ok("mkfs.ext4", "-q", "-F", "-L", "x", dev);
            Run refused = rawblock("format", "--path", dev);
            assertEquals(1, refused.exitCode(), refused.err());
            assertOneLineError(refused, dev + " holds an ext4 filesystem (label \"x\"); refusing to format it (use "
                    + "--force to erase it)");

            Path mnt = Files.createDirectory(dir.resolve("mnt"));
            Tools.ok("mount", dev, mnt.toString());
            try {
                Files.writeString(mnt.resolve("kept.txt"), "still here");
                for (String[] args : new String[][] {{"format", "--path", dev}, {"format", "--path", dev, "--force"}}) {
                    Run mounted = rawblock(args);
                    assertEquals(1, mounted.exitCode(), mounted.err());
                    assertOneLineError(mounted, dev + " is mounted at " + mnt);
                }
            } finally {
                Tools.ok("umount", mnt.toString());
            }
            Tools.ok("e2fsck", "-n", "-f", dev);
            Tools.ok("mount", "-o", "ro", dev, mnt.toString());
            try {
                assertEquals("still here", Files.readString(mnt.resolve("kept.txt")));
            } finally {
                Tools.ok("umount", mnt.toString());
            }
        }
    }

    @Test
    void badSizesAreUsageErrors() {
        String img = dir.resolve("s.img").toString();
        Run badRegion = rawblock("format", "--path", img, "--create-size", "128m", "--region-size", "3m");
        assertEquals(2, badRegion.exitCode());
        assertOneLineError(badRegion, "--region-size must be a power of two");

        Run badSize = rawblock("format", "--path", img, "--create-size", "12x");
        assertEquals(2, badSize.exitCode());
        assertOneLineError(badSize, "invalid size '12x'");

        Run zero = rawblock("format", "--path", img, "--capacity", "0");
        assertEquals(2, zero.exitCode());

        Run entries = rawblock("format", "--path", img, "--create-size", "128m", "--max-entries", "1000");
        assertEquals(2, entries.exitCode(), "there is no entry limit to set");
        assertOneLineError(entries, "--max-entries");

        Run noSize = rawblock("format", "--path", img);
        assertEquals(2, noSize.exitCode());
        assertOneLineError(noSize, "does not exist");

        Run noPath = rawblock("format");
        assertEquals(2, noPath.exitCode());
        assertFalse(Files.exists(Path.of(img)), "no file is left behind by usage errors");
    }

    @Test
    void aDeviceTooSmallIsAFailureAndTheNewFileIsRemoved() {
        Path img = dir.resolve("tiny.img");
        Run run = rawblock("format", "--path", img.toString(), "--create-size", "1m");
        assertEquals(1, run.exitCode());
        assertOneLineError(run, "too small");
        assertFalse(Files.exists(img));
    }
}
