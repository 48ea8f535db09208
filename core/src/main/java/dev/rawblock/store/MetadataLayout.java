package dev.rawblock.store;

/**
 * Where checkpoints and the journal live inside the superblock's metadata area.
 *
 * <pre>
 * metaOffset                                                             metaOffset + metaBytes
 * | checkpoint copy A          | checkpoint copy B          | journal (a ring of blocks)   |
 * | header block | regions | entries ...                   | [block][block][block] ...    |
 * </pre>
 *
 * A checkpoint copy holds a header block, one 8-byte record per region (its slot size, 0 = free;
 * room for the most regions any store can have) and one record per entry (room for the store's
 * maximum entry count): {@value #ENTRY_BYTES} bytes with its expiry time, {@value #V1_ENTRY_BYTES} in
 * stores of format version 1, which had none.
 *
 * <p>The header table of the large slots ({@link SlotLayout}) follows the metadata area, outside
 * it: the superblock gives its offset and size, and nothing here changes with it.
 *
 * @param checkpointA offset of copy A
 * @param checkpointB offset of copy B
 * @param copyBytes   bytes of each copy
 * @param journal     offset of the journal ring
 * @param journalBytes bytes of the journal ring (a block multiple)
 * @param entryBytes  bytes of one checkpoint entry
 */
record MetadataLayout(long checkpointA, long checkpointB, long copyBytes, long journal, long journalBytes,
                      int entryBytes) {
    static final int ENTRY_BYTES = 32;
    static final int V1_ENTRY_BYTES = 24;
    static final int REGION_BYTES = 8;

    // A region's record in a checkpoint is its slot size, one u64.
    static {
        if (REGION_BYTES != Long.BYTES) throw new AssertionError("a checkpoint's region record is one u64");
    }

    /** Checkpoint entry bytes of a store of format {@code version}. */
    static int entryBytes(int version) {
        return version == 1 ? V1_ENTRY_BYTES : ENTRY_BYTES;
    }

    /** Bytes one checkpoint copy needs for a store of at most {@code maxEntries} entries. */
    static long copyBytes(int block, long maxEntries, int entryBytes) {
        long raw = block + (long) Space.MAX_REGIONS * REGION_BYTES + maxEntries * entryBytes;
        return (raw + block - 1) / block * block;
    }

    /** Journal size for a store of {@code capacity} bytes: 1/32 of it, from 4 MiB to 256 MiB. */
    static long journalBytes(long capacity) {
        long mib = 1 << 20;
        return Math.clamp((capacity / 32 + mib - 1) / mib * mib, 4 * mib, 256 * mib);
    }

    static MetadataLayout of(Superblock sb) {
        int entryBytes = entryBytes(sb.version());
        long copy = copyBytes(sb.blockBytes(), sb.maxEntries(), entryBytes);
        long journal = sb.metaOffset() + 2 * copy;
        return new MetadataLayout(sb.metaOffset(), sb.metaOffset() + copy, copy, journal,
                sb.metaOffset() + sb.metaBytes() - journal, entryBytes);
    }
}
