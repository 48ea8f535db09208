package dev.rawblock.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The machine's hugetlbfs, if an operator set one up (huge pages reserved in
 * {@code /proc/sys/vm/nr_hugepages} and a hugetlbfs mounted): fio can then take its buffers from
 * huge pages ({@code --iomem=mmaphuge}), as rawblock's arena does from transparent huge pages. On
 * a virtio disk a large transfer from 4 KiB pages needs many more segments, and is split into
 * more requests: fio on small pages is 1.8x slower at 256 KiB random reads here, which says
 * nothing about its engine. Comparisons are fair only with equal memory on both sides.
 */
record HugeTlb(Path mount, long pageBytes, long freePages) {
    /** The hugetlbfs mount and its free pages, or empty when there is none or nothing is reserved. */
    static Optional<HugeTlb> find() {
        try {
            Path mount = null;
            for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
                String[] f = line.split(" ");
                if (f.length > 2 && f[2].equals("hugetlbfs")) {
                    mount = Path.of(f[1]);
                    break;
                }
            }
            if (mount == null || !Files.isWritable(mount)) return Optional.empty();
            long free = 0, size = 0;
            List<String> info = Files.readAllLines(Path.of("/proc/meminfo"));
            for (String line : info) {
                String[] f = line.split("\\s+");
                if (f[0].equals("HugePages_Free:")) free = Long.parseLong(f[1]);
                if (f[0].equals("Hugepagesize:")) size = Long.parseLong(f[1]) * 1024;
            }
            return free > 0 && size > 0 ? Optional.of(new HugeTlb(mount, size, free)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code bytes} of buffers (and a page of slack) fit in the free huge pages. */
    boolean fits(long bytes) {
        return (bytes + pageBytes - 1) / pageBytes + 1 <= freePages;
    }
}
