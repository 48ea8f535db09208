package dev.rawblock.device;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The write-intent bits of a {@link MirrorDevice} in memory, and what decides when a bit may be
 * cleared. One bit per zone of {@code zoneBytes} logical bytes; a set bit on a member means "the
 * two members may differ in this zone", so a resync after a crash copies exactly the zones whose
 * bit is set on either member.
 *
 * <p>On a member the bits live in the blocks after the header, {@code blockBytes} each: bit
 * {@code k} of bitmap block {@code b} (byte {@code k / 8}, bit {@code k % 8}, least significant
 * first) is zone {@code b * 8 * blockBytes + k}; block {@code b} is at member offset
 * {@code (1 + b) * blockBytes}. No checksum: any mix of a block's versions, sector by sector, is a
 * superset of the bits the newest flushed version holds (see {@link IntentLog}), and a bit too
 * many costs one zone's resync, never a wrong byte.
 *
 * <p>Two sets: <i>wanted</i> (the bits the members should hold now) and <i>durable</i> (the bits
 * known to be on both members and flushed). Per zone it counts writes in flight and remembers when
 * the last one completed, in wall time and as a completion number that flushes are compared
 * with. Not thread-safe: {@link IntentLog} guards it.
 */
final class IntentBitmap {
    private final long setBytes, zoneBytes;
    private final int blockBytes, zones, bitsPerBlock;
    private final BitSet wanted = new BitSet(), durable = new BitSet();
    private final int[] writing;
    private final long[] lastDoneNanos, lastDoneNumber;
    /** Writes completed so far, and how many of them a completed flush of the members covers. */
    private long completions, flushedUpTo;

    IntentBitmap(long setBytes, long zoneBytes, int blockBytes) {
        this.setBytes = setBytes;
        this.zoneBytes = zoneBytes;
        this.blockBytes = blockBytes;
        this.zones = zones(setBytes, zoneBytes);
        this.bitsPerBlock = blockBytes * 8;
        this.writing = new int[zones];
        this.lastDoneNanos = new long[zones];
        this.lastDoneNumber = new long[zones];
    }

    static int zones(long setBytes, long zoneBytes) {
        return Math.toIntExact((setBytes + zoneBytes - 1) / zoneBytes);
    }

    /** Bitmap blocks a set of this geometry needs on each member (any geometry: a format checks it with this). */
    static long blocks(long setBytes, long zoneBytes, int blockBytes) {
        long zones = setBytes / zoneBytes + (setBytes % zoneBytes == 0 ? 0 : 1);
        return (zones + blockBytes * 8L - 1) / (blockBytes * 8L);
    }

    int zones() {
        return zones;
    }

    int blocks() {
        return (int) blocks(setBytes, zoneBytes, blockBytes);
    }

    int blockBytes() {
        return blockBytes;
    }

    /** The member offset of bitmap block {@code block}. */
    long blockOffset(int block) {
        return (long) blockBytes * (1 + block);
    }

    /** The logical offset where zone {@code zone} starts. */
    long zoneStart(int zone) {
        return zone * zoneBytes;
    }

    /** Logical bytes of zone {@code zone} (the last one may be short). */
    long zoneLength(int zone) {
        return Math.min(zoneBytes, setBytes - zoneStart(zone));
    }

    int firstZone(IoOp op) {
        return (int) (op.offset() / zoneBytes);
    }

    int lastZone(IoOp op) {
        return (int) ((op.offset() + op.length() - 1) / zoneBytes);
    }

    // ---------------------------------------------------------------- activity

    /** A write into zones {@code first..last} was submitted. */
    void begin(int first, int last) {
        for (int z = first; z <= last; z++) writing[z]++;
    }

    /** That write completed (or failed) at {@code nanos}. */
    void end(int first, int last, long nanos) {
        long number = ++completions;
        for (int z = first; z <= last; z++) {
            writing[z]--;
            lastDoneNanos[z] = nanos;
            lastDoneNumber[z] = number;
        }
    }

    /** Completed writes: what a flush submitted now makes durable. */
    long completions() {
        return completions;
    }

    /** A flush of every member submitted when {@link #completions()} was {@code upTo} completed. */
    void flushed(long upTo) {
        flushedUpTo = Math.max(flushedUpTo, upTo);
    }

    // ---------------------------------------------------------------- bits

    void want(BitSet zoneSet) {
        wanted.or(zoneSet);
    }

    boolean allDurable(BitSet zoneSet) {
        BitSet missing = (BitSet) zoneSet.clone();
        missing.andNot(durable);
        return missing.isEmpty();
    }

    /** Wanted bits not yet durable: what the next round publishes. */
    BitSet pending() {
        BitSet p = (BitSet) wanted.clone();
        p.andNot(durable);
        return p;
    }

    /** A round wrote and flushed {@code zoneSet} on the members. */
    void published(BitSet zoneSet) {
        durable.or(zoneSet);
    }

    int marked() {
        return wanted.cardinality();
    }

    BitSet blocksOf(BitSet zoneSet) {
        BitSet b = new BitSet();
        for (int z = zoneSet.nextSetBit(0); z >= 0; z = zoneSet.nextSetBit(z + 1)) b.set(z / bitsPerBlock);
        return b;
    }

    /** Writes the wanted bits of bitmap block {@code block} into {@code dst} ({@code blockBytes} long). */
    void encode(int block, MemorySegment dst) {
        dst.fill((byte) 0);
        int from = block * bitsPerBlock, to = Math.min(zones, from + bitsPerBlock);
        for (int z = wanted.nextSetBit(from); z >= 0 && z < to; z = wanted.nextSetBit(z + 1)) {
            int k = z - from;
            dst.set(JAVA_BYTE, k / 8, (byte) (dst.get(JAVA_BYTE, k / 8) | 1 << (k % 8)));
        }
    }

    /** Block {@code i}'s image in a buffer of consecutive block images. */
    MemorySegment image(MemorySegment images, int i) {
        return images.asSlice((long) i * blockBytes, blockBytes);
    }

    /**
     * Encodes {@code blocks} into consecutive images in {@code images} and returns the writes that
     * put each where it belongs on a member (the same writes serve both members).
     */
    List<IoOp> encodeWrites(int[] blocks, MemorySegment images) {
        List<IoOp> writes = new ArrayList<>(blocks.length);
        for (int i = 0; i < blocks.length; i++) {
            encode(blocks[i], image(images, i));
            writes.add(IoOp.write(blockOffset(blocks[i]), image(images, i)));
        }
        return writes;
    }

    /** Adds the bits that bitmap block {@code block}, read into {@code src}, holds to {@code into}. */
    void decode(int block, MemorySegment src, BitSet into) {
        int from = block * bitsPerBlock, to = Math.min(zones, from + bitsPerBlock);
        for (int z = from; z < to; z++) {
            int k = z - from;
            if ((src.get(JAVA_BYTE, k / 8) & 1 << (k % 8)) != 0) into.set(z);
        }
    }

    // ---------------------------------------------------------------- clearing

    /**
     * What a sweep did: the bitmap blocks to rewrite, and whether some quiet zone waits only for
     * a flush (so that the sweeper flushes, and the next sweep clears it).
     */
    record Sweep(BitSet blocks, boolean needsFlush) {}

    /**
     * Clears every zone that is marked, has no write in flight, has been quiet for
     * {@code quietNanos}, and whose last write a completed flush covers: both members then hold
     * that write durably, so the bit is no longer needed.
     */
    Sweep clearQuiet(long nowNanos, long quietNanos) {
        BitSet blocks = new BitSet();
        boolean needsFlush = false;
        for (int z = wanted.nextSetBit(0); z >= 0; z = wanted.nextSetBit(z + 1)) {
            if (writing[z] > 0 || nowNanos - lastDoneNanos[z] < quietNanos) continue;
            if (lastDoneNumber[z] > flushedUpTo) {
                needsFlush = true;
                continue;
            }
            clear(z, blocks);
        }
        return new Sweep(blocks, needsFlush);
    }

    /**
     * Clears every bit that needs no quiet time any more (a close: the members were flushed after
     * the last write); a zone still written, or written since that flush, keeps its bit.
     */
    BitSet clearSettled() {
        BitSet blocks = new BitSet();
        for (int z = wanted.nextSetBit(0); z >= 0; z = wanted.nextSetBit(z + 1)) {
            if (writing[z] == 0 && lastDoneNumber[z] <= flushedUpTo) clear(z, blocks);
        }
        return blocks;
    }

    /**
     * A bit never made durable gets no block rewritten: only a round that failed half way can have
     * left it on a member, and there it costs one zone's resync at most.
     */
    private void clear(int zone, BitSet blocks) {
        wanted.clear(zone);
        if (durable.get(zone)) {
            durable.clear(zone);
            blocks.set(zone / bitsPerBlock);
        }
    }
}
