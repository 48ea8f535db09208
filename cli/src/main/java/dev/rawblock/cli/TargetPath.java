package dev.rawblock.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The path a command works on, shared by the commands that may create a file there. */
public final class TargetPath {
    private TargetPath() {}

    /**
     * {@code path}, or {@code defaultPath} (its directory created) when none was given. A path
     * under /dev that does not exist is refused rather than created.
     */
    public static Path of(Path path, Path defaultPath) throws IOException {
        if (path == null) {
            Files.createDirectories(defaultPath.toAbsolutePath().getParent());
            return defaultPath;
        }
        // A mistyped device name must not become a file of --size bytes on /dev (a RAM filesystem).
        if (!Files.exists(path) && path.toAbsolutePath().normalize().startsWith("/dev")) {
            throw new IOException("no such device: " + path);
        }
        return path;
    }

    /**
     * The paths a command that opens an existing store works on: those given (each checked as
     * {@link #of(Path, Path)} does), or {@code defaultPath} alone when none was.
     */
    public static List<Path> all(List<Path> paths, Path defaultPath) throws IOException {
        if (paths.isEmpty()) return List.of(defaultPath);
        List<Path> checked = new ArrayList<>(paths.size());
        for (Path p : paths) checked.add(of(p, null));
        return List.copyOf(checked);
    }
}
