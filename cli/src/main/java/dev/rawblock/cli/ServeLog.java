package dev.rawblock.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The log of {@code rawblock serve}: one line per event, with the date, time and level, on stderr
 * or appended to {@code --log-file}. Lines are whole (one writer, synchronized): the server's,
 * the store's events and the command's own never interleave.
 */
final class ServeLog implements AutoCloseable {
    enum Level { INFO, WARN, ERROR }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private final PrintWriter out;
    private final boolean ownsOut;

    private ServeLog(PrintWriter out, boolean ownsOut) {
        this.out = out;
        this.ownsOut = ownsOut;
    }

    /** A log on {@code err}. */
    static ServeLog to(PrintWriter err) {
        return new ServeLog(err, false);
    }

    /**
     * A log appended to {@code file} (created if missing).
     *
     * @throws UsageException when the file cannot be opened for appending, naming --log-file
     */
    static ServeLog append(Path file) throws UsageException {
        try {
            return new ServeLog(new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE)), true);
        } catch (IOException | SecurityException e) {
            throw new UsageException("--log-file " + file + ": cannot append to it (" + Main.describe(e) + ")");
        }
    }

    void info(String message) {
        log(Level.INFO, message);
    }

    void warn(String message) {
        log(Level.WARN, message);
    }

    void error(String message) {
        log(Level.ERROR, message);
    }

    synchronized void log(Level level, String message) {
        out.printf("%s %-5s rawblock serve: %s%n", LocalDateTime.now().format(TIME), level, message);
        out.flush();
    }

    @Override
    public synchronized void close() {
        if (ownsOut) out.close();
    }
}
