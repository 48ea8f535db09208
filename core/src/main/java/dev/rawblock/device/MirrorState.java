package dev.rawblock.device;

/**
 * What a {@link MirrorDevice} reports about itself, for stats, INFO and metrics.
 *
 * @param state             "healthy" (both members up to date), "degraded" (one is out of date and
 *                          not written: I/O goes to the survivor only) or "rebuilding" (a
 *                          replacement is being copied onto while the set serves)
 * @param failedMember      the out-of-date member's place, or -1
 * @param resyncedBytes     bytes copied between the members by the resync of the last open
 * @param resyncedZones     zones that resync copied
 * @param rebuiltBytes      bytes the current or last rebuild copied so far
 * @param rebuildTotalBytes bytes that rebuild copies in all (0 when there was none)
 * @param markedZones       zones whose write-intent bit is set now
 * @param rounds            bitmap rounds (write and flush) since open
 */
public record MirrorState(String state, int failedMember, long resyncedBytes, int resyncedZones, long rebuiltBytes,
                          long rebuildTotalBytes, int markedZones, long rounds) {}
