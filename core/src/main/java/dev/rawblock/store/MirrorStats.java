package dev.rawblock.store;

/**
 * The state of a store's mirror (two devices that each hold every byte), for stats, INFO and
 * metrics; see {@code MirrorDevice}.
 *
 * @param state             "healthy", "degraded" (one member is out of date: I/O goes to the other)
 *                          or "rebuilding" (a replacement is being copied onto while the store serves)
 * @param failedMember      the out-of-date member's place, or -1
 * @param resyncedBytes     bytes the resync at open copied between the members (zones marked by a crash)
 * @param resyncedZones     zones that resync copied
 * @param rebuiltBytes      bytes the current or last rebuild copied so far
 * @param rebuildTotalBytes bytes that rebuild copies in all (0 when there was none)
 * @param markedZones       zones whose write-intent bit is set now
 * @param rounds            write-intent rounds (bitmap write and flush) since open
 */
public record MirrorStats(String state, int failedMember, long resyncedBytes, int resyncedZones, long rebuiltBytes,
                          long rebuildTotalBytes, int markedZones, long rounds) {}
