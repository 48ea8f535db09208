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

    /** Bytes of registered memory (the arena's region): buffers from it are fixed buffers on huge pages. */
    public long registeredBytes() {
        return arena.capacity();
    }

    /** Bytes of registered memory not in use now. */
    public long freeBytes() {
        return arena.freeBytes();
    }

    /**
     * Bytes of buffers that had to come from ordinary memory because the registered memory was
     * all in use (kept for reuse, never given back): each of their transfers costs the kernel a
     * page walk, so a figure that grows means the registered memory is too small for the load.
     */
    public long outsideBytes() {
        return arena.outsideBytes();
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
