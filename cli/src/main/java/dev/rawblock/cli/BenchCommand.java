package dev.rawblock.cli;

import picocli.CommandLine.Command;

/**
 * {@code rawblock bench}: groups the benchmarks. Not executable itself, so picocli asks for a
 * subcommand; {@code bench store} joins {@code device} here when the store exists.
 */
@Command(name = "bench", description = "Measure performance.", subcommands = {BenchDeviceCommand.class})
final class BenchCommand {
}
