package dev.rawblock.store;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * One change to the store's state as the journal records it ({@value #BYTES} bytes, little-endian).
 *
 * <pre>
 *   0  type    u8   PUT, DELETE, ASSIGN, EXPIRE or CLEAR
 *   4  slot    u32  PUT: the slot id; ASSIGN: the region
 *   8  fp hi   u64  PUT, DELETE: the key's fingerprint
 *  16  fp lo   u64
 *  24  length  u64  PUT: payload bytes; ASSIGN: the region's slot size; EXPIRE: the expiry time
 *  32  seq     u64  PUT: the slot header's write sequence number
 * </pre>
 *
 * @param type   {@link #PUT}, {@link #DELETE}, {@link #ASSIGN}, {@link #EXPIRE} or {@link #CLEAR}
 * @param slot   slot id (PUT) or region (ASSIGN)
 * @param fp     the key (PUT, DELETE, EXPIRE); null for ASSIGN
 * @param length payload bytes (PUT), slot size (ASSIGN), or epoch milliseconds of expiry, 0 for never (EXPIRE)
 * @param seq    write sequence number (PUT)
 */
record Change(byte type, int slot, Fingerprint fp, long length, long seq) {
    static final int BYTES = 40;
    /** The key is stored in the slot (written after its data was). */
    static final byte PUT = 1;
    /** The key is gone (deleted or evicted); its slot may be reused once this is durable. */
    static final byte DELETE = 2;
    /** The region was cut into slots of {@code length} bytes. */
    static final byte ASSIGN = 3;
    /**
     * The key's expiry time is now {@code length} (0: none). A PUT clears it; an expiring put
     * journals its EXPIRE right after its PUT, in the same group.
     */
    static final byte EXPIRE = 4;
    /** Every key written before this change is gone (FLUSHALL); slots it freed may be reused once it is durable. */
    static final byte CLEAR = 5;

    static Change put(Fingerprint fp, int slotId, long length, long seq) {
        return new Change(PUT, slotId, fp, length, seq);
    }

    static Change delete(Fingerprint fp) {
        return new Change(DELETE, 0, fp, 0, 0);
    }

    static Change expire(Fingerprint fp, long expiresAt) {
        return new Change(EXPIRE, 0, fp, expiresAt, 0);
    }

    static Change clear() {
        return new Change(CLEAR, 0, null, 0, 0);
    }

    static Change assign(int region, long slotBytes) {
        return new Change(ASSIGN, region, null, slotBytes, 0);
    }

    void encode(MemorySegment at) {
        at.asSlice(0, BYTES).fill((byte) 0);
        at.set(JAVA_BYTE, 0, type);
        at.set(JAVA_INT_UNALIGNED, 4, slot);
        if (fp != null) {
            at.set(JAVA_LONG_UNALIGNED, 8, fp.hi());
            at.set(JAVA_LONG_UNALIGNED, 16, fp.lo());
        }
        at.set(JAVA_LONG_UNALIGNED, 24, length);
        at.set(JAVA_LONG_UNALIGNED, 32, seq);
    }

    /** Decodes a change, or returns null for an unknown type. */
    static Change decode(MemorySegment at) {
        byte type = at.get(JAVA_BYTE, 0);
        if (type < PUT || type > CLEAR) return null;
        Fingerprint fp = type == ASSIGN || type == CLEAR ? null
                : new Fingerprint(at.get(JAVA_LONG_UNALIGNED, 8), at.get(JAVA_LONG_UNALIGNED, 16));
        return new Change(type, at.get(JAVA_INT_UNALIGNED, 4), fp, at.get(JAVA_LONG_UNALIGNED, 24),
                at.get(JAVA_LONG_UNALIGNED, 32));
    }
}
