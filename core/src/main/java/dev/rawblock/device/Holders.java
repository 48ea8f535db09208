package dev.rawblock.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Finds who holds a device that could not be taken, so that the refusal can name it: the pid
 * that has its flock ({@code /proc/locks}), the mount point of a filesystem on it or on one of
 * its partitions ({@code /proc/self/mountinfo}), swap ({@code /proc/swaps}), or the kernel device
 * stacked on it ({@code /sys/dev/block/M:m/holders}, e.g. device-mapper). Only reads /proc and
 * /sys; whatever cannot be read makes the message more generic, never the refusal go away.
 */
final class Holders {
    private Holders() {}

    /** Device numbers and inode of a file, as statx reports them. */
    record Identity(int devMajor, int devMinor, long inode) {}

    /**
     * A file or device node whose flock another open file holds.
     *
     * @param node the file itself (for a block device: its node in /dev, which is what flock locks)
     */
    static DeviceBusyException locked(String path, Identity node) {
        long pid = lockHolder(readLines(Path.of("/proc/locks")), node);
        if (pid > 0) return new DeviceBusyException(path + " is in use by pid " + pid + " (" + describe(pid) + ")", pid, true);
        return new DeviceBusyException(path + " is in use by another process (it holds a lock on the file)", -1, false);
    }

    /**
     * A block device that an O_EXCL open found busy (EBUSY): say which holder, most specific first.
     *
     * @param major the device's own number (st_rdev)
     * @param node  its node in /dev, to find a flock holder
     */
    static DeviceBusyException busyBlockDevice(String path, int major, int minor, Identity node) {
        List<Device> devices = withPartitions(major, minor);
        List<String> mountinfo = readLines(Path.of("/proc/self/mountinfo"));
        for (Device d : devices) {
            String at = mountPoint(mountinfo, d.major, d.minor);
            if (at != null) {
                return new DeviceBusyException(path + (d.partition ? " has partition /dev/" + d.name + " mounted at "
                        : " is mounted at ") + at, -1, true);
            }
        }
        for (Device d : devices) {
            if (isSwap(d)) return new DeviceBusyException(path + " is in use as swap" + (d.partition
                    ? " (partition /dev/" + d.name + ")" : ""), -1, true);
        }
        for (Device d : devices) {
            List<String> holders = list(d.sysfs.resolve("holders"));
            if (!holders.isEmpty()) {
                String holder = holders.getFirst();
                String dmName = read(Path.of("/sys/class/block", holder, "dm", "name"));
                return new DeviceBusyException(path + (d.partition ? " has partition /dev/" + d.name + " held by "
                        : " is held by ") + holder + (dmName == null || dmName.isEmpty() ? "" : " (" + dmName + ")"),
                        -1, true);
            }
        }
        long pid = lockHolder(readLines(Path.of("/proc/locks")), node);
        if (pid > 0) return new DeviceBusyException(path + " is in use by pid " + pid + " (" + describe(pid) + ")", pid, true);
        return new DeviceBusyException(path + " is in use by another process (EBUSY)", -1, false);
    }

    /**
     * Whether /proc/locks lists no flock on the file: its holder let go between a refused attempt
     * and this look, so the attempt is worth repeating.
     */
    static boolean unlisted(Identity node) {
        return lockHolder(readLines(Path.of("/proc/locks")), node) < 0;
    }

    /**
     * Whether the flock on this file belongs to a process that has exited but whose file is not
     * released yet: the pid is gone, a zombie, or no longer shown (0).
     */
    static boolean lingering(Identity node) {
        long pid = lockHolder(readLines(Path.of("/proc/locks")), node);
        if (pid == 0) return true;
        if (pid < 0) return false;
        String stat = read(Path.of("/proc/" + pid + "/stat"));
        if (stat == null) return true;
        int end = stat.lastIndexOf(')'); // "pid (comm) S ...": comm may hold spaces and parentheses
        return end > 0 && end + 2 < stat.length() && stat.charAt(end + 2) == 'Z';
    }

    /**
     * The pid of the FLOCK line of {@code /proc/locks} on this file (0 when the holder is not
     * visible from here), or -1 when there is none. Lines read
     * {@code 1: FLOCK  ADVISORY  WRITE 4242 fe:00:1234 0 EOF}, device numbers in hex; waiters
     * ({@code 1: -> FLOCK ...}) hold nothing. A file system whose lock reports another device
     * number than statx (overlay, btrfs subvolumes) is matched by inode alone.
     */
    static long lockHolder(List<String> procLocks, Identity file) {
        String exact = String.format(Locale.ROOT, "%02x:%02x:%d", file.devMajor(), file.devMinor(), file.inode());
        String inode = ":" + file.inode();
        long byInode = -1;
        for (String line : procLocks) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 6 || !f[1].equals("FLOCK")) continue; // also skips "->" waiter lines
            long pid;
            try {
                pid = Long.parseLong(f[4]);
            } catch (NumberFormatException e) {
                continue;
            }
            // 0: a holder this pid namespace cannot see (another container, or a process that just died)
            if (pid < 0) continue;
            if (f[5].equals(exact)) return pid;
            if (byInode < 0 && f[5].endsWith(inode) && f[5].chars().filter(c -> c == ':').count() == 2) byInode = pid;
        }
        return byInode;
    }

    /** The mount point of device {@code major:minor} in mountinfo lines, or null. */
    static String mountPoint(List<String> mountinfo, int major, int minor) {
        String id = major + ":" + minor;
        for (String line : mountinfo) {
            String[] f = line.split(" ");
            if (f.length > 4 && f[2].equals(id)) return unescape(f[4]);
        }
        return null;
    }

    /** mountinfo writes space, tab, newline and backslash in paths as octal escapes ({@code \040}). */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()
                    && s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Who a holding pid is, in a few words for the refusal. */
    static String describe(long pid) {
        if (pid == ProcessHandle.current().pid()) return "this process already holds it";
        String cmdline = read(Path.of("/proc/" + pid + "/cmdline"));
        if (cmdline != null && cmdline.contains("rawblock")) return "another rawblock process holds it";
        String comm = read(Path.of("/proc/" + pid + "/comm"));
        return comm == null || comm.isEmpty() ? "another process holds it" : comm + " holds it";
    }

    /** A block device or one of its partitions, as sysfs lists them. */
    private record Device(String name, int major, int minor, Path sysfs, boolean partition) {}

    /** The device and, for a whole disk, its partitions (subdirectories with a {@code partition} file). */
    private static List<Device> withPartitions(int major, int minor) {
        List<Device> out = new ArrayList<>();
        Path sysfs = Path.of("/sys/dev/block/" + major + ":" + minor);
        Path real;
        try {
            real = sysfs.toRealPath();
        } catch (IOException e) {
            return out;
        }
        out.add(new Device(real.getFileName().toString(), major, minor, real, false));
        for (String child : list(real)) {
            Path dir = real.resolve(child);
            String dev = read(dir.resolve("dev"));
            if (!Files.exists(dir.resolve("partition")) || dev == null || !dev.contains(":")) continue;
            try {
                out.add(new Device(child, Integer.parseInt(dev.substring(0, dev.indexOf(':'))),
                        Integer.parseInt(dev.substring(dev.indexOf(':') + 1)), dir, true));
            } catch (NumberFormatException ignored) {
                // not a device directory
            }
        }
        return out;
    }

    private static boolean isSwap(Device d) {
        List<String> swaps = readLines(Path.of("/proc/swaps"));
        for (int i = 1; i < swaps.size(); i++) { // the first line is a header
            String name = swaps.get(i).split("\\s+")[0];
            try {
                if (Path.of(unescape(name)).toRealPath().equals(Path.of("/dev", d.name).toRealPath())) return true;
            } catch (IOException ignored) {
                // a swap file, or a node that is not in /dev
            }
        }
        return false;
    }

    private static List<String> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static List<String> readLines(Path p) {
        try {
            return Files.readAllLines(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** A small /proc or /sys file, trimmed, NULs (cmdline) as spaces; null when unreadable. */
    private static String read(Path p) {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.UTF_8).replace('\0', ' ').trim();
        } catch (IOException e) {
            return null;
        }
    }
}
