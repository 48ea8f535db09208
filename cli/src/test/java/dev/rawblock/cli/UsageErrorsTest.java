package dev.rawblock.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad flags are usage errors, found before any store is opened or any work starts: exit 2 and one
 * line naming the option, with no stack trace (unless --verbose), and nothing written. Run as a
 * user runs the command: a child process in a directory of its own, so that default paths are
 * seen to stay uncreated.
 */
class UsageErrorsTest {
    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("--entries", new String[] {"bench", "index", "--entries", "1717986879"}),
                Arguments.of("--runs", new String[] {"bench", "server", "--runs", "0"}),
                Arguments.of("--io-delay", new String[] {"serve", "--io-delay", "-1"}),
                Arguments.of("--io-delay", new String[] {"bench", "store", "--io-delay", "2000000"}),
                Arguments.of("--clients", new String[] {"bench", "server", "--clients", "0"}),
                Arguments.of("--requests", new String[] {"bench", "server", "--requests", "0"}),
                Arguments.of("--value-size", new String[] {"bench", "server", "--value-size", "600m"}),
                Arguments.of("--requests", new String[] {"bench", "server", "--requests", "100000"}),
                Arguments.of("--bind", new String[] {"serve", "--bind", "not-a-host.invalid"}),
                Arguments.of("--idle-timeout", new String[] {"serve", "--idle-timeout", "99999999999"}),
                Arguments.of("--entries", new String[] {"bench", "recovery", "--entries", "1000000000"}),
                Arguments.of("--total", new String[] {"bench", "store", "--total", "100t", "--value-size", "64m", "--qd", "1"}),
                Arguments.of("--size", new String[] {"bench", "device", "--size", "100t", "--block", "1m"}),
                Arguments.of("--qd", new String[] {"bench", "store", "--qd", "0"}),
                Arguments.of("--runs", new String[] {"bench", "device", "--runs", "0"}),
                Arguments.of("--placement", new String[] {"serve", "--placement", "bogus"}),
                Arguments.of("--placement", new String[] {"serve", "--placement", "metadata=0,bands=1m/64k"}),
                Arguments.of("--placement", new String[] {"format", "--path", "s.img", "--capacity", "64m",
                        "--placement", "metadata=x"}),
                Arguments.of("--against", new String[] {"bench", "device", "--against", "rocksdb"}),
                Arguments.of("--against", new String[] {"bench", "device", "--against", "io_uring"}),
                Arguments.of("--against", new String[] {"bench", "device", "--path", "d.img", "--against", "io_uring"}),
                Arguments.of("--against", new String[] {"bench", "store", "--against", "io_uring"}),
                Arguments.of("--against fio", new String[] {"bench", "device", "--path", "/dev/ng9n9", "--against", "fio"}),
                Arguments.of("--against fio", new String[] {"bench", "store", "--path", "/dev/ng9n9", "--against", "fio"}));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("cases")
    void isAOneLineUsageErrorBeforeAnyWork(String option, String[] args) throws Exception {
        try (Child c = Child.run(dir, 60, args)) {
            assertUsageError(c, option);
        }
        assertFalse(Files.exists(dir.resolve("data")), "nothing is created: " + String.join(" ", args));
    }

    @Test
    void verboseAddsTheStackTrace() throws Exception {
        try (Child c = Child.run(dir, 60, "bench", "server", "--runs", "0", "--verbose")) {
            assertEquals(2, c.exitCode(), c.err());
            assertTrue(c.err().contains("\tat "), c.err());
        }
    }

    @Test
    void aPortInUseIsReportedBeforeTheStoreIsOpened() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String port = Integer.toString(taken.getLocalPort());
            try (Child c = Child.run(dir, 60, "serve", "--port", port, "--lm-port", "-1")) {
                assertUsageError(c, "--port " + port);
            }
            try (Child c = Child.run(dir, 60, "serve", "--lm-port", port, "--port", "0")) {
                assertUsageError(c, "--lm-port " + port);
            }
            try (Child c = Child.run(dir, 60, "serve", "--metrics-port", port, "--port", "0", "--lm-port", "-1")) {
                assertUsageError(c, "--metrics-port " + port);
            }
        }
        assertFalse(Files.exists(dir.resolve("data")), "no store was created, let alone recovered");
    }

    private static void assertUsageError(Child c, String option) throws Exception {
        String err = c.err().strip();
        assertEquals(2, c.exitCode(), err);
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.startsWith("rawblock: ") && err.contains(option), "names " + option + ": " + err);
        assertFalse(err.contains("Exception") || err.contains("Error:"), "no internal error: " + err);
    }
}
