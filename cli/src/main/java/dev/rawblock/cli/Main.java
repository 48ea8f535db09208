package dev.rawblock.cli;

import dev.rawblock.cli.bench.BenchCommand;
import dev.rawblock.cli.bench.Interruption;
import dev.rawblock.cli.text.HelpLayout;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

import java.io.PrintWriter;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The {@code rawblock} command. Exit codes: 0 success, 1 failure, 2 usage error. Every error is
 * one line, {@code rawblock: <message>}; {@code --verbose} adds the stack trace. Subcommands hang
 * off this class ({@code serve}, {@code format}, {@code stats}, {@code fsck}, {@code bench}).
 */
@Command(name = "rawblock", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "A storage engine for LLM KV-cache offload on raw block devices.",
        subcommands = {ServeCommand.class, FormatCommand.class, StatsCommand.class, FsckCommand.class, SimulateCommand.class, BenchCommand.class})
public final class Main {
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean verbose;

    @Option(names = ConfigFile.OPTION, paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Properties file of option values for the command (keys are option names without dashes, "
                    + "e.g. port=6390); flags given on the command line win.")
    java.nio.file.Path config;

    public static void main(String[] args) {
        System.exit(execute(commandLine(), args));
    }

    /** Runs {@code args} on {@code cl}, with {@code --config FILE} values as defaults (see {@link ConfigFile}). */
    public static int execute(CommandLine cl, String... args) {
        try {
            ConfigFile.install(cl, args);
        } catch (ParameterException e) {
            return onUsageError(e, args);
        }
        return cl.execute(args);
    }

    /** The configured command line; tests run it in-process with their own out and err. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionStrategy(ConfigFile::checkThenRun);
        cl.setExecutionExceptionHandler(Main::onFailure);
        cl.setParameterExceptionHandler(Main::onUsageError);
        HelpLayout.install(cl);
        return cl;
    }

    private static int onFailure(Exception e, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        if (Interruption.requested()) {
            // Stopped by Ctrl-C or SIGTERM: the command's cleanup has run and said what it removed.
            err.println("rawblock: interrupted");
            if (verbose(parsed)) e.printStackTrace(err);
            err.flush();
            return Interruption.EXIT_INTERRUPTED;
        }
        if (e instanceof UsageException) {
            err.println("rawblock: " + oneLine(e.getMessage()) + " (see '" + cl.getCommandSpec().qualifiedName()
                    + " --help')");
            if (verbose(parsed)) e.printStackTrace(err);
            err.flush();
            return EXIT_USAGE;
        }
        err.println("rawblock: " + describe(e));
        if (verbose(parsed)) e.printStackTrace(err);
        err.flush();
        return EXIT_FAILURE;
    }

    private static int onUsageError(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("rawblock: " + oneLine(e.getMessage()) + " (see '" + cl.getCommandSpec().qualifiedName()
                + " --help')");
        if (verbose(cl.getParseResult())) e.printStackTrace(err);
        err.flush();
        return EXIT_USAGE;
    }

    /** --verbose may be given at any level of the command, so look at every parsed level. */
    private static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) return true;
        }
        return false;
    }

    /** A one-line message for people: wrappers without a message of their own are looked through. */
    public static String describe(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException
                || t.getMessage() == null) && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage();
        if (message == null || message.isBlank()) return t.getClass().getSimpleName();
        return oneLine(message);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** The version the build recorded, the same string INFO and the metrics report. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"rawblock " + dev.rawblock.Version.get()};
        }
    }
}
