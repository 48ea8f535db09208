package dev.rawblock.store;

import dev.rawblock.device.FdpStatus;

import java.util.List;

/**
 * What an NVMe drive with Flexible Data Placement says about the store's writes
 * ({@link Store#fdpFigures}), for metrics: the drive's lifetime bytes written by the host and to
 * the media, and which placement identifiers have taken writes.
 *
 * @param hostBytesWritten   bytes the host wrote to the endurance group
 * @param mediaBytesWritten  bytes the drive wrote to media, garbage collection included
 * @param writeAmplification media over host bytes (1.0 before any write)
 * @param placementIds       the namespace's placement identifiers
 * @param placementIdsUsed   those whose reclaim unit has taken writes
 */
public record FdpFigures(long hostBytesWritten, long mediaBytesWritten, double writeAmplification,
                         List<Integer> placementIds, List<Integer> placementIdsUsed) {
    static FdpFigures of(FdpStatus s) {
        return new FdpFigures(s.hostBytesWritten(), s.mediaBytesWritten(), s.writeAmplification(),
                s.handles().stream().map(FdpStatus.Handle::placementId).toList(), s.handlesUsed());
    }
}
