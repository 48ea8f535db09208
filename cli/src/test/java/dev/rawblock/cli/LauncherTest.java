package dev.rawblock.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code ./rawblock} launcher, run for real on a copy of itself whose Maven and JDK are
 * stand-ins (a real build inside the test suite's build would rewrite the classes under it): it
 * works through a symlink, two first runs at once build once and both succeed, and the build says
 * what it does.
 */
class LauncherTest {
    @TempDir
    Path dir;

    /** The checkout: tests run in the cli module's directory. */
    private static final Path REPO = Path.of("").toAbsolutePath().getParent();

    private Path root;
    private Path bin;

    private void setUp() throws IOException {
        root = Files.createDirectories(dir.resolve("checkout"));
        Files.createDirectories(root.resolve("scripts"));
        Files.copy(REPO.resolve("rawblock"), root.resolve("rawblock"));
        Files.copy(REPO.resolve("scripts/jdk.sh"), root.resolve("scripts/jdk.sh"));
        Files.createDirectories(root.resolve("cli/src/main/java"));
        Files.writeString(root.resolve("cli/src/main/java/A.java"), "class A {}");
        bin = Files.createDirectories(dir.resolve("bin"));
        // A JDK 25 whose java says what it was asked to run.
        Path jdk = Files.createDirectories(dir.resolve("jdk/bin"));
        script(jdk.resolve("java"), """
                case "$1" in -XshowSettings:properties) echo '    java.specification.version = 25' >&2; exit 0;; esac
                echo "java $*"
                """);
        script(jdk.resolve("javac"), "exit 0\n");
        // A Maven that takes a while, counts its runs, and leaves the jar.
        script(bin.resolve("mvn"), """
                echo run >> "%s"
                sleep 2
                mkdir -p cli/target && echo jar > cli/target/rawblock.jar
                """.formatted(dir.resolve("mvn-runs")));
    }

    private static void script(Path path, String body) throws IOException {
        Files.writeString(path, "#!/usr/bin/env bash\n" + body);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Process start(Path launcher, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", dir.resolve("jdk").toString());
        env.put("PATH", bin + ":/usr/bin:/bin");
        return pb.start();
    }

    private static String[] finish(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        return new String[] {out, err};
    }

    @Test
    void worksThroughASymlinkAndTwoFirstRunsBuildOnce() throws Exception {
        setUp();
        Path link = Files.createSymbolicLink(bin.resolve("rawblock"), root.resolve("rawblock"));
        Process first = start(link, "--version");
        Thread.sleep(300); // the first one holds the build lock by now
        Process second = start(root.resolve("rawblock"), "serve", "--help");
        String[] a = finish(first);
        String[] b = finish(second);
        assertEquals(List.of("run"), Files.readAllLines(dir.resolve("mvn-runs")), "one build for both");
        assertTrue(a[0].contains("-jar " + root.resolve("cli/target/rawblock.jar") + " --version"), a[0]);
        assertTrue(b[0].contains("-jar " + root.resolve("cli/target/rawblock.jar") + " serve --help"), b[0]);
        String both = a[1] + b[1];
        assertTrue(both.contains("rawblock: building the jar (mvn package"), both);
        assertTrue(both.contains("another rawblock is building the jar; waiting"), both);

        String[] again = finish(start(link, "stats"));
        assertEquals("", again[1], "a fresh jar is not rebuilt");
        assertEquals(1, Files.readAllLines(dir.resolve("mvn-runs")).size());
    }
}
