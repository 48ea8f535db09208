package dev.rawblock.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * serve's log tells an operator what happened: dated lines with a level, the absolute store
 * path, "recovering" before a recovery, and the events between "ready" and "stopping" (here an
 * eviction burst), in --log-file; a new store's normal state is not reported as a problem.
 */
class ServeLogTest {
    /** "2026-12-01 12:00:01.120 INFO  rawblock serve: ..." */
    private static final String LINE = "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} (INFO |WARN |ERROR) rawblock serve: .+";

    @TempDir
    Path dir;

    @Test
    void theLogFileSaysWhatHappened() throws Exception {
        Path log = dir.resolve("serve.log");
        Path store = dir.resolve("s.img");
        int port = ServeProcess.freePort();
        String[] args = {"--path", store.toString(), "--capacity", "64m", "--log-file", log.toString()};
        try (ServeProcess served = ServeProcess.launch(serveArgs(port, args))) {
            awaitInFile(log, "ready:", 1);
            String value = "v".repeat(1 << 20);
            for (int i = 0; i < 80; i++) assertEquals("+OK\r\n", Resp.request(port, "SET", "k" + i, value));
            awaitInFile(log, "evicted ", 1);
            assertEquals(0, served.stop());
            assertTrue(served.log.isEmpty(), "with --log-file nothing goes to stderr: " + served.log);
        }
        List<String> first = Files.readAllLines(log);
        for (String line : first) assertTrue(line.matches(LINE), "dated, with a level: " + line);
        assertTrue(first.stream().anyMatch(l -> l.contains("created and formatted " + store.toAbsolutePath())), first.toString());
        assertTrue(first.stream().anyMatch(l -> l.contains("INFO  rawblock serve: evicted ") && l.contains(" entries in ")),
                first.toString());
        assertFalse(first.stream().anyMatch(l -> l.contains("bad magic") || l.contains("WARN") || l.contains("ERROR")),
                "a new store is normal: " + first);
        assertTrue(first.getLast().endsWith("stopped"), first.toString());

        try (ServeProcess again = ServeProcess.launch(serveArgs(port, args))) {
            awaitInFile(log, "ready:", 2);
            assertEquals(0, again.stop());
        }
        List<String> second = Files.readAllLines(log).subList(first.size(), Files.readAllLines(log).size());
        int recovering = indexOf(second, "recovering " + store.toAbsolutePath());
        int opened = indexOf(second, "opened " + store.toAbsolutePath());
        assertTrue(recovering >= 0 && recovering < opened, "recovering is said before it happens: " + second);
    }

    @Test
    void anUnwritableLogFileIsAUsageError() throws Exception {
        Path log = dir.resolve("no-such-dir").resolve("serve.log");
        ServeProcess run = ServeProcess.run("serve", "--path", dir.resolve("s.img").toString(), "--port", "0",
                "--lm-port", "-1", "--log-file", log.toString());
        assertEquals(2, run.exitCode(), run.log.toString());
        assertEquals(1, run.log.size(), run.log.toString());
        assertTrue(run.log.getFirst().contains("--log-file " + log), run.log.toString());
        assertFalse(Files.exists(dir.resolve("s.img")), "no store was created");
    }

    private static List<String> serveArgs(int port, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("--port", Integer.toString(port), "--lm-port", "-1"));
        args.addAll(List.of(more));
        return args;
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains(text)) return i;
        return -1;
    }

    /** Waits until {@code file} has {@code times} lines that contain {@code text}. */
    private static void awaitInFile(Path file, String text, int times) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readAllLines(file).stream().filter(l -> l.contains(text)).count() >= times) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("'" + text + "' never logged: " + (Files.exists(file) ? Files.readString(file) : "no file"));
    }
}
