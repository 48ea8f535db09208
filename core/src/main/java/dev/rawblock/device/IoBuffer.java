package dev.rawblock.device;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/** An aligned buffer from a {@link BufferArena}; {@link #close()} returns it for reuse (once). */
public final class IoBuffer implements AutoCloseable {
    private final BufferArena owner;
    private final int sizeClass;
    private final MemorySegment block;
    private final MemorySegment segment;
    private final AtomicBoolean released = new AtomicBoolean();

    IoBuffer(BufferArena owner, int sizeClass, MemorySegment block, MemorySegment segment) {
        this.owner = owner;
        this.sizeClass = sizeClass;
        this.block = block;
        this.segment = segment;
    }

    /** The memory: exactly the requested size, aligned to the arena's alignment. */
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public void close() {
        if (released.compareAndSet(false, true)) owner.release(sizeClass, block);
    }
}
