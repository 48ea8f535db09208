package dev.rawblock.store;

import dev.rawblock.device.BufferArena;
import dev.rawblock.device.IoBuffer;

import java.lang.foreign.MemorySegment;

/**
 * Memory for values on their way between a caller and the store ({@link Store#memory}): aligned
 * and registered with the device, so that a value put from it or loaded into it moves without a
 * copy. What a server allocates its value buffers from, without knowing the device below.
 */
public final class ValueMemory {
    private final BufferArena arena;

    /** Over an arena of the caller's (the store's is {@link Store#memory}). */
    public ValueMemory(BufferArena arena) {
        this.arena = arena;
    }

    /** The alignment of every buffer. */
    public int alignment() {
        return arena.alignment();
    }

    /** What a buffer of {@code bytes} takes from the memory: its size rounded up to the allocator's class. */
    public long footprint(long bytes) {
        return arena.footprint(bytes);
    }

    /** A buffer of at least {@code bytes} (exactly that many visible); closing it gives it back. */
    public Buffer allocate(long bytes) {
        return new Buffer(arena.allocate(bytes));
    }

    /** One buffer; its memory must not be used after {@link #close}. */
    public static final class Buffer implements AutoCloseable {
        private final IoBuffer buffer;

        private Buffer(IoBuffer buffer) {
            this.buffer = buffer;
        }

        public MemorySegment segment() {
            return buffer.segment();
        }

        @Override
        public void close() {
            buffer.close();
        }
    }
}
