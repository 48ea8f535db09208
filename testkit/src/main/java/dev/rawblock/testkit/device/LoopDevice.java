package dev.rawblock.testkit.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real loop block device over a backing file ({@code losetup -f --show --direct-io=on}), for
 * tests that must run against a block device. Needs root and util-linux; {@link #create} tells
 * why it could not make one so that tests can skip with that reason.
 */
public final class LoopDevice implements AutoCloseable {
    private final Path device;
    private final Path backing;

    private LoopDevice(Path device, Path backing) {
        this.device = device;
        this.backing = backing;
    }

    /** The /dev/loopN path. */
    public Path path() {
        return device;
    }

    /** Creates a loop device of {@code size} bytes; throws {@link Unavailable} with the reason when it cannot. */
    public static LoopDevice create(Path backing, long size, int sectorSize, boolean readOnly) throws IOException {
        if (!"root".equals(System.getProperty("user.name"))) throw new Unavailable("loop devices need root");
        Files.write(backing, new byte[0]);
        try (var ch = java.nio.channels.FileChannel.open(backing, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0}), size - 1);
        }
        List<String> cmd = new ArrayList<>(List.of("losetup", "-f", "--show", "--direct-io=on"));
        if (sectorSize > 0) cmd.addAll(List.of("--sector-size", Integer.toString(sectorSize)));
        if (readOnly) cmd.add("--read-only");
        cmd.add(backing.toString());
        String out = run(cmd);
        return new LoopDevice(Path.of(out.trim()), backing);
    }

    private static String run(List<String> cmd) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new Unavailable(cmd.getFirst() + " is not available: " + e.getMessage());
        }
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new Unavailable(String.join(" ", cmd) + " failed: " + out.trim());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        run(List.of("losetup", "-d", device.toString()));
        Files.deleteIfExists(backing);
    }

    /** Why no loop device could be made here. */
    public static final class Unavailable extends IOException {
        Unavailable(String reason) {
            super(reason);
        }
    }
}
