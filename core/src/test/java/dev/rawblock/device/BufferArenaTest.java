package dev.rawblock.device;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where the arena's buffers come from: its region while it has room, of any size, whatever sizes came before. */
class BufferArenaTest {
    @Test
    void memoryReleasedAtOneSizeServesAnother() {
        try (BufferArena arena = new BufferArena(8L << 20, 4096)) {
            List<IoBuffer> small = new ArrayList<>();
            for (int i = 0; i < 2048; i++) small.add(arena.allocate(4096));
            assertEquals(0, arena.outsideBytes(), "2048 x 4 KiB fill the 8 MiB region");
            assertEquals(0, arena.freeBytes());
            small.forEach(IoBuffer::close);
            assertEquals(8L << 20, arena.freeBytes());

            IoBuffer a = arena.allocate(4L << 20);
            IoBuffer b = arena.allocate(3L << 20); // rounds up to 4 MiB
            for (IoBuffer x : List.of(a, b)) {
                assertTrue(arena.fixedIndex(x.segment().address(), x.segment().byteSize()) >= 0,
                        "a large buffer after many small ones is still a fixed buffer");
            }
            assertEquals(0, arena.outsideBytes());
            a.close();
            b.close();
        }
    }

    @Test
    void beyondTheRegionBuffersComeFromOrdinaryMemoryAndAreReused() {
        try (BufferArena arena = new BufferArena(1L << 20, 4096)) {
            IoBuffer inside = arena.allocate(1L << 20);
            IoBuffer outside = arena.allocate(64 << 10);
            assertEquals(-1, arena.fixedIndex(outside.segment().address(), outside.segment().byteSize()));
            assertEquals(64 << 10, arena.outsideBytes());
            outside.close();
            IoBuffer again = arena.allocate(64 << 10);
            assertEquals(64 << 10, arena.outsideBytes(), "the outside block is reused, not allocated again");
            again.close();
            inside.close();
            IoBuffer back = arena.allocate(64 << 10);
            assertTrue(arena.fixedIndex(back.segment().address(), back.segment().byteSize()) >= 0,
                    "with the region free again, its memory comes first");
            back.close();
        }
    }

    @Test
    void buffersAreAlignedAndExactlyTheSizeAskedFor() {
        try (BufferArena arena = new BufferArena(4L << 20, 4096)) {
            for (long bytes : new long[]{1, 4095, 4096, 5000, 65536, 100_000, 1L << 20}) {
                try (IoBuffer b = arena.allocate(bytes)) {
                    assertEquals(bytes, b.segment().byteSize());
                    assertEquals(0, b.segment().address() % 4096);
                    assertEquals(arena.footprint(bytes) <= 4L << 20, true);
                }
            }
        }
    }
}
