package dev.rawblock.store;

import dev.rawblock.testkit.store.StoreFixture;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.FdpConfig;
import dev.rawblock.device.FdpStatus;
import dev.rawblock.device.IoOp;
import dev.rawblock.device.NvmeVm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * FDP placement by the store's policy, seen from the drive (in nvme-vm): metadata writes land on
 * the metadata handle and values on the handles of their size bands, in the reclaim unit handle
 * status and in the FDP statistics log; another policy moves them; a namespace without FDP runs
 * the same store with placement off.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class NvmeFdpPlacementTest {
    private static BlockDevice open(java.nio.file.Path ng) throws java.io.IOException {
        return BlockDevice.open(DeviceOptions.of(ng).withArenaBytes(32 << 20));
    }

    /** Blocks each placement id took between two readings of the handle status (RUAMW counts down). */
    private static Map<Integer, Long> taken(FdpStatus before, FdpStatus after) {
        Map<Integer, Long> start = new HashMap<>();
        for (FdpStatus.Handle h : before.handles()) start.put(h.placementId(), h.remainingBlocks());
        Map<Integer, Long> taken = new HashMap<>();
        long unit = after.reclaimUnitBytes() / after.blockBytes();
        for (FdpStatus.Handle h : after.handles()) {
            taken.put(h.placementId(), Math.floorMod(start.get(h.placementId()) - h.remainingBlocks(), unit));
        }
        return taken;
    }

    @Test
    void metadataAndValuesLandOnTheirOwnHandles() throws Exception {
        java.nio.file.Path ng = NvmeVm.ng();
        try (BlockDevice dev = open(ng)) {
            StoreFormat.format(dev, new FormatOptions(512L << 20, 32L << 20, 0));
        }
        try (BlockDevice dev = open(ng); Store store = Store.open(dev, StoreOptions.defaults())) {
            FdpConfig fdp = dev.fdp().orElseThrow();
            Placement placement = store.placement();
            assertTrue(placement.on(), placement.toString());
            System.out.println("placement: " + placement);
            int small = placement.forSlot(8 << 10), medium = placement.forSlot(256 << 10), large = placement.forSlot(4 << 20);
            int metadata = placement.metadata();
            assertEquals(fdp.placementIds().getFirst(), metadata, "the default puts metadata on the first handle");
            assertEquals(4, java.util.Set.of(metadata, small, medium, large).size(), "four distinct handles");

            FdpStatus before = dev.fdpStatus().orElseThrow();
            List<byte[]> keys = new ArrayList<>();
            List<MemorySegment> values = new ArrayList<>();
            for (int i = 0; i < 16; i++) add(keys, values, "small-" + i, 4000);
            for (int i = 0; i < 4; i++) add(keys, values, "medium-" + i, 200 << 10);
            for (int i = 0; i < 3; i++) add(keys, values, "large-" + i, 3 << 20);
            for (PutResult r : store.putMany(keys, values)) assertEquals(PutResult.STORED, r);
            store.checkpoint();
            FdpStatus after = dev.fdpStatus().orElseThrow();

            Map<Integer, Long> taken = taken(before, after);
            System.out.println("blocks taken per placement id: " + taken);
            for (int id : List.of(metadata, small, medium, large)) assertTrue(taken.get(id) > 0, "id " + id + " took writes");
            long valueBlocks = taken.get(small) + taken.get(medium) + taken.get(large);
            long payload = values.stream().mapToLong(MemorySegment::byteSize).sum();
            assertTrue(valueBlocks * after.blockBytes() >= payload, "the values are all on their handles");
            for (int id : fdp.placementIds()) {
                if (!List.of(metadata, small, medium, large).contains(id)) assertEquals(0, taken.get(id), "id " + id);
            }
            assertTrue(taken.get(large) * after.blockBytes() >= 9L << 20);
            long sum = taken.values().stream().mapToLong(Long::longValue).sum();
            assertEquals(sum * after.blockBytes(), after.hostBytesWritten() - before.hostBytesWritten(),
                    "the statistics log counts every block the handles took");
            assertTrue(after.mediaBytesWritten() - before.mediaBytesWritten() >= sum * after.blockBytes());
            assertTrue(after.handlesUsed().containsAll(List.of(metadata, small, medium, large)), after.handlesUsed().toString());
            System.out.printf("FDP: handles used %s, host bytes written %d, media bytes written %d, WAF %.3f%n",
                    after.handlesUsed(), after.hostBytesWritten(), after.mediaBytesWritten(), after.writeAmplification());
        }
    }

    @Test
    void anotherPolicyMovesMetadata() throws Exception {
        java.nio.file.Path ng = NvmeVm.ng();
        try (BlockDevice dev = open(ng)) {
            StoreFormat.format(dev, new FormatOptions(256L << 20, 4L << 20, 0));
        }
        int last = NvmeVm.handles() - 1;
        PlacementPolicy policy = PlacementPolicy.parse("metadata=" + last + ",bands=1m");
        try (BlockDevice dev = open(ng); Store store = Store.open(dev, StoreOptions.defaults().withPlacement(policy))) {
            int metadata = store.placement().metadata();
            assertEquals(dev.fdp().orElseThrow().placementIds().get(last), metadata);
            FdpStatus before = dev.fdpStatus().orElseThrow();
            assertEquals(PutResult.STORED, store.putMany(List.of(StoreFixture.key("k")), List.of(StoreFixture.value(9, 4096)))[0]);
            store.checkpoint();
            Map<Integer, Long> taken = taken(before, dev.fdpStatus().orElseThrow());
            assertTrue(taken.get(metadata) > 0, "journal and checkpoint on id " + metadata + ": " + taken);
            assertTrue(taken.get(store.placement().forSlot(8192)) > 0, taken.toString());
        }
        try (BlockDevice dev = open(ng)) {
            assertThrows(IllegalArgumentException.class, () -> Store.open(dev,
                    StoreOptions.defaults().withPlacement(PlacementPolicy.parse("metadata=" + (last + 1)))));
        }
    }

    /**
     * The band follows the region's slot size, not the bytes a value writes: a value of 250
     * blocks lands in the geometric class of 256-block (1 MiB) slots, as does one of exactly
     * 256 blocks, and with a band boundary at 1 MiB both go to the handle of the 1 MiB band, so
     * the region's writes share one handle (by write size the first would take the band below).
     */
    @Test
    void aRegionsValuesShareOneHandleAcrossABandBoundary() throws Exception {
        java.nio.file.Path ng = NvmeVm.ng();
        try (BlockDevice dev = open(ng)) {
            StoreFormat.format(dev, new FormatOptions(256L << 20, 4L << 20, 0));
        }
        PlacementPolicy policy = PlacementPolicy.parse("metadata=0,bands=1m");
        try (BlockDevice dev = open(ng); Store store = Store.open(dev, StoreOptions.defaults().withPlacement(policy))) {
            Placement placement = store.placement();
            int below = placement.forSlot((1 << 20) - 4096), at = placement.forSlot(1 << 20);
            assertNotEquals(below, at, placement.toString());
            int block = 4096;
            long shortBytes = 249L * block, fullBytes = 255L * block; // + 1 header block: 250 and 256 blocks
            assertEquals(250L * block, SlotHeader.slotBytes(StoreFixture.key("short").length, shortBytes, block));
            assertEquals(256L * block, SlotHeader.slotBytes(StoreFixture.key("full").length, fullBytes, block));

            FdpStatus before = dev.fdpStatus().orElseThrow();
            // The short value first: its geometric class (256 blocks) is made for it; the full one fits it exactly.
            assertEquals(PutResult.STORED, store.putMany(List.of(StoreFixture.key("short")),
                    List.of(StoreFixture.value(1, (int) shortBytes)))[0]);
            assertEquals(PutResult.STORED, store.putMany(List.of(StoreFixture.key("full")),
                    List.of(StoreFixture.value(2, (int) fullBytes)))[0]);
            FdpStatus after = dev.fdpStatus().orElseThrow();
            assertEquals(List.of(1L << 20), store.stats().classes().stream().map(StoreStats.ClassStats::slotBytes).toList(),
                    "both values are in one size class of 1 MiB slots");
            Map<Integer, Long> taken = taken(before, after);
            System.out.println("straddling values, blocks taken per placement id: " + taken);
            assertEquals(0, taken.get(below), "nothing of the 1 MiB region went to the band below: " + taken);
            assertTrue(taken.get(at) >= 250 + 256, "both values on the 1 MiB band's handle: " + taken);
        }
    }

    @Test
    void aNamespaceWithoutFdpRunsWithPlacementOff() throws Exception {
        java.nio.file.Path ng = NvmeVm.plainNg();
        try (BlockDevice dev = open(ng)) {
            StoreFormat.format(dev, new FormatOptions(256L << 20, 4L << 20, 0));
        }
        try (BlockDevice dev = open(ng); Store store = Store.open(dev, StoreOptions.defaults())) {
            assertFalse(store.placement().on());
            assertEquals(IoOp.NO_PLACEMENT, store.placement().forSlot(1 << 20));
            assertTrue(store.placement().toString().contains("does not support FDP"), store.placement().toString());
            MemorySegment v = StoreFixture.value(4, 300 << 10);
            assertEquals(PutResult.STORED, store.putMany(List.of(StoreFixture.key("p")), List.of(v))[0]);
            MemorySegment dst = MemorySegment.ofArray(new byte[300 << 10]);
            assertEquals(v.byteSize(), store.loadMany(List.of(StoreFixture.key("p")), List.of(dst))[0]);
            assertEquals(-1, dst.mismatch(v));
        }
    }

    private static void add(List<byte[]> keys, List<MemorySegment> values, String key, int size) {
        keys.add(StoreFixture.key(key));
        values.add(StoreFixture.value(key.hashCode(), size));
    }
}
