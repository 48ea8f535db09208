package dev.rawblock.cli;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DelayedDevice;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --io-delay MICROS}, shared by the commands that run a store: every device operation
 * completes up to that much later ({@link DelayedDevice}), to see how batches behave when the
 * drive answers late and out of order.
 */
public final class IoDelayOption {
    /** The largest delay accepted: one second, far beyond any drive's, is a typo. */
    static final long MAX_MICROS = 1_000_000;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--io-delay", paramLabel = "MICROS", defaultValue = "0",
            description = "Add a random delay of up to MICROS µs to the completion of every device operation (uniform, "
                    + "drawn per operation), to exercise batching under the latency of a loaded or remote drive; 0 for "
                    + "none (default: ${DEFAULT-VALUE}).")
    long micros;

    /** Usage errors, before anything is opened. */
    public void validate() {
        if (micros < 0 || micros > MAX_MICROS) {
            throw new ParameterException(spec.commandLine(), "--io-delay must be between 0 and " + MAX_MICROS
                    + " µs, got " + micros);
        }
    }

    /** The device as the store should see it: itself, or delayed. */
    public BlockDevice apply(BlockDevice device) {
        return micros == 0 ? device : new DelayedDevice(device, micros);
    }
}
