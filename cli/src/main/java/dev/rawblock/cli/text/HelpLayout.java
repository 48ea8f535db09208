package dev.rawblock.cli.text;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * The option list of every {@code --help}, laid out as picocli lays it out (names in a column of
 * {@value #NAMES} characters, descriptions beside them) but wrapped at spaces only: picocli's own
 * wrapping breaks where a line-break iterator allows, inside paths and addresses
 * ({@code ./data/rawblock.img} became "{@code .}" and "{@code /data/rawblock.img}"), which a
 * reader then copies wrongly.
 */
public final class HelpLayout {
    /** Width of the names column, including its indent. */
    private static final int NAMES = 29;
    /** Continuation lines of a description are indented a little further. */
    private static final int HANG = 2;

    private HelpLayout() {}

    /** Installs the layout on {@code cl} and all its subcommands. */
    public static void install(CommandLine cl) {
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST,
                help -> optionList(help.commandSpec().options(), width(help)));
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS, HelpLayout::synopsis);
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_DESCRIPTION,
                help -> paragraphs(help.commandSpec().usageMessage().description(), width(help)));
        for (CommandLine sub : cl.getSubcommands().values()) install(sub);
    }

    /** The width help is laid out in (80 unless a command or the user set another). */
    private static int width(CommandLine.Help help) {
        return help.commandSpec().usageMessage().width();
    }

    static String optionList(List<OptionSpec> options, int width) {
        StringBuilder out = new StringBuilder();
        for (OptionSpec o : options) {
            if (o.hidden()) continue;
            String names = names(o);
            List<String> lines = wrap(String.join(" ", o.renderedDescription()), width - NAMES, width - NAMES - HANG);
            if (names.length() >= NAMES) {
                out.append(names).append('\n');
                names = "";
            }
            for (int i = 0; i < lines.size(); i++) {
                String lead = i == 0 ? names : "";
                int column = i == 0 ? NAMES : NAMES + HANG;
                out.append(lead).append(" ".repeat(column - lead.length())).append(lines.get(i)).append('\n');
            }
            if (lines.isEmpty()) out.append(names).append('\n');
        }
        return out.toString();
    }

    /**
     * "Usage: rawblock serve [-hV] ...": picocli's synopsis, made on one line and wrapped at spaces,
     * continuation lines under the first option.
     */
    private static String synopsis(CommandLine.Help help) {
        CommandLine.Model.UsageMessageSpec usage = help.commandSpec().usageMessage();
        int width = usage.width();
        String line;
        try {
            usage.width(4000); // one line (longer than any synopsis): no break picocli chose
            line = new CommandLine.Help(help.commandSpec(), help.colorScheme()).synopsis(0).strip();
        } finally {
            usage.width(width);
        }
        // The heading ("Usage: ") is a section of its own, printed before this one.
        String prefix = help.commandSpec().qualifiedName() + " ";
        if (!line.startsWith(prefix)) return line + "\n"; // a custom synopsis: as it is
        int indent = usage.synopsisHeading().length() + prefix.length();
        StringBuilder out = new StringBuilder(prefix);
        List<String> lines = wrap(line.substring(prefix.length()), width - indent, width - indent);
        for (int i = 0; i < lines.size(); i++) {
            out.append(i == 0 ? "" : " ".repeat(indent)).append(lines.get(i)).append('\n');
        }
        return out.toString();
    }

    /** The command's description, one paragraph per element, wrapped at spaces. */
    static String paragraphs(String[] description, int width) {
        StringBuilder out = new StringBuilder();
        for (String paragraph : description) {
            for (String line : wrap(paragraph, width, width)) out.append(line).append('\n');
        }
        return out.toString();
    }

    /** "  -h, --help" or "      --path=PATH", as picocli writes them. */
    private static String names(OptionSpec o) {
        String[] all = o.names();
        String shortName = null;
        List<String> longNames = new ArrayList<>();
        for (String n : all) {
            if (n.length() == 2 && shortName == null) shortName = n;
            else longNames.add(n);
        }
        StringBuilder b = new StringBuilder("  ");
        b.append(shortName != null ? shortName + (longNames.isEmpty() ? "" : ", ") : "    ");
        b.append(String.join(", ", longNames));
        if (o.arity().max() > 0) b.append('=').append(o.paramLabel());
        return b.toString();
    }

    /** Words of {@code text} in lines of at most {@code first}, then {@code rest}, characters; a longer word stays whole. */
    static List<String> wrap(String text, int first, int rest) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.strip().split("\\s+")) {
            if (word.isEmpty()) continue;
            int limit = lines.isEmpty() ? first : rest;
            if (!line.isEmpty() && line.length() + 1 + word.length() > limit) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (!line.isEmpty()) line.append(' ');
            line.append(word);
        }
        if (!line.isEmpty()) lines.add(line.toString());
        return lines;
    }
}
