package dev.rawblock.store;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * The self-describing header of every slot: it proves which key the slot holds, how long the
 * value is, when it was written, and that neither header nor payload changed since.
 *
 * <pre>
 * image: [ header block(s) ............... | payload, zero-padded to the block ]
 *        [ fixed 64 B | key | inline value ]
 *
 * fixed part (little-endian):
 *   0  magic        u64  "RBSLOT01"
 *   8  header crc   u32  CRC32C of bytes 12 .. end of key (and inline value)
 *  12  version      u16  1
 *  14  flags        u16  bit 0: the value is inline, inside the header block
 *  16  store id     u64  low half of the store's id: a slot of an earlier format never matches
 *  24  seq          u64  write sequence number (recovery keeps the newest)
 *  32  fp hi, lo   2u64  the key's {@link Fingerprint}
 *  48  length       u64  payload bytes (unpadded)
 *  56  payload crc  u32  CRC32C of the payload bytes
 *  60  key length   u32
 *  64  key bytes, then the value when inline
 * </pre>
 *
 * A value that fits beside its key in one block lives inside the header block (LMCache's 28-byte
 * {@code <key>metadata} values take one 4 KiB slot, not a chunk). Otherwise the header takes
 * enough blocks for the key and the payload starts at the next block.
 *
 * <p>This class encodes and checks the <em>image</em> of a slot, one contiguous run of bytes;
 * {@link SlotLayout} says where on the device it lives: from the slot's start, or, in a large slot,
 * with its first block in the header table and the rest from the slot's start (so {@link #slotBytes}
 * and {@link #ioBytes} are the image's size; {@link SlotLayout#need} is what a slot must have).
 */
public final class SlotHeader {
    private SlotHeader() {}

    public static final long MAGIC = 0x3130544f4c534252L; // "RBSLOT01" as little-endian bytes
    public static final int VERSION = 1;
    public static final int FIXED_BYTES = 64;
    public static final int FLAG_INLINE = 1;
    /** Keys longer than this are refused (a header of at most 5 blocks). */
    public static final int MAX_KEY_BYTES = 16 * 1024;

    static final int OFF_MAGIC = 0, OFF_HEADER_CRC = 8, OFF_VERSION = 12, OFF_FLAGS = 14, OFF_STORE_ID = 16,
            OFF_SEQ = 24, OFF_FP_HI = 32, OFF_FP_LO = 40, OFF_LENGTH = 48, OFF_PAYLOAD_CRC = 56, OFF_KEY_LEN = 60;

    // The fixed part of a header ends where the key begins.
    static {
        if (OFF_KEY_LEN + Integer.BYTES != FIXED_BYTES) throw new AssertionError("the fixed header fields do not end at " + FIXED_BYTES);
    }

    /** Whether a value of {@code length} bytes is stored inside the header block of a key of {@code keyLength}. */
    public static boolean inline(int keyLength, long length, int block) {
        return FIXED_BYTES + keyLength + length <= block;
    }

    /** Bytes of header blocks: where the payload starts within the slot. */
    public static int headerBytes(int keyLength, long length, int block) {
        if (inline(keyLength, length, block)) return block;
        return roundUp(FIXED_BYTES + keyLength, block);
    }

    /** Bytes of the image of this key and value (a slot keeping all of it must have that many). */
    public static long slotBytes(int keyLength, long length, int block) {
        if (inline(keyLength, length, block)) return block;
        return headerBytes(keyLength, length, block) + roundUp(length, block);
    }

    /** Bytes written (and read back) for this key and value: the header blocks and the padded payload. */
    public static long ioBytes(int keyLength, long length, int block) {
        return slotBytes(keyLength, length, block);
    }

    static int roundUp(long v, int block) {
        return (int) ((v + block - 1) / block * block);
    }

    /**
     * Writes header, key and value into {@code slot} (the memory to be written at the slot's
     * offset, {@link #ioBytes} long) and zeroes the padding.
     */
    public static void encode(MemorySegment slot, byte[] key, Fingerprint fp, long storeId, long seq,
                              MemorySegment value, int block) {
        long length = value.byteSize();
        boolean inline = inline(key.length, length, block);
        int headerBytes = headerBytes(key.length, length, block);
        long payloadAt = inline ? FIXED_BYTES + key.length : headerBytes;
        MemorySegment.copy(value, 0, slot, payloadAt, length);
        if (!inline) slot.asSlice(payloadAt + length, slot.byteSize() - payloadAt - length).fill((byte) 0);
        writeHeader(slot, key, fp, storeId, seq, length, crc(slot.asSlice(payloadAt, length)), inline, block);
    }

    /**
     * Writes only the header blocks ({@link #headerBytes} long) of a value that is not inline; the
     * payload is written from the caller's memory as it is (zero-copy), right after them.
     */
    public static void encodeHeader(MemorySegment header, byte[] key, Fingerprint fp, long storeId, long seq,
                                    MemorySegment value, int block) {
        writeHeader(header, key, fp, storeId, seq, value.byteSize(), crc(value), false, block);
    }

    /** As {@link #encodeHeader(MemorySegment, byte[], Fingerprint, long, long, MemorySegment, int)}, for a payload written in pieces whose CRC32C is already known. */
    static void encodeHeader(MemorySegment header, byte[] key, Fingerprint fp, long storeId, long seq, long length,
                             int payloadCrc, int block) {
        writeHeader(header, key, fp, storeId, seq, length, payloadCrc, false, block);
    }

    private static void writeHeader(MemorySegment at, byte[] key, Fingerprint fp, long storeId, long seq,
                                    long length, int payloadCrc, boolean inline, int block) {
        MemorySegment.copy(MemorySegment.ofArray(key), 0, at, FIXED_BYTES, key.length);
        long headerEnd = FIXED_BYTES + key.length + (inline ? length : 0);
        at.asSlice(headerEnd, (inline ? block : headerBytes(key.length, length, block)) - headerEnd).fill((byte) 0);
        at.set(JAVA_LONG_UNALIGNED, OFF_MAGIC, MAGIC);
        at.set(JAVA_SHORT_UNALIGNED, OFF_VERSION, (short) VERSION);
        at.set(JAVA_SHORT_UNALIGNED, OFF_FLAGS, (short) (inline ? FLAG_INLINE : 0));
        at.set(JAVA_LONG_UNALIGNED, OFF_STORE_ID, storeId);
        at.set(JAVA_LONG_UNALIGNED, OFF_SEQ, seq);
        at.set(JAVA_LONG_UNALIGNED, OFF_FP_HI, fp.hi());
        at.set(JAVA_LONG_UNALIGNED, OFF_FP_LO, fp.lo());
        at.set(JAVA_LONG_UNALIGNED, OFF_LENGTH, length);
        at.set(JAVA_INT_UNALIGNED, OFF_PAYLOAD_CRC, payloadCrc);
        at.set(JAVA_INT_UNALIGNED, OFF_KEY_LEN, key.length);
        at.set(JAVA_INT_UNALIGNED, OFF_HEADER_CRC, crc(at.asSlice(OFF_VERSION, headerEnd - OFF_VERSION)));
    }

    /**
     * Checks that {@code slot} (as read from the device, at least {@link #ioBytes} long for the
     * expected key and length) holds exactly {@code key} with a value of {@code length} bytes
     * written by this store, and that both checksums hold.
     *
     * @return null when it does, else why not (for counters and logs)
     */
    public static String verify(MemorySegment slot, byte[] key, long storeId, long length, int block) {
        String problem = verifyHeaderOf(slot, key, storeId, length, block);
        return problem != null ? problem : verifyPayload(slot, payload(slot, key.length, length, block));
    }

    /**
     * {@link #verify} for a slot read in two pieces: its header blocks and (zero-copy, into the
     * caller's memory) its payload of {@code length} bytes.
     */
    public static String verify(MemorySegment header, MemorySegment payload, byte[] key, long storeId, long length,
                                int block) {
        String problem = verifyHeaderOf(header, key, storeId, length, block);
        return problem != null ? problem : verifyPayload(header, payload);
    }

    static String verifyHeaderOf(MemorySegment slot, byte[] key, long storeId, long length, int block) {
        if (slot.get(JAVA_LONG_UNALIGNED, OFF_MAGIC) != MAGIC) return "no slot header (bad magic)";
        int keyLen = slot.get(JAVA_INT_UNALIGNED, OFF_KEY_LEN);
        if (keyLen != key.length) return "header names another key (key length " + keyLen + ")";
        long storedLength = slot.get(JAVA_LONG_UNALIGNED, OFF_LENGTH);
        if (storedLength != length) return "header length " + storedLength + " differs from the index's " + length;
        boolean inline = (slot.get(JAVA_SHORT_UNALIGNED, OFF_FLAGS) & FLAG_INLINE) != 0;
        if (inline != inline(keyLen, length, block)) return "header layout flag is inconsistent";
        long headerEnd = FIXED_BYTES + keyLen + (inline ? length : 0);
        if (crc(slot.asSlice(OFF_VERSION, headerEnd - OFF_VERSION)) != slot.get(JAVA_INT_UNALIGNED, OFF_HEADER_CRC)) {
            return "header checksum mismatch";
        }
        if (slot.get(JAVA_SHORT_UNALIGNED, OFF_VERSION) != VERSION) return "unsupported header version";
        if (slot.get(JAVA_LONG_UNALIGNED, OFF_STORE_ID) != storeId) return "slot was written by another store";
        if (MemorySegment.ofArray(key).mismatch(slot.asSlice(FIXED_BYTES, keyLen)) != -1) {
            return "header names another key";
        }
        return null;
    }

    private static String verifyPayload(MemorySegment header, MemorySegment payload) {
        return crc(payload) == payloadCrc(header) ? null : "payload checksum mismatch";
    }

    /** The CRC32C of the payload, as the header records it. */
    static int payloadCrc(MemorySegment header) {
        return header.get(JAVA_INT_UNALIGNED, OFF_PAYLOAD_CRC);
    }

    /**
     * Bytes at the start of a slot that {@link #verifyHeader} needs (the fixed part, the key and an
     * inline value), or -1 when {@code first} (the slot's first block) holds no slot header.
     */
    public static long headerLength(MemorySegment first) {
        if (first.get(JAVA_LONG_UNALIGNED, OFF_MAGIC) != MAGIC) return -1;
        long keyLen = Integer.toUnsignedLong(first.get(JAVA_INT_UNALIGNED, OFF_KEY_LEN));
        boolean inline = (first.get(JAVA_SHORT_UNALIGNED, OFF_FLAGS) & FLAG_INLINE) != 0;
        long length = first.get(JAVA_LONG_UNALIGNED, OFF_LENGTH);
        if (keyLen > MAX_KEY_BYTES || length < 0) return -1;
        return FIXED_BYTES + keyLen + (inline ? length : 0);
    }

    /**
     * Recovery's check of a slot named by the journal: the header (its first
     * {@link #headerLength} bytes) is intact and records exactly this key fingerprint, length and
     * write sequence number of this store. The payload is checked later, by every load.
     *
     * @return null when it does, else why not
     */
    public static String verifyHeader(MemorySegment header, Fingerprint fp, long storeId, long length, long seq) {
        long n = headerLength(header);
        if (n < 0) return "no slot header";
        if (header.byteSize() < n) return "header is cut short";
        if (crc(header.asSlice(OFF_VERSION, n - OFF_VERSION)) != header.get(JAVA_INT_UNALIGNED, OFF_HEADER_CRC)) {
            return "header checksum mismatch";
        }
        if (header.get(JAVA_LONG_UNALIGNED, OFF_STORE_ID) != storeId) return "slot was written by another store";
        if (header.get(JAVA_LONG_UNALIGNED, OFF_FP_HI) != fp.hi() || header.get(JAVA_LONG_UNALIGNED, OFF_FP_LO) != fp.lo()) {
            return "slot holds another key";
        }
        if (header.get(JAVA_LONG_UNALIGNED, OFF_LENGTH) != length) return "slot holds another length";
        if (header.get(JAVA_LONG_UNALIGNED, OFF_SEQ) != seq) return "slot holds another write";
        return null;
    }

    /**
     * fsck's check of a whole slot when only the key's fingerprint is known: the header as
     * {@link #verifyHeader} checks it (without the sequence number) and the payload checksum.
     */
    public static String verifySlot(MemorySegment slot, Fingerprint fp, long storeId, long length, int block) {
        long n = headerLength(slot);
        if (n < 0) return "no slot header";
        String problem = verifyHeader(slot, fp, storeId, length, slot.get(JAVA_LONG_UNALIGNED, OFF_SEQ));
        if (problem != null) return problem;
        int keyLen = slot.get(JAVA_INT_UNALIGNED, OFF_KEY_LEN);
        if (slot.byteSize() < ioBytes(keyLen, length, block)) return "slot is cut short";
        if (crc(payload(slot, keyLen, length, block)) != slot.get(JAVA_INT_UNALIGNED, OFF_PAYLOAD_CRC)) {
            return "payload checksum mismatch";
        }
        return null;
    }

    /** The key stored in a header that {@link #verifyHeader} accepted. */
    public static byte[] key(MemorySegment header) {
        int keyLen = header.get(JAVA_INT_UNALIGNED, OFF_KEY_LEN);
        return header.asSlice(FIXED_BYTES, keyLen).toArray(JAVA_BYTE);
    }

    /** The payload inside a slot read from the device. */
    public static MemorySegment payload(MemorySegment slot, int keyLength, long length, int block) {
        long at = inline(keyLength, length, block) ? FIXED_BYTES + keyLength : headerBytes(keyLength, length, block);
        return slot.asSlice(at, length);
    }

    /** The write sequence number in a header (valid only after {@link #verify}). */
    public static long seq(MemorySegment slot) {
        return slot.get(JAVA_LONG_UNALIGNED, OFF_SEQ);
    }

    static int crc(MemorySegment bytes) {
        CRC32C crc = new CRC32C();
        boolean byteArray = bytes.isNative() || bytes.heapBase().map(b -> b instanceof byte[]).orElse(false);
        crc.update(byteArray ? bytes.asByteBuffer() : ByteBuffer.wrap(bytes.toArray(JAVA_BYTE)));
        return (int) crc.getValue();
    }
}
