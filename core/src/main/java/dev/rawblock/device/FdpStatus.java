package dev.rawblock.device;

import java.util.List;

/**
 * What an FDP namespace says about its writes: the endurance group's FDP statistics log (0x22)
 * and the reclaim unit handle status, read at one moment.
 *
 * @param hostBytesWritten  bytes the host wrote to the endurance group (HBMW), over its life
 * @param mediaBytesWritten bytes the device wrote to media (MBMW): host writes plus garbage collection
 * @param mediaBytesErased  bytes erased (MBE)
 * @param handles           one entry per placement identifier
 * @param reclaimUnitBytes  the nominal reclaim unit size, to tell a handle's fill
 * @param blockBytes        the namespace's logical block size (RUAMW counts blocks)
 */
public record FdpStatus(long hostBytesWritten, long mediaBytesWritten, long mediaBytesErased, List<Handle> handles,
                        long reclaimUnitBytes, int blockBytes) {
    /**
     * One reclaim unit handle.
     *
     * @param placementId       the identifier writes carry (DSPEC)
     * @param handleId          the reclaim unit handle it maps to (RUHID)
     * @param remainingBlocks   blocks still writable in the handle's current reclaim unit (RUAMW)
     */
    public record Handle(int placementId, int handleId, long remainingBlocks) {}

    public FdpStatus {
        handles = List.copyOf(handles);
    }

    /**
     * The placement identifiers whose reclaim unit has taken writes: its remaining space is less
     * than a whole reclaim unit. (A handle that has just filled a unit exactly looks fresh again;
     * it shows up with the next write.)
     */
    public List<Integer> handlesUsed() {
        long unitBlocks = reclaimUnitBytes / Math.max(1, blockBytes);
        return handles.stream().filter(h -> h.remainingBlocks() < unitBlocks).map(Handle::placementId).toList();
    }

    /** Write amplification: media bytes over host bytes written (1.0 when nothing was written yet). */
    public double writeAmplification() {
        return hostBytesWritten == 0 ? 1.0 : (double) mediaBytesWritten / hostBytesWritten;
    }
}
