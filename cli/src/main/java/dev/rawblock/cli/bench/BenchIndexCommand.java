package dev.rawblock.cli.bench;

import dev.rawblock.cli.Main;
import dev.rawblock.cli.Progress;
import dev.rawblock.cli.text.Json;
import dev.rawblock.cli.text.SizeParser;
import dev.rawblock.store.FormatOptions;
import dev.rawblock.store.IndexBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code rawblock bench index}: memory and speed of the in-memory key index alone, without a device. */
@Command(name = "index", sortOptions = false,
        description = "Measure the in-memory index alone: memory per entry, and the time of an insert, a lookup "
                + "of a stored key and a lookup of an absent key (each including the key's fingerprint).")
final class BenchIndexCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--entries", paramLabel = "N", defaultValue = "10000000",
            description = "Entries to insert; the index grows as they come, as a store's does (default: ${DEFAULT-VALUE}).")
    long entries;

    @Option(names = "--json", description = "End the output with one line of JSON.")
    boolean json;

    @Override
    public Integer call() {
        if (entries < 1 || entries > FormatOptions.MAX_ENTRIES) {
            throw new ParameterException(spec.commandLine(), "--entries must be between 1 and "
                    + FormatOptions.MAX_ENTRIES + ", got " + entries);
        }
        String tooLarge = MachineLimits.indexDoesNotFit("--entries", entries);
        if (tooLarge != null) throw new ParameterException(spec.commandLine(), tooLarge);
        Progress progress = new Progress(spec.commandLine().getErr(), Progress.stderrIsTerminal());
        long t0 = System.nanoTime();
        IndexBenchmark.Result r;
        try {
            // Inserts, then hits, then misses: 3 x entries operations.
            r = IndexBenchmark.run(entries, done -> progress.waiting(String.format(Locale.ROOT, "%s  %3d%%",
                    phase(done), done * 100 / (3 * entries)), System.nanoTime() - t0));
        } catch (OutOfMemoryError e) {
            // Memory taken by something else since the check: still one line, not a stack trace.
            throw new IllegalStateException("the index of " + entries + " entries ran out of memory ("
                    + Main.describe(e) + "); use a smaller --entries", e);
        } finally {
            progress.clear();
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "bench index: %d entries, %s of index memory, %.1f B per entry%n", r.entries(),
                SizeParser.format(r.memoryBytes()), r.bytesPerEntry());
        out.printf(Locale.ROOT, "  insert  %8.1f ns/op  (fingerprint + lookup of the absent key + insert)%n",
                r.insertNanosPerOp());
        out.printf(Locale.ROOT, "  lookup  %8.1f ns/op  (fingerprint + lookup of a random stored key)%n",
                r.lookupNanosPerOp());
        out.printf(Locale.ROOT, "  miss    %8.1f ns/op  (fingerprint + lookup of an absent key)%n", r.missNanosPerOp());
        if (json) {
            out.println(new Json().put("entries", r.entries()).put("memory_bytes", r.memoryBytes())
                    .put("bytes_per_entry", r.bytesPerEntry()).put("insert_ns", r.insertNanosPerOp())
                    .put("lookup_ns", r.lookupNanosPerOp()).put("miss_ns", r.missNanosPerOp()));
        }
        out.flush();
        return 0;
    }

    private String phase(long done) {
        return done <= entries ? "inserting" : done <= 2 * entries ? "lookups" : "misses";
    }
}
