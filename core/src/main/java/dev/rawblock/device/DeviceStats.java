package dev.rawblock.device;

/**
 * Counters of a {@link BlockDevice} since it opened.
 *
 * @param batches      calls of {@link BlockDevice#submit}
 * @param operations   operations submitted (reads, writes and flushes)
 * @param failed       operations that completed with an error
 * @param bytesRead    bytes read by successful reads
 * @param bytesWritten bytes written by successful writes
 * @param staged       operations copied through an aligned buffer because the caller's was not
 * @param inFlight     operations submitted and not yet completed
 */
public record DeviceStats(long batches, long operations, long failed, long bytesRead, long bytesWritten,
                          long staged, long inFlight) {}
