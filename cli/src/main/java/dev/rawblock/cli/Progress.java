package dev.rawblock.cli;

import dev.rawblock.store.RecoveryProgress;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;


/**
 * Progress on stderr. On a terminal: one line rewritten in place with percent, GB/s and ETA.
 * Otherwise (a log file, a pipe, CI): nothing, since a rewritten line is noise there and stderr
 * then carries only what stays (results of runs, warnings, errors).
 */
public final class Progress {
    private final PrintWriter err;
    private final boolean terminal;
    private boolean lineOpen;

    public Progress(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** Progress of a pass that knows its total. */
    public void update(String label, long done, long total, long elapsedNanos) {
        double seconds = elapsedNanos / 1e9;
        double gbps = seconds > 0 ? done / 1e9 / seconds : 0;
        StringBuilder b = new StringBuilder(label).append(String.format(Locale.ROOT, "  %3d%%  %.2f GB/s",
                total > 0 ? done * 100 / total : 100, gbps));
        if (done > 0 && done < total) b.append("  ETA ").append(duration((total - done) * seconds / done));
        show(b.toString());
    }

    /**
     * Progress of a pass that counts items (entries, keys) rather than bytes: percent, items/s and
     * ETA; with a total of -1 (not known yet), only the count and the rate.
     */
    public void count(String label, long done, long total, String unit, long elapsedNanos) {
        double seconds = elapsedNanos / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        if (total < 0) {
            show(String.format(Locale.ROOT, "%s  %d %s  %.0f %s/s", label, done, unit, rate, unit));
            return;
        }
        StringBuilder b = new StringBuilder(label).append(String.format(Locale.ROOT, "  %3d%%  %d/%d %s  %.0f %s/s",
                total > 0 ? Math.min(100, done * 100 / total) : 100, done, total, unit, rate, unit));
        if (done > 0 && done < total) b.append("  ETA ").append(duration((total - done) * seconds / done));
        show(b.toString());
    }

    /** Progress of a step that only knows how long it has been running (an fio pass). */
    public void waiting(String label, long elapsedNanos) {
        show(label + "  " + duration(elapsedNanos / 1e9));
    }

    /** Shows recovery as a store opens, one phase at a time. */
    RecoveryProgress recovery() {
        long[] phaseStart = {System.nanoTime(), -1};
        return (phase, done, total) -> {
            if (phaseStart[1] != phase.ordinal()) {
                phaseStart[0] = System.nanoTime();
                phaseStart[1] = phase.ordinal();
            }
            count("recovery: " + phase.label(), done, total, phase.unit(), System.nanoTime() - phaseStart[0]);
        };
    }

    /** A line that stays, e.g. the result of one run. */
    public void line(String text) {
        clear();
        err.println(text);
        err.flush();
    }

    /** Removes the in-place line so that later output starts on a clean line. */
    public void clear() {
        if (lineOpen) {
            err.print("\r\033[K");
            err.flush();
            lineOpen = false;
        }
    }

    private void show(String text) {
        if (!terminal) return;
        err.print("\r" + text + "\033[K");
        err.flush();
        lineOpen = true;
    }

    public static String duration(double seconds) {
        long s = Math.round(seconds);
        return s < 60 ? s + "s" : s / 60 + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
    }

    /**
     * Whether stderr is a terminal ({@code System.console()} only tells for stdin and stdout):
     * where the kernel says file descriptor 2 leads, a pseudo-terminal or a console.
     */
    public static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false; // no /proc: no progress lines, which is the safe side
        }
    }

}
