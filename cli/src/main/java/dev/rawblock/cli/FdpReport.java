package dev.rawblock.cli;

import dev.rawblock.cli.text.Json;
import dev.rawblock.cli.text.SizeParser;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.FdpConfig;
import dev.rawblock.device.FdpStatus;
import dev.rawblock.store.Placement;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code stats} says about Flexible Data Placement: the store's placement and, on an FDP
 * namespace, the drive's own figures (FDP statistics log: host and media bytes written, so the
 * write amplification; reclaim unit handle status: the handles that have taken writes).
 *
 * @param placement the store's placement (one line)
 * @param config    the namespace's FDP setup, or null without FDP
 * @param status    the drive's figures, read when the report was made, or null without FDP
 */
record FdpReport(String placement, FdpConfig config, FdpStatus status) {
    /**
     * Reads the figures from the store's device (two NVMe admin/management commands on an FDP
     * namespace). A read-only open writes nothing, so its placement is only what the default
     * would do here; the handles the drive reports used say what the writers did.
     */
    static FdpReport of(BlockDevice device, Placement placement, boolean readOnly) throws IOException {
        FdpConfig config = device.fdp().orElse(null);
        FdpStatus status = config == null ? null : device.fdpStatus().orElse(null);
        String text = placement.toString();
        if (readOnly && placement.on()) text = "chosen by serve --placement (auto here: " + text + ")";
        return new FdpReport(text, config, status);
    }

    void printHuman(PrintWriter out) {
        out.printf(Locale.ROOT, "  %-18s %s%n", "placement", placement);
        if (status == null) return;
        out.printf(Locale.ROOT, "  %-18s %d handles (placement ids %s), reclaim unit %s; used: %s%n", "fdp",
                config.placementIds().size(), config.placementIds(), SizeParser.format(config.reclaimUnitBytes()),
                status.handlesUsed());
        out.printf(Locale.ROOT, "  %-18s host %d B, media %d B written: write amplification %.3f (drive lifetime)%n",
                "fdp statistics", status.hostBytesWritten(), status.mediaBytesWritten(), status.writeAmplification());
    }

    /** The {@code fdp} object of {@code stats --json}: {@code enabled} false (and a reason) without FDP. */
    Json json() {
        Json j = new Json().put("enabled", status != null).put("placement", placement);
        if (status == null) return j;
        List<Json> handles = new ArrayList<>();
        for (FdpStatus.Handle h : status.handles()) {
            handles.add(new Json().put("placement_id", h.placementId()).put("handle_id", h.handleId())
                    .put("remaining_blocks", h.remainingBlocks()));
        }
        return j.put("endurance_group", config.enduranceGroup()).put("reclaim_unit_bytes", config.reclaimUnitBytes())
                .putLongs("placement_ids", config.placementIds()).putLongs("handles_used", status.handlesUsed())
                .put("host_bytes_written", status.hostBytesWritten()).put("media_bytes_written", status.mediaBytesWritten())
                .put("media_bytes_erased", status.mediaBytesErased()).put("write_amplification", status.writeAmplification())
                .putObjects("handles", handles);
    }
}
