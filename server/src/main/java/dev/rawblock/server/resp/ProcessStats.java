package dev.rawblock.server.resp;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's own figures for INFO (resident memory, CPU time, the machine's memory), read
 * from Linux's {@code /proc} (rawblock runs on Linux only: its I/O is io_uring). A figure that
 * cannot be read is reported as 0 rather than failing INFO.
 */
final class ProcessStats {
    /** Linux reports CPU times in USER_HZ ticks, 100 a second on every architecture it supports. */
    private static final double TICKS_PER_SECOND = 100;

    /** CPU seconds: {@code user} and {@code sys} of this process, and of its waited-for children. */
    record Cpu(double user, double sys, double childrenUser, double childrenSys) {
    }

    private ProcessStats() {
    }

    /** Resident set size in bytes ({@code VmRSS}). */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024; // always in kB
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc not mounted: say 0
        }
        return 0;
    }

    static Cpu cpu() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // Fields after the command name, which is in parentheses and may itself hold spaces.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            // utime, stime, cutime, cstime are fields 14..17 of the line, 12..15 after "pid (comm)".
            return new Cpu(ticks(f[11]), ticks(f[12]), ticks(f[13]), ticks(f[14]));
        } catch (IOException | RuntimeException e) {
            return new Cpu(0, 0, 0, 0);
        }
    }

    private static double ticks(String field) {
        return Long.parseLong(field) / TICKS_PER_SECOND;
    }

    /** The machine's memory in bytes. */
    static long systemMemoryBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 0;
    }
}
