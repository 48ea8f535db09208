package dev.rawblock.store;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * The store's identity and geometry, written by {@code format} to the first two blocks of the
 * device (two identical copies, so a torn format write leaves one readable) and checked at every
 * open. A device whose superblock is missing, corrupt, of another version or of another geometry
 * is refused with a message: rawblock never starts empty over someone else's data.
 *
 * <pre>
 * 0          4096        8192                            regionBase                       capacity
 * | copy A   | copy B    | metadata area | header table  | region 0 | region 1 | ... |    |
 *
 * superblock (little-endian, zero-padded to one block):
 *   0  magic          u64  "RAWBLOCK"
 *   8  crc            u32  CRC32C of bytes 12..127
 *  12  version        u32  {@value #VERSION}; older ones are read as what they are: 1 (before entries had
 *                          expiry times: 24-byte checkpoint entries, no expiry) and 2 (no header table:
 *                          every slot keeps its header inline, see {@link SlotLayout})
 *  16  store id       2u64 random at format
 *  32  block bytes    u32  unit of every offset and length
 *  36  (reserved)     u32
 *  40  capacity       u64  bytes of the device the store uses
 *  48  region bytes   u64
 *  56  region count   u32
 *  60  (reserved)     u32
 *  64  region base    u64  offset of region 0
 *  72  meta offset    u64  checkpoint and journal area
 *  80  meta bytes     u64
 *  88  max entries    u64  index capacity (and checkpoint sizing)
 *  96  created        u64  epoch milliseconds
 * 104  header table   u64  offset of the large slots' header table (version 3; 0 before)
 * 112  table bytes    u64  its size: one block per possible large slot of every region
 * </pre>
 */
public record Superblock(long storeIdHi, long storeIdLo, int blockBytes, long capacity, long regionBytes,
                         int regionCount, long regionBase, long metaOffset, long metaBytes, long maxEntries,
                         long createdMillis, int version, long headerTable, long headerTableBytes) {
    public static final long MAGIC = 0x4b434f4c42574152L; // "RAWBLOCK" as little-endian bytes
    public static final int VERSION = 3;
    /**
     * The smallest block a store has: its block is the larger of this and the device's direct I/O
     * alignment, so on the usual devices (512-byte or 4 KiB sectors) and files it is this.
     */
    public static final int MIN_BLOCK_BYTES = 4096;
    /** The oldest format this rawblock still opens. */
    static final int OLDEST_VERSION = 1;
    static final int ENCODED_BYTES = 128;
    /** Both copies: the bytes at the start of the device that belong to the superblock. */
    static final int COPIES = 2;

    /** Writes this superblock into {@code block} (one block, zero-filled first). */
    void encode(MemorySegment block) {
        block.fill((byte) 0);
        block.set(JAVA_LONG_UNALIGNED, 0, MAGIC);
        block.set(JAVA_INT_UNALIGNED, 12, version);
        block.set(JAVA_LONG_UNALIGNED, 16, storeIdHi);
        block.set(JAVA_LONG_UNALIGNED, 24, storeIdLo);
        block.set(JAVA_INT_UNALIGNED, 32, blockBytes);
        block.set(JAVA_LONG_UNALIGNED, 40, capacity);
        block.set(JAVA_LONG_UNALIGNED, 48, regionBytes);
        block.set(JAVA_INT_UNALIGNED, 56, regionCount);
        block.set(JAVA_LONG_UNALIGNED, 64, regionBase);
        block.set(JAVA_LONG_UNALIGNED, 72, metaOffset);
        block.set(JAVA_LONG_UNALIGNED, 80, metaBytes);
        block.set(JAVA_LONG_UNALIGNED, 88, maxEntries);
        block.set(JAVA_LONG_UNALIGNED, 96, createdMillis);
        block.set(JAVA_LONG_UNALIGNED, 104, headerTable);
        block.set(JAVA_LONG_UNALIGNED, 112, headerTableBytes);
        block.set(JAVA_INT_UNALIGNED, 8, SlotHeader.crc(block.asSlice(12, ENCODED_BYTES - 12)));
    }

    /** Why a block is not a valid superblock of this version, or null when it is. */
    static String problem(MemorySegment block) {
        // What the device holds instead is for ContentProbe to say: 128 bytes do not tell "all zero".
        if (!hasMagic(block)) return "no superblock magic";
        if (SlotHeader.crc(block.asSlice(12, ENCODED_BYTES - 12)) != block.get(JAVA_INT_UNALIGNED, 8)) {
            return "superblock checksum mismatch";
        }
        int version = block.get(JAVA_INT_UNALIGNED, 12);
        if (version < OLDEST_VERSION || version > VERSION) {
            return "format version " + version + " (this rawblock reads versions " + OLDEST_VERSION + " to " + VERSION + ")";
        }
        return null;
    }

    /** Whether the block starts with the superblock magic (valid or not). */
    static boolean hasMagic(MemorySegment block) {
        return block.get(JAVA_LONG_UNALIGNED, 0) == MAGIC;
    }

    /** Reads a block that {@link #problem} accepted. */
    static Superblock decode(MemorySegment block) {
        return new Superblock(block.get(JAVA_LONG_UNALIGNED, 16), block.get(JAVA_LONG_UNALIGNED, 24),
                block.get(JAVA_INT_UNALIGNED, 32), block.get(JAVA_LONG_UNALIGNED, 40),
                block.get(JAVA_LONG_UNALIGNED, 48), block.get(JAVA_INT_UNALIGNED, 56),
                block.get(JAVA_LONG_UNALIGNED, 64), block.get(JAVA_LONG_UNALIGNED, 72),
                block.get(JAVA_LONG_UNALIGNED, 80), block.get(JAVA_LONG_UNALIGNED, 88),
                block.get(JAVA_LONG_UNALIGNED, 96), block.get(JAVA_INT_UNALIGNED, 12),
                block.get(JAVA_LONG_UNALIGNED, 104), block.get(JAVA_LONG_UNALIGNED, 112));
    }

    /** Whether entries of this store can have expiry times (its checkpoints have room for them). */
    public boolean keepsExpiry() {
        return version >= 2;
    }

    /**
     * Whether slots of 1 MiB and more keep their header in the header table, so that a
     * value of 2^k bytes fills a slot of 2^k bytes (see {@link SlotLayout}); stores of format
     * version 1 and 2 keep every header inline.
     */
    public boolean hasHeaderTable() {
        return version >= 3;
    }

    /** The largest value a store of this geometry holds (with a key of up to 4032 bytes). */
    public long maxValueBytes() {
        return SlotLayout.of(this).maxValueBytes();
    }

    /** Bytes of slot a value of {@code length} bytes under a key of {@code keyLength} bytes needs in this store. */
    public long slotBytes(int keyLength, long length) {
        return SlotLayout.of(this).need(keyLength, length);
    }

    /** Bytes of one entry in this store's checkpoints (format version 1 has shorter ones, without expiry). */
    public int checkpointEntryBytes() {
        return MetadataLayout.entryBytes(version);
    }

    /** Bytes of one region's record in a checkpoint (its slot size). */
    public int checkpointRegionBytes() {
        return MetadataLayout.REGION_BYTES;
    }

    /** Bytes of a checkpoint's payload (after its header block) when the store holds {@code entries} entries. */
    public long checkpointPayloadBytes(long entries) {
        return (long) regionCount * checkpointRegionBytes() + entries * checkpointEntryBytes();
    }

    /** The store id as text, for logs and stats. */
    public String storeId() {
        return String.format("%016x%016x", storeIdHi, storeIdLo);
    }
}
