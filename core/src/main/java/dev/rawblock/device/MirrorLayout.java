package dev.rawblock.device;

import java.io.IOException;

/**
 * The rules of a {@link MirrorDevice}'s layout that its headers carry: which geometries can be, and
 * which member the headers say is out of date.
 */
final class MirrorLayout {
    private MirrorLayout() {}

    /**
     * Why a mirror of this geometry cannot be, or null: blocks must be powers of two of at least
     * 4096 bytes that the members' alignment divides, zones whole blocks, and the bitmap must fit
     * between the header block and {@link MemberHeader#DATA_OFFSET}.
     */
    static String problem(long setBytes, int blockBytes, long zoneBytes, int alignment) {
        if (blockBytes < 4096 || Integer.bitCount(blockBytes) != 1 || blockBytes < alignment) {
            return "the block must be a power of two of at least 4096 bytes and the members' alignment " + alignment
                    + ", got " + blockBytes;
        }
        if (zoneBytes <= 0 || zoneBytes % blockBytes != 0) return "a zone must be whole blocks of " + blockBytes + " bytes, got " + zoneBytes;
        long blocks = IntentBitmap.blocks(setBytes, zoneBytes, blockBytes);
        if (blockBytes * (1 + blocks) > MemberHeader.DATA_OFFSET) {
            return setBytes + " bytes in zones of " + zoneBytes + " need " + blocks + " bitmap blocks, more than fit before "
                    + MemberHeader.DATA_OFFSET + ": choose larger zones";
        }
        return null;
    }

    /** The member the newest header marks out of date, or -1; of two equal generations, either mask counts. */
    static int outOfDate(DeviceSet.Members set) throws IOException {
        MemberHeader a = set.headers().get(0), b = set.headers().get(1);
        int mask = 3 & (a.generation() > b.generation() ? a.failedMask()
                : b.generation() > a.generation() ? b.failedMask() : a.failedMask() | b.failedMask());
        if (mask == 3) {
            throw new IOException("both members of mirror " + a.setId() + " (" + set.devices().get(0).path() + ", "
                    + set.devices().get(1).path() + ") are out of date: neither holds the set's data for sure");
        }
        return mask == 0 ? -1 : Integer.numberOfTrailingZeros(mask);
    }
}
