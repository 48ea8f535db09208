package dev.rawblock.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code rawblock ARGS} in a child JVM working in a directory of the test's, as a user runs it
 * from a shell: its default paths ({@code ./data/...}) land there, its stdout and stderr are
 * files (not a terminal), and it can be sent signals.
 */
public final class Child implements AutoCloseable {
    final Process process;
    private final Path out;
    private final Path err;

    private Child(Path workDir, List<String> args) throws IOException {
        Path logs = Files.createDirectories(workDir.resolve(".child"));
        this.out = Files.createTempFile(logs, "out", ".txt");
        this.err = Files.createTempFile(logs, "err", ".txt");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        process = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    }

    /** Starts {@code rawblock ARGS} in {@code workDir}. */
    public static Child start(Path workDir, String... args) throws IOException {
        return new Child(workDir, List.of(args));
    }

    /** Runs {@code rawblock ARGS} in {@code workDir} to its end (at most {@code seconds}). */
    public static Child run(Path workDir, long seconds, String... args) throws IOException, InterruptedException {
        Child c = start(workDir, args);
        c.await(seconds);
        return c;
    }

    /** Waits for the exit; fails (and kills it) past {@code seconds}. */
    public int await(long seconds) throws InterruptedException, IOException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("rawblock did not finish within " + seconds + " s; stderr: " + err());
        }
        return process.exitValue();
    }

    /** Sends a signal by name (INT, TERM), as a terminal's Ctrl-C or an init system does. */
    public void signal(String name) throws IOException, InterruptedException {
        int code = new ProcessBuilder("kill", "-s", name, Long.toString(process.pid())).start().waitFor();
        if (code != 0) throw new AssertionError("kill -s " + name + " exited " + code);
    }

    /** Whether the process is still running. */
    public boolean alive() {
        return process.isAlive();
    }

    public int exitCode() {
        return process.exitValue();
    }

    public String out() throws IOException {
        return Files.readString(out);
    }

    public String err() throws IOException {
        return Files.readString(err);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
