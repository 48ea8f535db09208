package dev.rawblock.cli;

import dev.rawblock.cli.text.Json;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code rawblock fsck}: reads every entry's slot and checks its header and checksums, on a store
 * opened read-only; with {@code --repair} (read-write), entries that fail are dropped. Exit code 0 when the store is clean (or every
 * error was repaired), 1 otherwise.
 */
@Command(name = "fsck", sortOptions = false,
        description = {"Check a store: read every entry's slot and verify its header, key, length and checksums. "
                + "Without --repair the store is opened read-only and nothing is written; a store that a server "
                + "holds is refused.",
                "Exit code 0 when no entry failed (or, with --repair, every failing entry was dropped), 1 otherwise."})
final class FsckCommand implements Callable<Integer> {
    /** Problem lines printed; the JSON carries the same ones. */
    static final int MAX_PROBLEMS_SHOWN = 20;
    /** Staging memory of one verify submission: large values are read a few at a time, within the arena. */
    private static final long BATCH_BYTES = 32L << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--path", paramLabel = "PATH",
            description = "File or block device of the store (default: ./data/rawblock.img, as for serve); "
                    + "for a store over several devices, every member, each with --path, in any order.")
    List<Path> paths = new ArrayList<>();

    @Option(names = "--repair", description = "Drop the entries that fail (the drop is journaled, as a delete is).")
    boolean repair;

    @Option(names = "--json", description = "End the output with one line of JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<Path> targets = TargetPath.all(paths, ServeCommand.DEFAULT_PATH);
        Path target = targets.getFirst();
        PrintWriter err = spec.commandLine().getErr();
        Progress progress = new Progress(err, Progress.stderrIsTerminal());
        Store.VerifyReport report;
        // Without --repair nothing is written: the device and the store are opened read-only.
        try (Store store = StatsCommand.open(targets, StoreOptions.defaults().withMaxBatchBytes(BATCH_BYTES), !repair,
                spec)) {
            long total = store.stats().entries();
            long t0 = System.nanoTime();
            try {
                report = store.verify(repair, done -> progress.count("checking", done, total, "entries",
                        System.nanoTime() - t0));
            } finally {
                progress.clear();
            }
        }
        boolean clean = report.errors() == 0 || (repair && report.repaired() == report.errors());

        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "fsck %s: %d entries checked, %d errors%s%n", target, report.entries(),
                report.errors(), repair ? ", " + report.repaired() + " repaired (dropped)" : "");
        int shown = Math.min(MAX_PROBLEMS_SHOWN, report.problems().size());
        for (int i = 0; i < shown; i++) out.println("  " + report.problems().get(i));
        if (report.errors() > shown) out.printf(Locale.ROOT, "  ... and %d more%n", report.errors() - shown);
        if (json) {
            out.println(new Json().put("path", target.toString()).put("entries", report.entries())
                    .put("errors", report.errors()).put("repaired", report.repaired()).put("repair", repair)
                    .put("clean", clean).putStrings("problems", report.problems().subList(0, shown)));
        }
        out.flush();
        if (clean) return 0;
        err.println("rawblock: " + report.errors() + (report.errors() == 1 ? " entry" : " entries") + " failed "
                + "verification" + (repair ? ", " + report.repaired() + " repaired" : "; --repair drops them"));
        err.flush();
        return Main.EXIT_FAILURE;
    }
}
