package dev.rawblock.device;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One read or write of a whole buffer at a device offset: the unit a {@link BlockDevice} batch
 * is made of. The transfer length is {@code buffer.byteSize()}.
 *
 * @param kind   read into the buffer, or write from it
 * @param offset byte offset on the device; a multiple of {@link BlockDevice#alignment()}
 * @param buffer memory to transfer; its size must be a multiple of the alignment too. Native,
 *               aligned memory (best: from {@link BlockDevice#buffers()}) goes straight to the
 *               kernel; anything else is staged through an aligned buffer.
 */
public record IoOp(Kind kind, long offset, MemorySegment buffer) {
    /** The direction of an operation. */
    public enum Kind { READ, WRITE }

    public IoOp {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(buffer, "buffer");
    }

    /** Reads {@code buffer.byteSize()} bytes at {@code offset} into {@code buffer}. */
    public static IoOp read(long offset, MemorySegment buffer) {
        return new IoOp(Kind.READ, offset, buffer);
    }

    /** Writes all of {@code buffer} at {@code offset}. */
    public static IoOp write(long offset, MemorySegment buffer) {
        return new IoOp(Kind.WRITE, offset, buffer);
    }

    /** Bytes transferred when the operation succeeds. */
    public long length() {
        return buffer.byteSize();
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase() + " of " + length() + " bytes at offset " + offset;
    }
}
