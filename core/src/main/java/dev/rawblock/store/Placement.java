package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.FdpConfig;
import dev.rawblock.device.IoOp;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link PlacementPolicy} applied to the placement handles of one device: which placement
 * identifier each store write carries. Off (every answer {@link IoOp#NO_PLACEMENT}) when the
 * policy is off or the device cannot place writes (no FDP, or an engine other than uring_cmd).
 *
 * <p>Handle assignment: metadata takes handle {@code metadataIndex} of the namespace's list;
 * the value bands take the other handles in order, band {@code b} of {@code n} the handle
 * {@code b * d / n} of the {@code d} others (so with fewer handles than bands, neighbouring bands
 * share). With a single handle everything goes to it, which is the same as no placement.
 */
public final class Placement {
    private final PlacementPolicy policy;
    private final int metadata;
    private final int[] bandHandle;
    private final String description;

    private Placement(PlacementPolicy policy, int metadata, int[] bandHandle, String description) {
        this.policy = policy;
        this.metadata = metadata;
        this.bandHandle = bandHandle;
        this.description = description;
    }

    /** The placement {@code policy} gives on {@code device}; fails when the policy names a handle the device lacks. */
    public static Placement of(BlockDevice device, PlacementPolicy policy) {
        FdpConfig fdp = device.fdp().orElse(null);
        if (!policy.enabled()) return new Placement(policy, IoOp.NO_PLACEMENT, null, "off (--placement off)");
        if (fdp == null) return new Placement(policy, IoOp.NO_PLACEMENT, null, "off: " + device.fdpAbsence());
        List<Integer> ids = fdp.placementIds();
        if (policy.metadataIndex() >= ids.size()) {
            throw new IllegalArgumentException("--placement metadata=" + policy.metadataIndex() + ": " + device.path()
                    + " has " + ids.size() + " placement handles (indexes 0.." + (ids.size() - 1) + ")");
        }
        int metadata = ids.get(policy.metadataIndex());
        List<Integer> data = new ArrayList<>(ids);
        data.remove(policy.metadataIndex());
        if (data.isEmpty()) data.add(metadata);
        int bands = policy.bandCount();
        int[] handle = new int[bands];
        StringBuilder d = new StringBuilder("metadata on placement id " + metadata + "; values by slot size:");
        for (int b = 0; b < bands; b++) {
            handle[b] = data.get((int) ((long) b * data.size() / bands));
            d.append(' ').append(bandName(policy, b)).append(" -> ").append(handle[b]).append(b + 1 < bands ? "," : "");
        }
        return new Placement(policy, metadata, handle, d.toString());
    }

    private static String bandName(PlacementPolicy p, int b) {
        long[] bounds = p.bands();
        if (b == 0) return "<" + (bounds.length == 0 ? "any" : human(bounds[0]));
        if (b == bounds.length) return ">=" + human(bounds[b - 1]);
        return human(bounds[b - 1]) + "-" + human(bounds[b]);
    }

    private static String human(long bytes) {
        if (bytes % (1L << 30) == 0) return (bytes >> 30) + "G";
        if (bytes % (1L << 20) == 0) return (bytes >> 20) + "M";
        if (bytes % (1L << 10) == 0) return (bytes >> 10) + "K";
        return Long.toString(bytes);
    }

    /** Whether writes carry placement identifiers. */
    public boolean on() {
        return bandHandle != null;
    }

    /** The placement identifier of metadata writes (superblock, journal, checkpoints), or NO_PLACEMENT. */
    public int metadata() {
        return metadata;
    }

    /**
     * The placement identifier of the writes of a value stored in a region of {@code slotBytes}
     * slots (the region's size class, not the bytes the value itself writes, so that a region's
     * values share a handle); NO_PLACEMENT when off.
     */
    public int forSlot(long slotBytes) {
        return bandHandle == null ? IoOp.NO_PLACEMENT : bandHandle[policy.band(slotBytes)];
    }

    /** The policy this placement applies. */
    public PlacementPolicy policy() {
        return policy;
    }

    /** One line for reports, e.g. "metadata on placement id 0; values by slot size: <64K -> 1, ...". */
    @Override
    public String toString() {
        return description;
    }
}
