package dev.rawblock.device;

import java.util.Arrays;

/**
 * Which blocks of a {@link BufferArena}'s region are free: a binary buddy system over byte
 * offsets {@code [0, size)}, in blocks of 2^shift bytes from {@code minShift} to {@code maxShift}.
 *
 * <p><b>Why buddies.</b> Buffers are asked for in every size, and the mix changes over a process's
 * life (a server's values change size; a benchmark sweeps 4 KiB to 4 MiB). Free lists per size
 * alone keep memory released at one size from ever serving another: the region is then full of
 * idle small blocks while large buffers come from ordinary memory, which is not a fixed buffer
 * and not on huge pages, and costs the kernel a page walk on every transfer. Here a block taken
 * at one size splits a larger one, and a block given back merges with its free buddy (the block
 * of the same size beside it, {@code offset ^ size}), so freed memory serves any size again.
 *
 * <p><b>Layout.</b> The region is first cut into the largest aligned blocks that fit (its size
 * in binary, highest bits first), each at most 2^maxShift bytes. Every block is aligned to its
 * own size, so no block straddles a registered piece of 2^maxShift bytes; and two buddies that
 * are both free always lie inside the region, so a merge never crosses its end.
 *
 * <p><b>Bookkeeping.</b> Per size, a bitmap says which blocks are free, and a stack of block
 * numbers says where to look: a merge clears its buddy's bit and leaves the stack entry to be
 * skipped when popped, so taking and giving are O(1) apart from the splits and merges (at most
 * {@code maxShift - minShift} of each). Thread-safe: one lock, held for a few hundred
 * nanoseconds at most.
 */
final class BuddyBlocks {
    private final long size;
    private final int minShift;
    private final int maxShift;
    /** Per size: bit i set when the block at {@code i << shift} is free. */
    private final long[][] free;
    /** Per size: numbers of blocks that were free when pushed; some may since have merged. */
    private final int[][] stacks;
    private final int[] depth;
    /** Per size: how many blocks are free (bits set). */
    private final int[] count;
    private long freeBytes;

    /**
     * @param size     bytes to manage, a multiple of 2^minShift
     * @param minShift log2 of the smallest block
     * @param maxShift log2 of the largest block
     */
    BuddyBlocks(long size, int minShift, int maxShift) {
        if (minShift > maxShift || (size & ((1L << minShift) - 1)) != 0 || (size >>> minShift) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot manage " + size + " bytes in blocks of 2^" + minShift
                    + " to 2^" + maxShift);
        }
        this.size = size;
        this.minShift = minShift;
        this.maxShift = maxShift;
        int sizes = maxShift - minShift + 1;
        free = new long[sizes][];
        stacks = new int[sizes][];
        depth = new int[sizes];
        count = new int[sizes];
        for (int s = minShift; s <= maxShift; s++) {
            free[s - minShift] = new long[(int) (((size >>> s) + 63) >>> 6)];
            stacks[s - minShift] = new int[4];
        }
        for (long off = 0; off < size; ) {
            int shift = Math.min(maxShift, off == 0 ? 63 : Long.numberOfTrailingZeros(off));
            while ((1L << shift) > size - off) shift--;
            push(shift, off);
            off += 1L << shift;
        }
        freeBytes = size;
    }

    /** Takes a free block of 2^shift bytes and returns its offset; -1 when no free block is that large. */
    synchronized long take(int shift) {
        check(shift);
        int s = shift;
        long off = -1;
        for (; s <= maxShift && off < 0; s++) off = pop(s);
        if (off < 0) return -1;
        for (s--; s > shift; ) { // split: keep the lower half, free the upper half
            s--;
            push(s, off + (1L << s));
        }
        freeBytes -= 1L << shift;
        return off;
    }

    /** Gives back the block of 2^shift bytes at {@code offset}, merging it with its free buddies. */
    synchronized void give(long offset, int shift) {
        check(shift);
        if ((offset & ((1L << shift) - 1)) != 0 || offset < 0 || offset + (1L << shift) > size) {
            throw new IllegalArgumentException("no block of 2^" + shift + " bytes at " + offset);
        }
        freeBytes += 1L << shift;
        while (shift < maxShift) {
            long buddy = offset ^ (1L << shift);
            if (!isFree(shift, buddy)) break;
            clear(shift, buddy);
            offset = Math.min(offset, buddy);
            shift++;
        }
        push(shift, offset);
    }

    /** Bytes in free blocks. */
    synchronized long freeBytes() {
        return freeBytes;
    }

    /** The largest block that {@link #take} could give now, in bytes (0: none). */
    synchronized long largestFree() {
        for (int s = maxShift; s >= minShift; s--) if (count[s - minShift] > 0) return 1L << s;
        return 0;
    }

    private void check(int shift) {
        if (shift < minShift || shift > maxShift) {
            throw new IllegalArgumentException("block of 2^" + shift + " bytes is not between 2^" + minShift
                    + " and 2^" + maxShift);
        }
    }

    private boolean isFree(int shift, long offset) {
        long[] bits = free[shift - minShift];
        long i = offset >>> shift;
        return i < (long) bits.length << 6 && (bits[(int) (i >>> 6)] & (1L << i)) != 0;
    }

    private void clear(int shift, long offset) {
        long i = offset >>> shift;
        free[shift - minShift][(int) (i >>> 6)] &= ~(1L << i);
        count[shift - minShift]--;
    }

    private void push(int shift, long offset) {
        int c = shift - minShift;
        if (isFree(shift, offset)) {
            throw new IllegalStateException("block of 2^" + shift + " bytes at " + offset + " given back twice");
        }
        if (depth[c] == stacks[c].length) {
            // Entries of blocks merged away are skipped only when popped: drop them all when they
            // are the larger part of the stack, else make room.
            if (depth[c] > 2 * count[c] + 16) rebuild(c);
            if (depth[c] == stacks[c].length) stacks[c] = Arrays.copyOf(stacks[c], depth[c] * 2);
        }
        int i = (int) (offset >>> shift);
        free[c][i >>> 6] |= 1L << i;
        count[c]++;
        stacks[c][depth[c]++] = i;
    }

    private long pop(int shift) {
        int c = shift - minShift;
        while (depth[c] > 0) {
            long off = (long) stacks[c][--depth[c]] << shift;
            if (isFree(shift, off)) {
                clear(shift, off);
                return off;
            }
        }
        return -1;
    }

    /** Refills a stack from its bitmap: one entry per free block (never more than the stack holds already). */
    private void rebuild(int c) {
        long[] bits = free[c];
        int[] stack = stacks[c];
        int n = 0;
        for (int w = 0; w < bits.length; w++) {
            for (long word = bits[w]; word != 0; word &= word - 1) stack[n++] = (w << 6) + Long.numberOfTrailingZeros(word);
        }
        depth[c] = n;
    }
}
