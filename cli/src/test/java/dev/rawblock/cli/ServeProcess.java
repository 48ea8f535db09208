package dev.rawblock.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code rawblock serve} (or any other rawblock command) in a child JVM: another process, as an
 * operator would start it, and the lines it printed.
 */
final class ServeProcess implements AutoCloseable {
    final Process process;
    final List<String> log = new ArrayList<>();
    private final BufferedReader output;

    private ServeProcess(List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        command.addAll(inheritedJitFlags());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /**
     * The parent JVM's compiler and GC choices, for the child: in the nvme-vm guest the tests run
     * with C1 only and the serial GC, because C2's compilations are what costs most under TCG
     * emulation, and a child without them would take minutes to start serving.
     */
    static List<String> inheritedJitFlags() {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:TieredStopAtLevel=") || a.equals("-XX:+UseSerialGC")).toList();
    }

    /** Starts {@code rawblock serve ARGS} and returns at once (read its output with {@link #await}). */
    static ServeProcess launch(List<String> args) throws IOException {
        List<String> serve = new ArrayList<>(List.of("serve"));
        serve.addAll(args);
        return new ServeProcess(serve);
    }

    /** A TCP port nothing listens on right now. */
    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts {@code rawblock serve ARGS} and waits until it is ready. */
    static ServeProcess serve(Path store, int port, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("serve", "--path", store.toString(), "--port", Integer.toString(port),
                "--lm-port", "-1"));
        args.addAll(List.of(more));
        ServeProcess served = new ServeProcess(args);
        served.await("ready");
        return served;
    }

    /** Runs {@code rawblock ARGS} to its end; returns the exit code (the output is in {@link #log}). */
    static ServeProcess run(String... args) throws Exception {
        ServeProcess p = new ServeProcess(List.of(args));
        for (String line; (line = p.output.readLine()) != null; ) p.log.add(line);
        assertTrue(p.process.waitFor(60, TimeUnit.SECONDS), "rawblock " + String.join(" ", args) + " finished");
        return p;
    }

    long pid() {
        return process.pid();
    }

    int exitCode() {
        return process.exitValue();
    }

    /** Reads the output until a line contains {@code text}. */
    String await(String text) throws IOException {
        for (String line; (line = output.readLine()) != null; ) {
            log.add(line);
            if (line.contains(text)) return line;
        }
        throw new AssertionError("'" + text + "' never printed: " + log);
    }

    /** SIGTERM, as an operator or init system sends it; the exit code. */
    int stop() throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor());
        for (String line; (line = output.readLine()) != null; ) log.add(line);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return process.exitValue();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
