package dev.rawblock.server.resp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One command as Redis 7 describes it: what {@code COMMAND INFO} and {@code COMMAND DOCS} send
 * (cluster clients read the key positions to route, redis-cli the docs for its help and hints),
 * and the arity the dispatcher checks before the command runs.
 *
 * @param name        lower case; a subcommand's is {@code container|sub} ({@code client|list})
 * @param arity       words including the name: n exactly, or -n for at least n (Redis's convention)
 * @param flags       command flags ({@code readonly}, {@code fast}, {@code no_auth}...)
 * @param keys        where the keys are, or {@link Keys#NONE}
 * @param acl         ACL categories ({@code @read}, {@code @string}...)
 * @param tips        hints for cluster clients ({@code request_policy:all_shards}...)
 * @param docs        what COMMAND DOCS says
 * @param subcommands a container's subcommands (CLIENT, COMMAND, CONFIG), else empty
 */
record CommandSpec(String name, int arity, List<String> flags, Keys keys, List<String> acl, List<String> tips,
                   Docs docs, List<CommandSpec> subcommands) {

    /**
     * Keys at {@code first}, {@code first + step}, ... up to {@code last} (negative: counted
     * from the end, -1 being the last word), with their key-spec flags ({@code RO}, {@code RW},
     * {@code OW}, {@code RM}, {@code access}, {@code update}, {@code delete}).
     */
    record Keys(int first, int last, int step, List<String> flags) {
        static final Keys NONE = new Keys(0, 0, 0, List.of());

        boolean any() {
            return first > 0;
        }

        /** The key positions of a request of {@code words} words. */
        List<Integer> positions(int words) {
            List<Integer> out = new ArrayList<>();
            if (!any()) return out;
            int end = last < 0 ? words + last : Math.min(last, words - 1);
            for (int i = first; i <= end; i += step) out.add(i);
            return out;
        }
    }

    /** COMMAND DOCS: a summary in rawblock's words, Redis's since/group/complexity, and the syntax. */
    record Docs(String summary, String since, String group, String complexity, List<Arg> arguments) {
    }

    /**
     * One argument of the syntax, as COMMAND DOCS describes it ({@code type} is Redis's: key,
     * string, integer, pattern, pure-token, oneof, block).
     */
    record Arg(String name, String type, String token, boolean isOptional, boolean isMultiple, List<Arg> arguments) {
        Arg optional() {
            return new Arg(name, type, token, true, isMultiple, arguments);
        }

        Arg multiple() {
            return new Arg(name, type, token, isOptional, true, arguments);
        }

        Arg token(String word) {
            return new Arg(name, type, word, isOptional, isMultiple, arguments);
        }
    }

    static Arg key(String name) {
        return new Arg(name, "key", null, false, false, List.of());
    }

    static Arg string(String name) {
        return new Arg(name, "string", null, false, false, List.of());
    }

    static Arg integer(String name) {
        return new Arg(name, "integer", null, false, false, List.of());
    }

    static Arg pattern(String name) {
        return new Arg(name, "pattern", null, false, false, List.of());
    }

    /** A word that stands for itself ({@code NX}). */
    static Arg word(String token) {
        return new Arg(token.toLowerCase(Locale.ROOT), "pure-token", token, false, false, List.of());
    }

    static Arg oneOf(String name, Arg... choices) {
        return new Arg(name, "oneof", null, false, false, List.of(choices));
    }

    static Arg block(String name, Arg... parts) {
        return new Arg(name, "block", null, false, false, List.of(parts));
    }

    /** Whether a request of {@code words} words (the name included) fits the arity. */
    boolean arityAccepts(int words) {
        return arity >= 0 ? words == arity : words >= -arity;
    }

    /** The subcommand named {@code word} (any case), or null. */
    CommandSpec subcommand(String word) {
        String full = name + "|" + word.toLowerCase(Locale.ROOT);
        for (CommandSpec s : subcommands) if (s.name.equals(full)) return s;
        return null;
    }

    boolean hasFlag(String flag) {
        return flags.contains(flag);
    }

    /** Starts a command spec. */
    static Builder command(String name, int arity) {
        return new Builder(name, arity);
    }

    /** Builds a spec in the order the table reads best: flags, keys, ACL, tips, then docs. */
    static final class Builder {
        private final String name;
        private final int arity;
        private List<String> flags = List.of();
        private Keys keys = Keys.NONE;
        private List<String> acl = List.of();
        private List<String> tips = List.of();
        private final List<CommandSpec> subcommands = new ArrayList<>();

        private Builder(String name, int arity) {
            this.name = name;
            this.arity = arity;
        }

        Builder flags(String... f) {
            flags = List.of(f);
            return this;
        }

        Builder keys(int first, int last, int step, String... specFlags) {
            keys = new Keys(first, last, step, List.of(specFlags));
            return this;
        }

        Builder acl(String... categories) {
            acl = List.of(categories);
            return this;
        }

        Builder tips(String... t) {
            tips = List.of(t);
            return this;
        }

        Builder sub(CommandSpec subcommand) {
            subcommands.add(subcommand);
            return this;
        }

        CommandSpec docs(String group, String since, String complexity, String summary, Arg... arguments) {
            return new CommandSpec(name, arity, flags, keys, acl, tips,
                    new Docs(summary, since, group, complexity, List.of(arguments)), List.copyOf(subcommands));
        }
    }
}
