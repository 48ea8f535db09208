package dev.rawblock.server.cluster;

import java.util.List;

/**
 * Where a command's keys are, in Redis's terms ({@code COMMAND INFO}): words {@code first},
 * {@code first + step}, ... up to {@code last}, counting the command name as word 0; a negative
 * {@code last} counts from the end (-1: the last word).
 *
 * @param arity      Redis's arity: n words exactly, or at least -n when negative
 * @param flags      Redis's command flags (readonly, write, fast, denyoom)
 * @param categories Redis's ACL categories (@read, @string...)
 */
public record KeySpec(String name, int arity, int first, int last, int step, List<String> flags,
                      List<String> categories) {
    public KeySpec {
        flags = List.copyOf(flags);
        categories = List.copyOf(categories);
    }

    /** Whether a request of {@code words} words has the arity the command needs. */
    public boolean fits(int words) {
        return arity >= 0 ? words == arity : words >= -arity;
    }

    /** The last key word of a request of {@code words} words. */
    public int lastKey(int words) {
        return last >= 0 ? Math.min(last, words - 1) : words + last;
    }
}
