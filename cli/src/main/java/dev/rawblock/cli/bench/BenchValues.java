package dev.rawblock.cli.bench;

import dev.rawblock.device.BufferArena;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * The value bytes of {@code bench store} and the buffers loads land in, shared by rawblock's passes
 * and its peers' (which never run at the same time), so every system moves the same bytes.
 *
 * <p>Prepared once, off-heap: one buffer of random non-zero bytes, a little longer than a value;
 * value {@code i} is a slice of it starting at a per-key shift, so values differ from key to key (a
 * load that returned another key's bytes is caught) without any copying or allocation of value
 * memory in the timed loop. Shifts are whole pages: values are page-aligned, as the tensors LMCache
 * hands over are, so a store can write them without a staging copy. Loads go to per-lane,
 * page-aligned destinations allocated up front.
 *
 * <p><b>Pages.</b> By default all of it is on transparent huge pages, as the store's own buffers
 * (its arena) and the server's are, and as fio's are when the machine has a hugetlbfs: measured on
 * this VM's virtio disk, 4 MiB values from 4 KiB pages moved at 3.1–3.6 GB/s put and 1.1–1.6 GB/s
 * get, from huge pages at 4.7–5.9 and 2.8–3.0, because a transfer from scattered small pages is
 * split into several requests (at most 254 segments each) and every page is pinned one by one.
 * With {@code hugePages} false it is ordinary memory: what a caller's memory costs the store.
 */
final class BenchValues implements AutoCloseable {
    /** Every this many chunks, a load's bytes are compared with what was put, byte for byte. */
    static final int VERIFY_EVERY = 64;
    /** Values start at page-aligned shifts in [0, SHIFT_SPAN) of the source buffer. */
    private static final long SHIFT_SPAN = 1L << 20;
    private static final long SHIFT_STEP = 4096 * 257; // 257 is odd: 256 consecutive keys get 256 distinct pages
    private static final int METADATA_SHIFT = 3;

    private final Arena arena = Arena.ofShared();
    /** The memory on huge pages, or null for ordinary memory from {@link #arena}. */
    private final BufferArena huge;
    private final MemorySegment source;
    private final MemorySegment[] destinations;
    private final MemorySegment[] metadataDestinations;

    /**
     * Values of up to {@code valueSize} bytes, and destinations for {@code lanes} loads in flight, on
     * huge pages or not.
     */
    BenchValues(long valueSize, int lanes, boolean hugePages) {
        long sourceBytes = valueSize + SHIFT_SPAN + 64;
        // The arena rounds each block up to a power of two: room for all of them.
        this.huge = hugePages ? new BufferArena(Long.highestOneBit(sourceBytes) * 2
                + lanes * (Long.highestOneBit(Math.max(valueSize, 4096)) * 2 + 4096), 4096) : null;
        this.source = allocate(sourceBytes, 4096);
        // Random, never-zero bytes: no layer below (VM disk, thin provisioning, compression) can
        // shortcut writes of zeros or of repeated data.
        SplittableRandom random = new SplittableRandom(0x5EED);
        byte[] bytes = new byte[(int) Math.min(source.byteSize(), 1 << 20)];
        for (long at = 0; at < source.byteSize(); at += bytes.length) {
            random.nextBytes(bytes);
            for (int j = 0; j < bytes.length; j++) if (bytes[j] == 0) bytes[j] = 1;
            int n = (int) Math.min(bytes.length, source.byteSize() - at);
            MemorySegment.copy(bytes, 0, source, ValueLayout.JAVA_BYTE, at, n);
        }
        this.destinations = new MemorySegment[lanes];
        this.metadataDestinations = new MemorySegment[lanes];
        for (int lane = 0; lane < lanes; lane++) {
            destinations[lane] = allocate(valueSize, 4096);
            destinations[lane].fill((byte) 0); // touched now, not in the timed loop
            metadataDestinations[lane] = allocate(64, 64);
        }
    }

    /** Page-aligned memory that lives until {@link #close}. */
    private MemorySegment allocate(long bytes, long alignment) {
        return huge != null ? huge.allocate(bytes).segment().asSlice(0, bytes) : arena.allocate(bytes, alignment);
    }

    /** The j-th value of chunk i's call (see {@link BenchKeys#of}): the chunk, or its metadata. */
    MemorySegment value(BenchKeys keys, int i, int j) {
        return j == 0 ? source.asSlice(shift(i), keys.length[i])
                : source.asSlice(shift(i) + METADATA_SHIFT, BenchKeys.METADATA_BYTES);
    }

    /** Where lane {@code lane} loads the j-th value of a call. */
    MemorySegment destination(int lane, int j) {
        return j == 0 ? destinations[lane] : metadataDestinations[lane];
    }

    /**
     * Compares a loaded value with the one put, every {@value #VERIFY_EVERY}th chunk; the caller has
     * checked its length.
     *
     * @return whether the bytes were compared
     * @throws IOException when they differ: the system under test returned wrong bytes
     */
    boolean verify(BenchKeys keys, int i, int j, MemorySegment loaded) throws IOException {
        if (i % VERIFY_EVERY != 0) return false;
        MemorySegment put = value(keys, i, j);
        long at = loaded.asSlice(0, put.byteSize()).mismatch(put);
        if (at != -1) {
            throw new IOException("the value of key " + BenchKeys.text(keys.of(i).get(j)) + " read back differs "
                    + "from the value put, first at byte " + at + " of " + put.byteSize());
        }
        return true;
    }

    private static long shift(int i) {
        return i * SHIFT_STEP & (SHIFT_SPAN - 1);
    }

    /** Frees the values and destinations; every pass using them has finished. */
    @Override
    public void close() {
        arena.close();
        if (huge != null) huge.close();
    }
}
