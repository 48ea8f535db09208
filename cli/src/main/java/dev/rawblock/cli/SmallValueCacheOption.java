package dev.rawblock.cli;

import dev.rawblock.cli.text.SizeParser;
import dev.rawblock.store.StoreOptions;
import picocli.CommandLine.Option;

/**
 * {@code --small-value-cache SIZE}, shared by the commands that run a store: the heap memory for
 * copies of small values (4 KiB or less), so that their GETs need no device read.
 */
public final class SmallValueCacheOption {
    @Option(names = "--small-value-cache", paramLabel = "SIZE", converter = SizeParser.OrZeroConverter.class,
            defaultValue = "64m",
            description = "Heap memory for copies of values of 4 KiB or less (LMCache's metadata values, say), so their "
                    + "GETs are served from memory instead of a device read each; each copy is counted with about "
                    + "100 bytes of overhead; 0 turns it off (default: ${DEFAULT-VALUE}; docs/tuning.md).")
    long bytes = StoreOptions.DEFAULT_SMALL_VALUE_CACHE_BYTES;

    /** {@code options} with this cache size. */
    public StoreOptions apply(StoreOptions options) {
        return options.withSmallValueCacheBytes(bytes);
    }
}
