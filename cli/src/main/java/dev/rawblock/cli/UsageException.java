package dev.rawblock.cli;

import java.io.IOException;

/**
 * A check of the flags that needs to look at the machine (free space, memory, a port) and so runs
 * inside a command rather than in picocli's parsing: {@link Main} reports it as a usage error
 * (exit 2, one line, the command's --help named), like any other bad flag.
 */
public final class UsageException extends IOException {
    public UsageException(String message) {
        super(message);
    }
}
