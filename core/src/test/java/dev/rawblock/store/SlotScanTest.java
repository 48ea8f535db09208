package dev.rawblock.store;

import dev.rawblock.device.BufferArena;
import dev.rawblock.device.IoOp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The one batched slot read: how it cuts batches, pipelines them, and hands each slot to its check in order. */
class SlotScanTest {
    private static final int BLOCK = 512;
    private final BufferArena arena = new BufferArena(1 << 20, BLOCK);
    /** What the "device" holds: byte i is (i / BLOCK) mod 251, so every block says where it is. */
    private final List<String> log = new ArrayList<>();
    private final List<Long> failing = new ArrayList<>();

    @AfterEach
    void close() {
        arena.close();
    }

    private record Slot(SlotLayout.Place place, long readBytes) implements SlotScan.Target {}

    /** A slot of one run at {@code offset}. */
    private static Slot small(long offset, long bytes) {
        return new Slot(new SlotLayout.Place(offset, offset + BLOCK, BLOCK), bytes);
    }

    private static byte at(long offset) {
        return (byte) ((offset / BLOCK) % 251);
    }

    private List<CompletableFuture<Void>> submit(List<IoOp> ops) {
        log.add("submit " + ops.size());
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (IoOp op : ops) {
            if (failing.contains(op.offset())) {
                done.add(CompletableFuture.failedFuture(new IllegalStateException("bad block at " + op.offset())));
                continue;
            }
            for (long i = 0; i < op.buffer().byteSize(); i++) op.buffer().set(JAVA_BYTE, i, at(op.offset() + i));
            done.add(CompletableFuture.completedFuture(null));
        }
        return done;
    }

    private SlotScan scan(long maxBatchBytes, int maxBatchSlots, int inFlight) {
        return new SlotScan(arena, this::submit, maxBatchBytes, maxBatchSlots, inFlight);
    }

    @Test
    void cutsBatchesByBytesAndBySlots() {
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < 7; i++) slots.add(small((long) i * 4 * BLOCK, BLOCK));
        scan(3 * BLOCK, Integer.MAX_VALUE, 1).read(slots, (i, image, failure) -> { }, n -> log.add("checked " + n));
        assertEquals(List.of("submit 3", "checked 3", "submit 3", "checked 6", "submit 1", "checked 7"), log);
        log.clear();
        scan(Long.MAX_VALUE, 2, 1).read(slots, (i, image, failure) -> { }, n -> { });
        assertEquals(List.of("submit 2", "submit 2", "submit 2", "submit 1"), log);
    }

    @Test
    void aSlotLargerThanTheCapIsABatchOfItsOwn() {
        List<Slot> slots = List.of(small(0, BLOCK), small(8 * BLOCK, 4 * BLOCK), small(16 * BLOCK, BLOCK));
        scan(2 * BLOCK, Integer.MAX_VALUE, 1).read(slots, (i, image, failure) -> { }, n -> { });
        assertEquals(List.of("submit 1", "submit 1", "submit 1"), log);
    }

    @Test
    void checksEachSlotInOrderWithItsBytes() {
        List<Slot> slots = List.of(small(5L * BLOCK, BLOCK), small(9L * BLOCK, 2 * BLOCK), small(2L * BLOCK, BLOCK));
        List<Integer> order = new ArrayList<>();
        scan(Long.MAX_VALUE, Integer.MAX_VALUE, 1).read(slots, (i, image, failure) -> {
            assertNull(failure);
            order.add(i);
            assertEquals(slots.get(i).readBytes(), image.byteSize());
            for (long b = 0; b < image.byteSize(); b += BLOCK) {
                assertEquals(at(slots.get(i).place().first() + b), image.get(JAVA_BYTE, b));
            }
        }, n -> { });
        assertEquals(List.of(0, 1, 2), order);
    }

    @Test
    void readsALargeSlotsImageFromItsTwoPlaces() {
        // The first block in a header table far away, the rest at the slot.
        Slot large = new Slot(new SlotLayout.Place(100L * BLOCK, 10L * BLOCK, BLOCK), 3 * BLOCK);
        byte[][] seen = new byte[3][];
        scan(Long.MAX_VALUE, Integer.MAX_VALUE, 1).read(List.of(large), (i, image, failure) -> {
            for (int b = 0; b < 3; b++) seen[b] = new byte[] {image.get(JAVA_BYTE, (long) b * BLOCK)};
        }, n -> { });
        assertEquals(List.of("submit 2"), log);
        assertArrayEquals(new byte[] {at(100L * BLOCK)}, seen[0]);
        assertArrayEquals(new byte[] {at(10L * BLOCK)}, seen[1]);
        assertArrayEquals(new byte[] {at(11L * BLOCK)}, seen[2]);
    }

    @Test
    void keepsBatchesInFlightAndChecksTheOldestFirst() {
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < 5; i++) slots.add(small((long) i * BLOCK, BLOCK));
        scan(Long.MAX_VALUE, 1, 2).read(slots, (i, image, failure) -> log.add("check " + i), n -> { });
        assertEquals(List.of("submit 1", "submit 1", "check 0", "submit 1", "check 1", "submit 1", "check 2",
                "submit 1", "check 3", "check 4"), log);
    }

    @Test
    void aFailedReadFailsItsSlotAlone() {
        failing.add(3L * BLOCK);
        List<Slot> slots = List.of(small(0, BLOCK), small(3L * BLOCK, BLOCK), small(6L * BLOCK, BLOCK));
        List<RuntimeException> failures = new ArrayList<>();
        scan(Long.MAX_VALUE, Integer.MAX_VALUE, 1).read(slots, (i, image, failure) -> failures.add(failure), n -> { });
        assertNull(failures.get(0));
        assertNotNull(failures.get(1));
        assertNull(failures.get(2));
    }

    @Test
    void aCheckThatThrowsEndsTheScanAfterItsReads() {
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < 4; i++) slots.add(small((long) i * BLOCK, BLOCK));
        assertThrows(IllegalStateException.class, () -> scan(Long.MAX_VALUE, 1, 2).read(slots, (i, image, failure) -> {
            if (i == 1) throw new IllegalStateException("stop");
        }, n -> { }));
        // The batches in flight were waited for and given back: the arena can hand out all its memory again.
        arena.allocate(1 << 19).close();
    }

    @Test
    void runsKeepAtLeastOneItemAndTheirCaps() {
        List<int[]> runs = SlotScan.runs(5, i -> i == 2 ? 10 : 1, 3, 2);
        assertEquals(List.of("0-2", "2-3", "3-5"), runs.stream().map(r -> r[0] + "-" + r[1]).toList());
        assertEquals(0, SlotScan.runs(0, i -> 1, 1, 1).size());
    }
}
