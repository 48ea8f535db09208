package dev.rawblock.cli;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The system tools tests use on real targets (mkfs.ext4, e2fsck, losetup, mount), and file checksums. */
final class Tools {
    private Tools() {}

    /** The result of a command: exit code and output (stdout and stderr together). */
    record Result(int exitCode, String output) {}

    /** Runs {@code cmd}; a missing tool skips the test with the reason. */
    static Result run(String... cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        } catch (IOException e) {
            System.out.println("SKIPPED: " + cmd[0] + " is not available: " + e.getMessage());
            Assumptions.abort(cmd[0] + " is not available: " + e.getMessage());
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " did not finish");
        }
        return new Result(p.exitValue(), out);
    }

    /** Runs {@code cmd} and fails unless it exits 0. */
    static String ok(String... cmd) throws IOException, InterruptedException {
        Result r = run(cmd);
        if (r.exitCode() != 0) throw new AssertionError(String.join(" ", cmd) + " exited " + r.exitCode() + ": " + r.output());
        return r.output();
    }

    /** A sparse file of {@code size} bytes at {@code path} (the start of an image). */
    static Path sparse(Path path, long size) throws IOException {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(size);
        }
        return path;
    }

    /** An ext4 filesystem image of {@code size} bytes, made by mkfs.ext4 with {@code options}. */
    static Path ext4Image(Path path, long size, String... options) throws IOException, InterruptedException {
        sparse(path, size);
        List<String> cmd = new java.util.ArrayList<>(List.of("mkfs.ext4", "-q", "-F"));
        cmd.addAll(List.of(options));
        cmd.add(path.toString());
        ok(cmd.toArray(String[]::new));
        return path;
    }

    /** SHA-256 of the whole file: "the target is unchanged". */
    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A loop block device over a backing file ({@code losetup -f --show --direct-io=on}); skips
     * the test, saying why, when not root or when no loop device can be made.
     */
    static final class Loop implements AutoCloseable {
        final Path device;

        private Loop(Path device) {
            this.device = device;
        }

        static Loop over(Path backing) throws IOException, InterruptedException {
            String why = null;
            if (!"root".equals(System.getProperty("user.name"))) why = "loop devices need root";
            Result r = why == null ? run("losetup", "-f", "--show", "--direct-io=on", backing.toString()) : null;
            if (r != null && r.exitCode() != 0) why = "losetup failed: " + r.output().strip();
            if (why != null) {
                System.out.println("SKIPPED loop-device case: " + why);
                Assumptions.abort("no loop device: " + why);
            }
            return new Loop(Path.of(r.output().strip()));
        }

        @Override
        public void close() throws IOException {
            try {
                ok("losetup", "-d", device.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }
}
