package dev.rawblock.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Renders every command's options as Markdown tables: the reference in {@code docs/configuration.md}
 * comes from the same annotations that parse the flags, so the two cannot disagree
 * ({@code OptionsReferenceTest} fails when the file is stale).
 */
final class OptionsReference {
    private OptionsReference() {
    }

    static String render(CommandLine root) {
        StringBuilder md = new StringBuilder();
        md.append("# Configuration reference\n\n")
                .append("Generated from the command definitions (`OptionsReference`); do not edit by hand.\n\n")
                .append("Every option is a flag. Every command also reads them from a properties file given with ")
                .append("`--config FILE`: one `name=value` per line, the name being the long option without its dashes ")
                .append("(`port=6390`). Flags on the command line win over the file, and the file wins over the defaults. ")
                .append("Sizes take a suffix k, m, g or t (powers of 1024). An invalid value is a usage error (exit 2) ")
                .append("naming the option and what it accepts.\n");
        appendCommand(md, root);
        return md.toString();
    }

    private static void appendCommand(StringBuilder md, CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        boolean hasOptions = spec.options().stream().anyMatch(ConfigFile::settable);
        if (hasOptions && cl.getParent() != null) {
            md.append("\n## `").append(spec.qualifiedName()).append("`\n\n");
            String[] description = spec.usageMessage().description();
            if (description.length > 0) md.append(description[0]).append("\n\n");
            md.append("| Option | Default | Description |\n|---|---|---|\n");
            for (OptionSpec o : spec.options()) {
                if (!ConfigFile.settable(o)) continue;
                String name = o.longestName() + (o.arity().max() > 0 ? " " + o.paramLabel() : "");
                md.append("| `").append(name).append("` | ").append(defaultOf(o)).append(" | ")
                        .append(cell(String.join(" ", o.description()))).append(" |\n");
            }
        }
        for (CommandLine sub : cl.getSubcommands().values()) appendCommand(md, sub);
    }

    private static String defaultOf(OptionSpec o) {
        String d = o.defaultValue();
        if (d == null) return o.arity().max() == 0 ? "off" : "-";
        return "`" + d + "`";
    }

    private static String cell(String text) {
        return text.replace("${DEFAULT-VALUE}", "the default").replace("|", "\\|").replace("\n", " ");
    }
}
