package dev.rawblock.cli.bench;

import picocli.CommandLine.Command;

/**
 * {@code rawblock bench}: groups the benchmarks (device, store, index, recovery). Not executable itself, so
 * picocli asks for a subcommand.
 */
@Command(name = "bench", description = "Measure performance.",
        subcommands = {BenchDeviceCommand.class, BenchStoreCommand.class, BenchServerCommand.class, BenchIndexCommand.class,
                BenchRecoveryCommand.class})
public final class BenchCommand {
}
