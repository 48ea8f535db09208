package dev.rawblock.cli.bench;

import dev.rawblock.cli.text.Json;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.Engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code --against io_uring}: the uring_cmd engine on an NVMe generic device ({@code /dev/ngXnY})
 * against the io_uring engine on the same namespace's block device ({@code /dev/nvmeXnY}), both
 * rawblock, alternating run by run in one bench: NVMe passthrough against the block layer, on the
 * same bytes of the same drive.
 *
 * <p>Each side opens its device for its own passes and closes it after. The uring_cmd engine holds
 * the namespace's block device with {@code O_EXCL} for as long as it runs (one owner of the
 * namespace, docs/nvme.md), so the two can never be open at once, and nothing else can write the
 * namespace while either side measures.
 */
final class EnginePeer {
    private EnginePeer() {}

    /**
     * The block device the io_uring side opens for {@code path}; the error, for a usage error,
     * says why there is nothing to compare. {@code engine} is the one asked for, or null.
     */
    static Path blockDevice(Path path, Engine engine) {
        String what = "--against io_uring compares the uring_cmd engine on an NVMe generic device with the io_uring "
                + "engine on the namespace's block device";
        if (path == null) throw new IllegalArgumentException(what + ": it needs --path /dev/ngXnY");
        Optional<Path> block = BlockDevice.nvmeBlockDevice(path);
        if (block.isEmpty()) {
            throw new IllegalArgumentException(what + ": --path " + path + " is not /dev/ngXnY");
        }
        if (engine != null && engine != Engine.URING_CMD) {
            throw new IllegalArgumentException(what + ": drop --engine " + engine.label());
        }
        if (!Files.exists(block.get())) {
            throw new IllegalArgumentException("--against io_uring: " + block.get() + ", the block device of " + path
                    + ", does not exist (a namespace in a format the block layer cannot use has only its generic node)");
        }
        return block.get();
    }

    /**
     * Why {@code --against fio} cannot run on {@code path}, or null when it can: fio's plain
     * io_uring engine reads and writes a block device or file, not an NVMe generic device.
     */
    static String fioProblem(Path path) {
        if (path == null) return null;
        Optional<Path> block = BlockDevice.nvmeBlockDevice(path);
        if (block.isEmpty()) return null;
        return "--against fio cannot run on the NVMe generic device " + path + " (fio's io_uring engine needs a block "
                + "device or file): compare with --against io_uring, or bench " + block.get() + " with fio apart";
    }

    /** How the peer was set up: its engine and device, for the report and the JSON line ({@code io_uring_path}). */
    static Peer.Setup setup(Path block) {
        return new Peer.Setup() {
            @Override
            public String describe() {
                return "the io_uring engine on " + block + ", the same namespace through the block layer";
            }

            @Override
            public void json(Json j, String prefix) {
                j.put(prefix + "path", block.toString()).put(prefix + "engine", Engine.IO_URING.label());
            }
        };
    }
}
