package dev.rawblock.cli.bench;

import dev.rawblock.cli.Main;

import sun.misc.Signal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Ctrl-C (SIGINT) or SIGTERM during a bench: the bench stops its work and its own cleanup runs,
 * so the scratch it made (RocksDB's directory, a file it created) goes with it, and the command
 * says what it removed. A signal interrupts the command's thread; the loops that run calls in
 * worker threads stop taking work and wait for the calls in flight before they give up, so
 * nothing is closed under a running call.
 *
 * <p>Should the command not have stopped {@value #GRACE_SECONDS} s later (a step that does not
 * heed interrupts), or at a second signal, the scratch still registered here is removed from the
 * signal's thread and the process exits at once.
 */
public final class Interruption {
    /** The exit code of a command stopped by a signal, as a shell reports SIGINT (128 + 2). */
    public static final int EXIT_INTERRUPTED = 130;
    static final long GRACE_SECONDS = 15;

    private static volatile boolean requested;
    /** Scratch directories to remove if the command does not get to it. */
    private static final Set<Path> scratch = ConcurrentHashMap.newKeySet();

    private Interruption() {}

    /** Takes SIGINT and SIGTERM for the rest of this run of the calling thread's command. */
    static void install(PrintWriter err) {
        Thread command = Thread.currentThread();
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), signal -> {
                if (requested) {
                    abandon(err, "second " + signal.getName());
                    return;
                }
                requested = true;
                err.println("rawblock: SIG" + signal.getName() + ": stopping and removing scratch files");
                err.flush();
                command.interrupt();
                Thread.ofPlatform().daemon().name("rawblock-interrupt-grace").start(() -> {
                    try {
                        Thread.sleep(TimeUnit.SECONDS.toMillis(GRACE_SECONDS));
                    } catch (InterruptedException e) {
                        return;
                    }
                    abandon(err, "the command did not stop within " + GRACE_SECONDS + " s");
                });
            });
        }
    }

    /** Whether a signal asked the command to stop. */
    public static boolean requested() {
        return requested;
    }

    /** {@code dir} is removed should the command not remove it itself. */
    static void register(Path dir) {
        scratch.add(dir);
    }

    static void unregister(Path dir) {
        scratch.remove(dir);
    }

    /**
     * Stops the worker lanes of a loop whose waiting thread was interrupted: {@code stop} tells
     * them to take no more work, then the calls in flight are waited for (a bounded time, ignoring
     * further interrupts), so that the caller can close what they use.
     */
    static void stopLanes(CountDownLatch lanesLeft, Runnable stop) {
        stop.run();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GRACE_SECONDS - 5);
        while (true) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || lanesLeft.await(left, TimeUnit.NANOSECONDS)) return;
            } catch (InterruptedException again) {
                // keep waiting: closing under a running call would be worse than a few seconds
            }
        }
    }

    /** Removes {@code dir} and all in it; returns the bytes its files held. */
    static long removeTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return 0;
        long bytes = 0;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                if (Files.isRegularFile(p)) bytes += Files.size(p);
                Files.deleteIfExists(p);
            }
        }
        return bytes;
    }

    private static void abandon(PrintWriter err, String why) {
        for (Path dir : scratch) {
            try {
                long bytes = removeTree(dir);
                err.println("rawblock: removed " + dir + " (" + MachineLimits.approx(bytes) + ")");
            } catch (IOException e) {
                err.println("rawblock: could not remove " + dir + ": " + Main.describe(e));
            }
        }
        err.println("rawblock: exiting (" + why + ")");
        err.flush();
        Runtime.getRuntime().halt(EXIT_INTERRUPTED);
    }
}
