package dev.rawblock.device;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The arena's huge-page region: where it starts, that it works as memory, and that closing frees it. */
class BufferArenaHugePageTest {
    @Test
    void largeRegionStartsOnAHugePageAndStillHandsOutAlignedBlocks() {
        Assumptions.assumeTrue(BufferArena.HUGE_PAGES, "huge pages are turned off for this JVM");
        try (BufferArena arena = new BufferArena(8L << 20, 4096)) {
            MemorySegment[] pieces = arena.registrationPieces();
            assertEquals(1, pieces.length);
            assertEquals(0, pieces[0].address() % BufferArena.HUGE_PAGE, "region at 0x" + Long.toHexString(pieces[0].address()));
            assertEquals(8L << 20, arena.capacity());
            IoBuffer b = arena.allocate(4L << 20);
            assertTrue(arena.fixedIndex(b.segment().address(), b.segment().byteSize()) >= 0, "a fixed buffer");
            b.segment().fill((byte) 7);
            assertEquals(7, b.segment().get(ValueLayout.JAVA_BYTE, (4L << 20) - 1));
            b.close();
        }
    }

    @Test
    void closingTheArenaUnmapsTheRegion() {
        BufferArena arena = new BufferArena(4L << 20, 4096);
        MemorySegment region = arena.registrationPieces()[0];
        region.set(ValueLayout.JAVA_LONG, 0, 42);
        arena.close();
        assertThrows(IllegalStateException.class, () -> region.get(ValueLayout.JAVA_LONG, 0));
    }

    @Test
    void smallRegionIsUnchanged() {
        try (BufferArena arena = new BufferArena(64 << 10, 4096)) {
            assertEquals(64 << 10, arena.capacity());
            assertEquals(0, arena.registrationPieces()[0].address() % 4096);
        }
    }
}
