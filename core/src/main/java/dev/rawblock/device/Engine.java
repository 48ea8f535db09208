package dev.rawblock.device;

/** How a {@link BlockDevice} issues I/O. */
public enum Engine {
    /** io_uring: one ring and one submitting thread per device, batches as single syscalls. */
    IO_URING("io_uring"),
    /** pread/pwrite on a pool of platform threads, one blocking call per operation. */
    POSIX("posix"),
    /**
     * NVMe passthrough: NVMe READ/WRITE/FLUSH commands sent with IORING_OP_URING_CMD on the
     * namespace's generic character device ({@code /dev/ngXnY}), past the block layer, with FDP
     * placement on writes. One SQE128/CQE32 ring and one submitting thread, like {@link #IO_URING}.
     */
    URING_CMD("uring_cmd");

    private final String label;

    Engine(String label) {
        this.label = label;
    }

    /** The name used on the command line and in configuration: {@code io_uring}, {@code posix} or {@code uring_cmd}. */
    public String label() {
        return label;
    }

    /**
     * The engine for a path when none is named: {@link #URING_CMD} for an NVMe generic device
     * ({@code /dev/ngXnY}), which no other engine can drive, else {@link #IO_URING}.
     */
    public static Engine forPath(java.nio.file.Path path) {
        return NvmeNamespace.isGenericName(path) ? URING_CMD : IO_URING;
    }

    /** Parses a {@link #label()}; the error names the accepted values. */
    public static Engine parse(String text) {
        for (Engine e : values()) {
            if (e.label.equalsIgnoreCase(text) || e.name().equalsIgnoreCase(text)) return e;
        }
        throw new IllegalArgumentException("unknown I/O engine '" + text + "' (expected io_uring, posix or uring_cmd)");
    }
}
