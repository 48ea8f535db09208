package dev.rawblock.cli.bench;

import dev.rawblock.cli.TargetPath;

import dev.rawblock.cli.UsageException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The target of a bench that writes a scratch store or scratch data. Without {@code --path} it is
 * the bench's own file under {@code ./data/}: a later run erases it without {@code --force}, and
 * makes it again, larger, when it asks for more than an earlier run left there. A {@code --path}
 * the user gave is theirs: a store there is erased only with {@code --force} (which also lets a
 * file that is too small be made again), and a block device is never resized.
 *
 * @param path   where the bench works
 * @param owned  whether the bench owns it (the default path)
 * @param create whether the bench creates the file (missing, or made again larger)
 */
record ScratchFile(Path path, boolean owned, boolean create) {
    /**
     * Resolves the target and, for a file the bench may erase, makes room for a run that needs
     * {@code needed} bytes: a smaller file is removed, to be created again at the size needed.
     * Checks the free space for a file to be created before anything is removed.
     *
     * @param option the flag that sets the size, named in the error when it does not fit
     */
    static ScratchFile claim(Path given, Path defaultPath, long needed, boolean force, String option)
            throws IOException {
        Path path = given != null ? TargetPath.of(given, null) : defaultPath;
        boolean owned = given == null;
        boolean exists = Files.exists(path);
        boolean regrow = exists && Files.isRegularFile(path) && (owned || force) && Files.size(path) < needed;
        if (!exists || regrow) {
            long reclaimed = regrow ? Files.size(path) : 0;
            String tooLarge = MachineLimits.fileDoesNotFit(option, path, needed - reclaimed);
            if (tooLarge != null) throw new UsageException(tooLarge); // before ./data is even created
        }
        if (owned) TargetPath.of(null, defaultPath); // creates its directory
        if (regrow) Files.delete(path);
        return new ScratchFile(path, owned, !exists || regrow);
    }

    /** Whether a store found there may be erased: the bench's own file, or --force. */
    boolean mayErase(boolean force) {
        return owned || force;
    }

}
