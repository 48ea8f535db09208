package dev.rawblock.device;

import java.util.List;

/**
 * The Flexible Data Placement setup of an NVMe namespace, as discovered at open: Identify
 * Controller (CTRATT bit 19), the FDP feature (0x1D) of the namespace's endurance group, the
 * FDP configurations log (0x20) and the reclaim unit handle status (I/O Management Receive).
 *
 * @param enduranceGroup   the namespace's endurance group (ENDGID)
 * @param configIndex      the FDP configuration in force (from the feature value)
 * @param reclaimGroups    reclaim groups of that configuration (NRG)
 * @param handles          reclaim unit handles of that configuration (NRUH)
 * @param reclaimUnitBytes nominal reclaim unit size (RUNS): how much a handle fills before it moves on
 * @param placementIds     the placement identifiers a write may carry (DSPEC), as the namespace
 *                         reports them in its reclaim unit handle status, in that order
 */
public record FdpConfig(int enduranceGroup, int configIndex, int reclaimGroups, int handles, long reclaimUnitBytes,
                        List<Integer> placementIds) {
    public FdpConfig {
        placementIds = List.copyOf(placementIds);
    }

    @Override
    public String toString() {
        return "FDP on (endurance group " + enduranceGroup + ", configuration " + configIndex + ": " + reclaimGroups
                + " reclaim group(s), " + handles + " handles, reclaim unit " + reclaimUnitBytes + " bytes, placement ids "
                + placementIds + ")";
    }
}
