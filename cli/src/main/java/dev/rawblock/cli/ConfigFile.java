package dev.rawblock.cli;

import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.TreeSet;

/**
 * {@code --config FILE}: option values from a properties file, one {@code name=value} per line,
 * named as the long option without its dashes ({@code port=6390}, {@code max-value-size=80m}).
 * A flag given on the command line wins over the file; the file wins over the built-in default.
 * A key that names no option of the command is an error, so a typo is never silently ignored.
 * Every command takes {@code --config}; a file is meant for one command (usually {@code serve}).
 */
final class ConfigFile implements IDefaultValueProvider {
    static final String OPTION = "--config";

    private final Path file;
    private final Properties values;

    private ConfigFile(Path file, Properties values) {
        this.file = file;
        this.values = values;
    }

    /**
     * Looks for {@code --config FILE} in {@code args} and, if present, makes the file's values the
     * defaults of every command. It must run before parsing, since defaults are applied first.
     */
    static void install(CommandLine cl, String[] args) {
        Path file = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(OPTION) && i + 1 < args.length) file = Path.of(args[i + 1]);
            else if (args[i].startsWith(OPTION + "=")) file = Path.of(args[i].substring(OPTION.length() + 1));
        }
        if (file == null) return;
        Properties values = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            values.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new ParameterException(cl, "cannot read --config " + file + ": " + Main.describe(e));
        }
        cl.setDefaultValueProvider(new ConfigFile(file, values));
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option)) return null;
        String value = values.getProperty(key(option));
        return value == null ? null : value.strip();
    }

    /** Options a file may set, and the reference lists: not --config itself, nor --help, --version or --verbose. */
    static boolean settable(OptionSpec o) {
        return !o.longestName().equals(OPTION) && !o.usageHelp() && !o.versionHelp() && !o.hidden()
                && !o.longestName().equals("--verbose");
    }

    private static String key(OptionSpec option) {
        return option.longestName().replaceFirst("^-+", "");
    }

    /** The execution strategy: checks the config file's keys against the command that runs, then runs it. */
    static int checkThenRun(ParseResult parsed) {
        ParseResult last = parsed;
        while (last.subcommand() != null) last = last.subcommand();
        check(last.commandSpec());
        return new CommandLine.RunLast().execute(parsed);
    }

    /** Refuses keys that name no option of {@code command} (or that name --config itself). */
    private static void check(CommandSpec command) {
        if (!(command.commandLine().getDefaultValueProvider() instanceof ConfigFile config)) return;
        TreeSet<String> known = new TreeSet<>();
        for (OptionSpec o : command.options()) if (settable(o)) known.add(key(o));
        for (String key : config.values.stringPropertyNames()) {
            if (!known.contains(key)) {
                throw new ParameterException(command.commandLine(), "unknown option '" + key + "' in " + config.file
                        + " (known: " + String.join(", ", known) + ")");
            }
        }
    }
}
