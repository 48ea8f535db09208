package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceStats;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the store counts since it opened, grouped by the part of the store that counts it: the
 * cost of batches, puts, loads, I/O failures (reported by {@link Health}), and entries removed
 * other than by a delete. {@link Store#stats} reads them into a {@link StoreStats}.
 */
final class StoreCounters {
    /** What batches cost: lock holds of data operations and device submissions. */
    static final class Cost {
        final LongAdder lockAcquisitions = new LongAdder();
        final LongAdder batchSubmissions = new LongAdder();
    }

    /** Keys a put stored (or found stored) and keys it could not store. */
    static final class Puts {
        final LongAdder stored = new LongAdder();
        final LongAdder failed = new LongAdder();

        void count(PutResult result) {
            (result.stored() ? stored : failed).increment();
        }
    }

    /** Keys a load or a {@link ValueReader} served or missed, and slots that failed verification. */
    static final class Loads {
        final LongAdder hits = new LongAdder();
        final LongAdder misses = new LongAdder();
        final LongAdder checksumFailures = new LongAdder();

        void count(boolean hit) {
            (hit ? hits : misses).increment();
        }
    }

    /** Device reads and writes of slots that failed (a write's preparation failing counts too). */
    static final class Failures {
        final LongAdder readErrors = new LongAdder();
        final LongAdder writeErrors = new LongAdder();
    }

    /** Entries removed to make room, and because their expiry time passed. */
    static final class Removals {
        final LongAdder evictions = new LongAdder();
        final LongAdder expired = new LongAdder();
    }

    final Cost cost = new Cost();
    final Puts puts = new Puts();
    final Loads loads = new Loads();
    final Failures failures = new Failures();
    final Removals removals = new Removals();

    /** Under the catalog's lock: the counters, with the contents and space they count, as one {@link StoreStats}. */
    StoreStats snapshot(Catalog catalog, Superblock superblock, IoTracker io, Journal journal, Checkpointer checkpointer,
                        StoreRuntime runtime, List<BlockDevice> devices, MirrorStats mirror) {
        Space space = catalog.space;
        SizeClasses classes = catalog.classes;
        long[][] usage = space.classUsage(classes.count());
        List<StoreStats.ClassStats> perClass = new ArrayList<>();
        for (int c = 0; c < classes.count(); c++) {
            if (classes.slotBytes(c) == 0 || usage[c][1] == 0) continue;
            perClass.add(new StoreStats.ClassStats(classes.slotBytes(c), usage[c][0], usage[c][1]));
        }
        long regionBytes = superblock.regionBytes();
        long assigned = (long) (space.regionCount() - space.freeRegionCount()) * regionBytes;
        long slotTableBytes = 0;
        for (int r = 0; r < space.regionCount(); r++) slotTableBytes += 4L * space.region(r).slots.length;
        long nanos = io.lastSuccessNanos();
        long checkpointNanos = checkpointer.lastNanos();
        long now = runtime.nanoTime(); // read last, so neither age can come out negative
        return new StoreStats(catalog.index.size(), superblock.maxEntries(), catalog.storedPayloadBytes,
                space.usedSlotBytes(), (long) space.regionCount() * regionBytes, assigned, space.freeRegionCount(),
                space.regionCount(), List.copyOf(perClass), catalog.pinnedEntries, removals.evictions.sum(),
                loads.checksumFailures.sum(), failures.readErrors.sum(), failures.writeErrors.sum(),
                puts.stored.sum(), puts.failed.sum(), loads.hits.sum(), loads.misses.sum(), io.inFlight(),
                cost.batchSubmissions.sum(), journal.groups(), nanos == 0 ? -1 : (now - nanos) / 1_000_000,
                cost.lockAcquisitions.sum(), catalog.index.memoryBytes() + slotTableBytes, checkpointer.written(),
                checkpointer.failed(), journal.fill(), (now - checkpointNanos) / 1_000_000, catalog.expiringEntries,
                removals.expired.sum(), members(catalog, regionBytes, devices), mirror, catalog.cache.stats());
    }

    /**
     * Per device: on a span, each member's share; on one device, or on each member of a mirror
     * (where the space has one member and every device holds all of it), the whole.
     */
    private static List<StoreStats.MemberStats> members(Catalog catalog, long regionBytes, List<BlockDevice> devices) {
        List<StoreStats.MemberStats> members = new ArrayList<>(devices.size());
        boolean spread = catalog.space.members() == devices.size();
        for (int m = 0; m < devices.size(); m++) {
            DeviceStats io = devices.get(m).stats();
            int share = spread ? m : 0;
            members.add(new StoreStats.MemberStats(devices.get(m).path().toString(), catalog.memberPayloadBytes[share],
                    catalog.space.usedSlotBytes(share), catalog.space.regionCount(share) * regionBytes, io.operations(),
                    io.bytesRead(), io.bytesWritten(), io.inFlight()));
        }
        return List.copyOf(members);
    }
}
