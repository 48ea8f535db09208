package dev.rawblock.cli;

import dev.rawblock.cli.text.Json;
import dev.rawblock.sim.Simulation;
import dev.rawblock.sim.Simulator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code rawblock simulate}: runs the store in the deterministic simulator (module {@code sim})
 * for a number of seeds, crashing the simulated machine inside each seed's workload, and checks
 * after every recovery that nothing acknowledged was lost, nothing wrong was served and nothing
 * deleted came back. Exit code 0 when every seed passed, 1 otherwise.
 */
@Command(name = "simulate", sortOptions = false,
        description = {"Run the store in the deterministic simulator: a random workload per seed (puts of every mode, "
                + "overwrites, deletes, pins, streamed puts and reads, checkpoints, eviction) on a simulated disk "
                + "that reorders completions and loses or tears unflushed writes, with crashes inside operations, "
                + "journal writes, checkpoints and recoveries. After every recovery each key is checked against a "
                + "model of what it may hold. The same seeds always give the same run and the same digest.",
                "Exit code 0 when every seed passed, 1 otherwise."})
final class SimulateCommand implements Callable<Integer> {
    /** Problem lines printed per failing seed. */
    private static final int PROBLEMS_SHOWN = 5;

    @Spec
    CommandSpec spec;

    @Option(names = "--seeds", paramLabel = "N", defaultValue = "400", description = "Seeds to run (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--seed", paramLabel = "S", description = "The first seed (default: a random one, printed).")
    Long seed;

    @Option(names = "--operations", paramLabel = "N", defaultValue = "400",
            description = "Operations per seed (default: ${DEFAULT-VALUE}).")
    int operations;

    @Option(names = "--read-corruption", paramLabel = "P", defaultValue = "0",
            description = "Probability that the simulated disk flips a byte of a read (default: ${DEFAULT-VALUE}). "
                    + "The store must then miss, never serve the bytes.")
    double readCorruption;

    @Option(names = "--trace", description = "Print every operation, result and crash of each seed (use with --seeds 1).")
    boolean trace;

    @Option(names = "--json", description = "End the output with one line of JSON.")
    boolean json;

    @Override
    public Integer call() {
        if (seeds < 1) throw new ParameterException(spec.commandLine(), "--seeds must be at least 1, got " + seeds);
        if (operations < 1) throw new ParameterException(spec.commandLine(), "--operations must be at least 1, got " + operations);
        if (!(readCorruption >= 0 && readCorruption <= 1)) {
            throw new ParameterException(spec.commandLine(), "--read-corruption must be from 0 to 1, got " + readCorruption);
        }
        long first = seed != null ? seed : ThreadLocalRandom.current().nextLong(1L << 40);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Simulator.Settings standard = Simulator.Settings.standard();
        Simulator.Settings settings = new Simulator.Settings(operations, standard.keys(), standard.crashOneIn(),
                standard.flush(), readCorruption);
        Progress progress = new Progress(err, Progress.stderrIsTerminal() && !trace);
        long t0 = System.nanoTime();
        int[] done = {0};
        Simulation.Summary summary = Simulation.run(first, seeds, settings, r -> {
            done[0]++;
            if (!r.passed()) {
                progress.clear();
                out.printf(Locale.ROOT, "seed %d FAILED: %d lost, %d wrong, %d resurrected, %d failing fsck%n", r.seed(),
                        r.lost(), r.wrong(), r.resurrected(), r.inconsistent());
                r.problems().stream().limit(PROBLEMS_SHOWN).forEach(p -> out.println("  " + p));
                out.flush();
            }
            progress.count("simulating", done[0], seeds, "seeds", System.nanoTime() - t0);
        }, trace ? out::println : null);
        progress.clear();
        long millis = (System.nanoTime() - t0) / 1_000_000;
        out.printf(Locale.ROOT, "simulate: seeds %d..%d: %d crash points, %d lost, %d wrong, %d resurrected, "
                        + "%d failing fsck (%d checks, %d ticks), digest %08x, %.1f s%n", first, first + seeds - 1,
                summary.crashPoints(), summary.lost(), summary.wrong(), summary.resurrected(), summary.inconsistent(),
                summary.checks(), summary.ticks(), summary.digest(), millis / 1000.0);
        if (json) {
            out.println(new Json().put("seeds", seeds).put("first_seed", first).put("crash_points", summary.crashPoints())
                    .put("lost", summary.lost()).put("wrong", summary.wrong()).put("resurrected", summary.resurrected()).put("inconsistent", summary.inconsistent())
                    .put("checks", summary.checks()).put("failed_seeds", summary.failures().size())
                    .put("digest", String.format(Locale.ROOT, "%08x", summary.digest())).put("millis", millis));
        }
        out.flush();
        if (summary.passed()) return 0;
        err.println("rawblock: " + summary.failures().size() + " of " + seeds + " seeds failed; replay one with "
                + "--seed " + summary.failures().getFirst().seed() + " --seeds 1 --trace");
        err.flush();
        return Main.EXIT_FAILURE;
    }
}
