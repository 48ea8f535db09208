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
 * @param placement for a write on a namespace with Flexible Data Placement, the placement
 *               identifier the write carries (one of {@link FdpConfig#placementIds()}), or
 *               {@link #NO_PLACEMENT}: the device's default. Reads ignore it.
 */
public record IoOp(Kind kind, long offset, MemorySegment buffer, int placement) {
    /** No placement directive. */
    public static final int NO_PLACEMENT = -1;

    /** The direction of an operation. */
    public enum Kind { READ, WRITE }

    public IoOp {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(buffer, "buffer");
        if (placement < NO_PLACEMENT || placement > 0xffff) {
            throw new IllegalArgumentException("placement identifier must be 0..65535 (or none), got " + placement);
        }
    }

    /** An operation without a placement directive. */
    public IoOp(Kind kind, long offset, MemorySegment buffer) {
        this(kind, offset, buffer, NO_PLACEMENT);
    }

    /** A write of all of {@code buffer} at {@code offset} that carries placement identifier {@code placement}. */
    public static IoOp write(long offset, MemorySegment buffer, int placement) {
        return new IoOp(Kind.WRITE, offset, buffer, placement);
    }

    /** This operation with another placement. */
    public IoOp withPlacement(int placement) {
        return new IoOp(kind, offset, buffer, placement);
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
        return kind.name().toLowerCase() + " of " + length() + " bytes at offset " + offset
                + (placement == NO_PLACEMENT || kind == Kind.READ ? "" : " (placement " + placement + ")");
    }
}
