package dev.rawblock.server.clients;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * valkey-glide's Node client, one install for every test that runs it: pinned by
 * {@code src/test/glide/package-lock.json} (version and integrity hashes), installed with
 * {@code npm ci} into {@code target/glide} the first time (and again when the lockfile changes).
 * A test skips only when node or npm is missing ({@code .ci/run} installs them). Scripts run from
 * the install directory, so that both {@code require} and ES module imports find the package.
 */
final class Glide {
    private static final Path SOURCE = Path.of("src/test/glide");
    private static final Path INSTALL = Path.of("target/glide");

    /** What a script printed, and how it exited. */
    record Result(int exit, String output) {
    }

    private Glide() {
    }

    /** Installs the pinned client unless it is installed already; returns the node binary. */
    static synchronized Path install() throws Exception {
        Optional<Path> node = onPath("node");
        Optional<Path> npm = onPath("npm");
        assumeTrue(node.isPresent() && npm.isPresent(), "node or npm missing: apt-get install nodejs npm");
        byte[] lock = Files.readAllBytes(SOURCE.resolve("package-lock.json"));
        Path installedLock = INSTALL.resolve("package-lock.json");
        boolean current = Files.exists(INSTALL.resolve("node_modules/@valkey/valkey-glide/package.json"))
                && Files.exists(installedLock) && Arrays.equals(lock, Files.readAllBytes(installedLock));
        if (!current) {
            Files.createDirectories(INSTALL);
            Files.copy(SOURCE.resolve("package.json"), INSTALL.resolve("package.json"), StandardCopyOption.REPLACE_EXISTING);
            Files.write(installedLock, lock);
            // No install scripts: glide's native part is a prebuilt package of its own, chosen by platform.
            Result r = run(List.of(npm.get().toString(), "ci", "--ignore-scripts", "--no-audit", "--no-fund"), 300);
            assertEquals(0, r.exit(), "npm ci of the pinned valkey-glide failed:\n" + r.output());
        }
        return node.get();
    }

    /** Copies {@code script} into the install directory, where its imports resolve; returns the copy. */
    static Path stage(Path script) throws IOException {
        return Files.copy(script, INSTALL.resolve(script.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Runs {@code command} in the install directory, reading its output while it runs. */
    static Result run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(INSTALL.toFile());
        pb.environment().put("NODE_PATH", INSTALL.resolve("node_modules").toAbsolutePath().toString());
        Process p = pb.start();
        p.getOutputStream().close();
        var out = new java.io.ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (IOException ignored) {
                // the process is gone
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out after " + timeoutSeconds + " s: " + command);
        }
        reader.join();
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Arrays.stream(path.split(File.pathSeparator)).map(d -> Path.of(d, program))
                .filter(Files::isExecutable).findFirst();
    }
}
