package dev.rawblock.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The passthrough engine without permission (in nvme-vm, where the tests run as root): rawblock
 * runs as the unprivileged user nobody ({@code setpriv}), first with the generic node at its
 * usual mode 0600, where the open itself is refused, then with the node opened to everyone
 * (0666), where the open succeeds and the first NVMe command is refused (Linux 6.1 wants
 * CAP_SYS_ADMIN for any passthrough command). Each is one line that says to use the io_uring
 * engine on the block device instead.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class NvmePermissionTest {
    private static final String NOBODY = "65534";

    @TempDir
    Path dir;

    @Test
    void withoutPermissionTheEngineSaysWhatToUseInstead() throws Exception {
        Path ng = NvmeCliTest.vm("NVME_VM_NG");
        Path block = NvmeCliTest.vm("NVME_VM_NS");
        Path setpriv = Path.of("/usr/bin/setpriv");
        Assumptions.assumeTrue(Files.isExecutable(setpriv), "no setpriv (util-linux) to run a child as nobody");
        String classpath = readableCopyOfTheClasspath();
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(ng);
        try {
            Files.setPosixFilePermissions(ng, PosixFilePermissions.fromString("rw-------"));
            String err = asNobody(setpriv, classpath, "stats", "--path", ng.toString());
            assertTrue(err.startsWith("rawblock: permission denied opening " + ng), err);
            assertTrue(err.contains("use the io_uring engine on " + block), err);

            Files.setPosixFilePermissions(ng, PosixFilePermissions.fromString("rw-rw-rw-"));
            err = asNobody(setpriv, classpath, "stats", "--path", ng.toString());
            assertTrue(err.startsWith("rawblock: no permission to send NVMe commands to " + ng), err);
            assertTrue(err.contains("CAP_SYS_ADMIN") && err.contains("use the io_uring engine on " + block), err);
        } finally {
            Files.setPosixFilePermissions(ng, mode);
        }
    }

    /**
     * Runs {@code rawblock ARGS} as nobody; it must fail (exit 1) with one line on stderr, which
     * is returned.
     */
    private String asNobody(Path setpriv, String classpath, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(setpriv.toString(), "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups", "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:-UsePerfData",
                "--enable-native-access=ALL-UNNAMED"));
        command.addAll(ServeProcess.inheritedJitFlags());
        command.addAll(List.of("-cp", classpath, Main.class.getName()));
        command.addAll(List.of(args));
        Path out = dir.resolve("out.txt"), err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        try {
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "rawblock as nobody finished");
            String e = Files.readString(err).strip();
            assertEquals(1, p.exitValue(), "exit code; stderr: " + e + "; stdout: " + Files.readString(out));
            assertEquals(1, e.lines().count(), "one line: " + e);
            return e;
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * This JVM's classpath, copied under the test's directory where nobody can read it: the
     * local Maven repository is under /root (mode 0700), which nobody cannot enter.
     */
    private String readableCopyOfTheClasspath() throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path copies = Files.createDirectories(dir.resolve("cp"));
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path from = Path.of(entry);
            if (!Files.exists(from)) continue;
            Path to = copies.resolve(n++ + "-" + from.getFileName());
            try (Stream<Path> tree = Files.walk(from)) {
                for (Path f : (Iterable<Path>) tree::iterator) {
                    Path dest = to.resolve(from.relativize(f).toString());
                    if (Files.isDirectory(f)) Files.createDirectories(dest);
                    else Files.copy(f, dest);
                }
            }
            entries.add(to.toString());
        }
        try (Stream<Path> all = Files.walk(dir)) { // the copies get the umask's modes; make sure of a+rX
            for (Path f : (Iterable<Path>) all::iterator) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(Files.isDirectory(f) ? "rwxr-xr-x"
                        : "rw-r--r--"));
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
