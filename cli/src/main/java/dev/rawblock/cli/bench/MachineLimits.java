package dev.rawblock.cli.bench;

import dev.rawblock.store.StoreStats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What this machine can give a command, checked before the command starts its work: a flag that
 * asks for more memory or disk than there is is a usage error naming the flag, not an
 * OutOfMemoryError or ENOSPC minutes later.
 */
final class MachineLimits {
    private MachineLimits() {}

    /** Bytes of memory the kernel can give without swapping (MemAvailable), or Long.MAX_VALUE when unknown. */
    static long availableMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux's /proc: no bound
        }
        return Long.MAX_VALUE;
    }

    /** Why an index of {@code entries} entries does not fit in memory here, or null when it does. */
    static String indexDoesNotFit(String option, long entries) {
        long needed = entries * StoreStats.INDEX_PEAK_BYTES_PER_ENTRY;
        long available = availableMemory();
        if (needed <= available) return null;
        return option + " " + entries + " needs about " + approx(needed) + " of memory for the "
                + "index (up to " + StoreStats.INDEX_PEAK_BYTES_PER_ENTRY + " bytes per entry while it grows), more than the "
                + approx(available) + " available here";
    }

    /** Why a new file of {@code bytes} does not fit beside {@code path}, or null when it does. */
    static String fileDoesNotFit(String option, Path path, long bytes) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        while (dir != null && !Files.exists(dir)) dir = dir.getParent();
        if (dir == null) return null;
        long free = Files.getFileStore(dir).getUsableSpace();
        if (bytes <= free) return null;
        return option + " needs a " + approx(bytes) + " file at " + path + ", more than the "
                + approx(free) + " free in " + dir;
    }

    /** An approximate size for people: "1.3 GiB", "300 MiB". */
    static String approx(long bytes) {
        if (bytes >= 1L << 30) return String.format(java.util.Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        return ((bytes + (1L << 20) - 1) >> 20) + " MiB";
    }
}
