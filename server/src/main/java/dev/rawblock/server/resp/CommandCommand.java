package dev.rawblock.server.resp;

import dev.rawblock.server.resp.CommandSpec.Arg;
import dev.rawblock.server.resp.CommandSpec.Keys;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code COMMAND} and its subcommands, in Redis 7's reply shapes, from {@link CommandTable}:
 * cluster clients read COMMAND (INFO) for key positions, redis-cli reads COMMAND DOCS for its
 * help and hints, COMMAND COUNT and LIST say what exists.
 */
final class CommandCommand {
    private static final List<String> HELP = List.of(
            "(no subcommand)",
            "    Return details about all commands.",
            "COUNT",
            "    Return the total number of commands in this server.",
            "LIST",
            "    Return a list of all commands in this server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full command.");

    private final RespWriter writer;

    CommandCommand(RespWriter writer) {
        this.writer = writer;
    }

    /** Runs COMMAND [subcommand ...]; the dispatcher has checked the subcommand and its arity. */
    void run(RespRequest r) throws IOException {
        if (r.size() == 1) {
            infos(CommandTable.all());
            return;
        }
        switch (r.arg(1).text().toUpperCase(Locale.ROOT)) {
            case "COUNT" -> writer.integer(CommandTable.all().size());
            case "INFO" -> info(r);
            case "DOCS" -> docs(r);
            case "LIST" -> list(r);
            case "GETKEYS" -> getKeys(r);
            case "HELP" -> Help.send(writer, "COMMAND", HELP);
            default -> writer.error("ERR unknown subcommand '" + r.arg(1).text() + "'. Try COMMAND HELP.");
        }
    }

    private void infos(List<CommandSpec> specs) throws IOException {
        writer.array(specs.size());
        for (CommandSpec s : specs) info(s);
    }

    /** COMMAND INFO [name ...]: one entry per name, nil for a name that is no command. */
    private void info(RespRequest r) throws IOException {
        if (r.size() == 2) {
            infos(CommandTable.all());
            return;
        }
        writer.array(r.size() - 2);
        for (int i = 2; i < r.size(); i++) {
            CommandSpec s = CommandTable.lookup(r.arg(i).text());
            if (s == null) writer.nullBulk();
            else info(s);
        }
    }

    /** The ten fields of Redis 7's command entry. */
    private void info(CommandSpec s) throws IOException {
        writer.array(10);
        writer.bulk(s.name());
        writer.integer(s.arity());
        statuses(s.flags());
        writer.integer(s.keys().first());
        writer.integer(s.keys().last());
        writer.integer(s.keys().step());
        statuses(s.acl());
        writer.set(s.tips().size());
        for (String tip : s.tips()) writer.bulk(tip);
        keySpecs(s.keys());
        writer.set(s.subcommands().size());
        for (CommandSpec sub : s.subcommands()) info(sub);
    }

    private void statuses(List<String> words) throws IOException {
        writer.set(words.size());
        for (String w : words) writer.simple(w);
    }

    /** The key specification: keys from index {@code first}, a range to {@code last} in steps. */
    private void keySpecs(Keys k) throws IOException {
        if (!k.any()) {
            writer.set(0);
            return;
        }
        writer.set(1);
        writer.map(3);
        writer.bulk("flags");
        statuses(k.flags());
        writer.bulk("begin_search");
        writer.map(2);
        writer.bulk("type");
        writer.bulk("index");
        writer.bulk("spec");
        writer.map(1);
        writer.bulk("index");
        writer.integer(k.first());
        writer.bulk("find_keys");
        writer.map(2);
        writer.bulk("type");
        writer.bulk("range");
        writer.bulk("spec");
        writer.map(3);
        writer.bulk("lastkey");
        writer.integer(k.last() < 0 ? k.last() : k.last() - k.first()); // relative to the first key
        writer.bulk("keystep");
        writer.integer(k.step());
        writer.bulk("limit");
        writer.integer(0);
    }

    /** COMMAND DOCS [name ...]: a map from name to docs; names that are no command are left out. */
    private void docs(RespRequest r) throws IOException {
        List<CommandSpec> specs = new ArrayList<>();
        if (r.size() == 2) specs.addAll(CommandTable.all());
        for (int i = 2; i < r.size(); i++) {
            CommandSpec s = CommandTable.lookup(r.arg(i).text());
            if (s != null) specs.add(s);
        }
        writer.map(specs.size());
        for (CommandSpec s : specs) {
            writer.bulk(s.name());
            docs(s);
        }
    }

    private void docs(CommandSpec s) throws IOException {
        CommandSpec.Docs d = s.docs();
        boolean args = !d.arguments().isEmpty();
        boolean subs = !s.subcommands().isEmpty();
        writer.map(4 + (args ? 1 : 0) + (subs ? 1 : 0));
        writer.bulk("summary");
        writer.bulk(d.summary());
        writer.bulk("since");
        writer.bulk(d.since());
        writer.bulk("group");
        writer.bulk(d.group());
        writer.bulk("complexity");
        writer.bulk(d.complexity());
        if (args) {
            writer.bulk("arguments");
            arguments(d.arguments());
        }
        if (subs) {
            writer.bulk("subcommands");
            writer.map(s.subcommands().size());
            for (CommandSpec sub : s.subcommands()) {
                writer.bulk(sub.name());
                docs(sub);
            }
        }
    }

    /** Arguments as Redis lists them: name, type, key_spec_index, token, flags, nested arguments. */
    private void arguments(List<Arg> args) throws IOException {
        writer.array(args.size());
        for (Arg a : args) {
            boolean key = a.type().equals("key");
            boolean flags = a.isOptional() || a.isMultiple();
            boolean nested = !a.arguments().isEmpty();
            writer.map(2 + (key ? 1 : 0) + (a.token() != null ? 1 : 0) + (flags ? 1 : 0) + (nested ? 1 : 0));
            writer.bulk("name");
            writer.bulk(a.name());
            writer.bulk("type");
            writer.bulk(a.type());
            if (key) {
                writer.bulk("key_spec_index");
                writer.integer(0); // every command here has one key specification
            }
            if (a.token() != null) {
                writer.bulk("token");
                writer.bulk(a.token());
            }
            if (flags) {
                writer.bulk("flags");
                List<String> f = new ArrayList<>();
                if (a.isOptional()) f.add("optional");
                if (a.isMultiple()) f.add("multiple");
                statuses(f);
            }
            if (nested) {
                writer.bulk("arguments");
                arguments(a.arguments());
            }
        }
    }

    /** COMMAND LIST [FILTERBY MODULE m | ACLCAT c | PATTERN p]: names, subcommands included. */
    private void list(RespRequest r) throws IOException {
        String filter = null, value = null;
        if (r.size() == 5 && r.arg(2).text().equalsIgnoreCase("FILTERBY")) {
            filter = r.arg(3).text().toUpperCase(Locale.ROOT);
            value = r.arg(4).text();
            if (!List.of("MODULE", "ACLCAT", "PATTERN").contains(filter)) filter = "?";
        }
        if (r.size() != 2 && (filter == null || filter.equals("?"))) {
            writer.error("ERR syntax error");
            return;
        }
        List<String> names = new ArrayList<>();
        for (CommandSpec s : CommandTable.all()) {
            addIfMatching(names, s, filter, value);
            for (CommandSpec sub : s.subcommands()) addIfMatching(names, sub, filter, value);
        }
        writer.array(names.size());
        for (String n : names) writer.bulk(n);
    }

    private static void addIfMatching(List<String> names, CommandSpec s, String filter, String value) {
        boolean keep = filter == null
                || filter.equals("ACLCAT") && s.acl().contains("@" + value.toLowerCase(Locale.ROOT))
                || filter.equals("PATTERN") && Glob.matches(value, s.name(), true);
        // MODULE: rawblock loads no modules, so no command comes from one.
        if (keep) names.add(s.name());
    }

    /** COMMAND GETKEYS command arg...: the keys of that request, by the command's key positions. */
    private void getKeys(RespRequest r) throws IOException {
        CommandSpec s = CommandTable.lookup(r.arg(2).text());
        int words = r.size() - 2;
        if (s != null && !s.subcommands().isEmpty() && words > 1) s = s.subcommand(r.arg(3).text());
        if (s == null) {
            writer.error("ERR Invalid command specified");
        } else if (!s.keys().any()) {
            writer.error("ERR The command has no key arguments");
        } else if (!s.arityAccepts(words)) {
            writer.error("ERR Invalid number of arguments specified for command");
        } else {
            List<Integer> at = s.keys().positions(words);
            writer.array(at.size());
            for (int i : at) writer.bulk(r.arg(2 + i).bytes());
        }
    }
}
