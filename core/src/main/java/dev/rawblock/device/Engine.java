package dev.rawblock.device;

/** How a {@link BlockDevice} issues I/O. */
public enum Engine {
    /** io_uring: one ring and one submitting thread per device, batches as single syscalls. */
    IO_URING("io_uring"),
    /** pread/pwrite on a pool of platform threads, one blocking call per operation. */
    POSIX("posix");

    private final String label;

    Engine(String label) {
        this.label = label;
    }

    /** The name used on the command line and in configuration: {@code io_uring} or {@code posix}. */
    public String label() {
        return label;
    }

    /** Parses a {@link #label()}; the error names the accepted values. */
    public static Engine parse(String text) {
        for (Engine e : values()) {
            if (e.label.equalsIgnoreCase(text) || e.name().equalsIgnoreCase(text)) return e;
        }
        throw new IllegalArgumentException("unknown I/O engine '" + text + "' (expected io_uring or posix)");
    }
}
