package dev.rawblock.cli.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.List;

/**
 * How busy the io_uring ring threads of a store's devices are during a pass: each device's ring
 * thread's CPU time over the pass's wall time. One ring thread per device is what bounds a member
 * of a store over several devices (each has its own); near 1.0 the thread, not the drive, is the limit.
 * The thread is found by the name the io_uring engine gives it ({@code rawblock-uring-FILENAME}).
 */
final class RingThreads {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final List<String> names;

    /** The ring threads of the devices at {@code paths}, in that order. */
    RingThreads(List<Path> paths) {
        this.names = paths.stream().map(p -> "rawblock-uring-" + p.getFileName()).toList();
    }

    /** CPU nanoseconds each ring thread has used so far (0 for one not found: another engine). */
    long[] cpuNanos() {
        long[] cpu = new long[names.size()];
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            int i = names.indexOf(t.getName());
            if (i >= 0) cpu[i] += Math.max(0, THREADS.getThreadCpuTime(t.threadId()));
        }
        return cpu;
    }

    /** The fraction of {@code wallNanos} each ring thread was on a CPU between two {@link #cpuNanos} readings. */
    static double[] busy(long[] before, long[] after, long wallNanos) {
        double[] busy = new double[before.length];
        for (int i = 0; i < busy.length; i++) busy[i] = (after[i] - before[i]) / (double) wallNanos;
        return busy;
    }
}
