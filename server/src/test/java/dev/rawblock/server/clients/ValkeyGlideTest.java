package dev.rawblock.server.clients;

import dev.rawblock.server.ServerFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * valkey-glide, the client of LMCache MP's {@code valkey} L2 adapter (its Node.js binding, over
 * the same Rust core as the Python one LMCache uses), run as LMCache runs it: 8 standalone
 * clients, each connecting with HELLO 3, CLIENT SETINFO and INFO REPLICATION (glide refuses a
 * server without {@code role:master}), then SET/GET of 1 and 4 MiB chunks under MP keys, EXISTS,
 * STRLEN, DEL, and INFO memory parsed for used_memory and maxmemory
 * ({@code glide_valkey_adapter.js}).
 *
 * <p>The client is pinned by {@code src/test/glide/package-lock.json} (version and integrity
 * hashes) and installed with {@code npm ci} into {@code target/glide} the first time; the test
 * skips only when node or npm is missing ({@code .ci/run} installs them).
 */
class ValkeyGlideTest extends ServerFixture {
    private static final Path SOURCE = Path.of("src/test/glide");
    private static final Path INSTALL = Path.of("target/glide");
    private static Path node;

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, Path dir, long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) pb.directory(dir.toFile());
        pb.environment().put("NODE_PATH", INSTALL.resolve("node_modules").toAbsolutePath().toString());
        Process p = pb.start();
        p.getOutputStream().close();
        // Read while it runs, so a chatty child cannot block on a full pipe.
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

    /** npm ci of the pinned lockfile into target/glide, unless that lockfile is installed there already. */
    @BeforeAll
    static void installGlide() throws Exception {
        Optional<Path> nodeBin = onPath("node");
        Optional<Path> npm = onPath("npm");
        assumeTrue(nodeBin.isPresent() && npm.isPresent(), "node or npm missing: apt-get install nodejs npm");
        node = nodeBin.get();
        byte[] lock = Files.readAllBytes(SOURCE.resolve("package-lock.json"));
        Path installedLock = INSTALL.resolve("package-lock.json");
        boolean current = Files.exists(INSTALL.resolve("node_modules/@valkey/valkey-glide/package.json"))
                && Files.exists(installedLock) && Arrays.equals(lock, Files.readAllBytes(installedLock));
        if (current) return;
        Files.createDirectories(INSTALL);
        Files.copy(SOURCE.resolve("package.json"), INSTALL.resolve("package.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.write(installedLock, lock);
        // No install scripts: glide's native part is a prebuilt package of its own, chosen by platform.
        Result r = run(List.of(npm.get().toString(), "ci", "--ignore-scripts", "--no-audit", "--no-fund"), INSTALL, 300);
        assertEquals(0, r.exit(), "npm ci of the pinned valkey-glide failed:\n" + r.output());
    }

    private Result adapter(String... args) throws Exception {
        Path script = Path.of(getClass().getResource("/glide_valkey_adapter.js").toURI());
        List<String> command = new ArrayList<>(List.of(node.toString(), script.toString(),
                Integer.toString(server.respAddress().getPort())));
        command.addAll(List.of(args));
        return run(command, null, 180);
    }

    private static void assertOk(Result r) {
        assertEquals(0, r.exit(), r.output());
        String last = r.output().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("{\"ok\":true"), r.output());
        assertTrue(last.contains("\"lib_name\":\"GlideJS\""), "CLIENT SETINFO was kept: " + last);
        assertTrue(last.contains("\"resp\":\"3\""), "glide speaks RESP3: " + last);
        assertTrue(last.contains("\"clients\":8"), "8 workers, 8 connections: " + last);
    }

    @Test
    void connectsAndMovesChunksAsLmcacheValkeyAdapter() throws Exception {
        start(1L << 30, c -> c);
        assertOk(adapter());
        assertEquals(8, store.stats().entries(), "each worker's 4 MiB chunk stays, its 1 MiB one was deleted");
    }

    @Test
    void withAPasswordItAuthenticatesInHello() throws Exception {
        start(1L << 30, c -> c.withRequirePass("s3cret"));
        assertOk(adapter("s3cret"));
        Result wrong = adapter("wrong", "--expect-auth-failure");
        assertEquals(0, wrong.exit(), wrong.output());
        assertTrue(wrong.output().contains("\"refused\":true"), wrong.output());
        assertTrue(server.stats().authFailures() > 0);
    }
}
