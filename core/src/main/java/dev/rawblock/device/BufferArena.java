package dev.rawblock.device;

import dev.rawblock.uring.IoUringConstants;
import dev.rawblock.uring.LibC;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Aligned native memory for I/O: one region allocated and touched once, registered with the
 * kernel as fixed buffers by the io_uring engine, and handed out in pieces.
 *
 * <pre>
 *  region (capacity bytes, page aligned)            registered as fixed buffers 0..k-1,
 *  |<-- 1 GiB -->|<-- 1 GiB -->|<-- rest -->|        one per GiB (the kernel's limit per buffer)
 *  [4K][4K][ 8K ][   16K    ][        free 32K       ][   1M   ] ...   blocks aligned to their size
 * </pre>
 *
 * <p><b>Allocation.</b> Sizes are rounded up to a power of two (at least the alignment) and cut
 * from the region by a buddy system ({@link BuddyBlocks}): a block is aligned to its own size, so
 * none straddles a registered piece, and a block given back merges with its free neighbour, so
 * memory released at one size serves any other. Only when the region has no free block large
 * enough (or for a block above 1 GiB) does a buffer come from ordinary aligned native memory,
 * which still works for direct I/O but is not a fixed buffer nor on huge pages; such blocks are
 * kept per size for reuse, so memory stays bounded by the peak in use, and counted
 * ({@link #outsideBytes}).
 *
 * <p><b>Fixed buffers.</b> Any sub-range of the region is a fixed buffer ({@link #fixedIndex}),
 * not only the start of a registered piece: callers that put their data in arena memory get
 * zero-copy, pre-mapped I/O.
 */
public final class BufferArena implements AutoCloseable {
    private static final int CLASSES = 48;
    /** The largest block cut from the region: a registered buffer's limit, so a block is one fixed buffer. */
    private static final int MAX_CLASS = Long.numberOfTrailingZeros(IoUringConstants.MAX_REGISTERED_BUFFER);
    /** The x86-64 transparent huge page. */
    static final long HUGE_PAGE = 2L << 20;
    /**
     * Whether regions of a huge page or more ask for transparent huge pages: on by default,
     * {@code -Drawblock.arena.hugePages=false} turns it off (to compare, or on a kernel that
     * misbehaves with them).
     */
    static final boolean HUGE_PAGES = !"false".equalsIgnoreCase(System.getProperty("rawblock.arena.hugePages"));

    private final Arena arena = Arena.ofShared();
    private final int alignment;
    private final MemorySegment region;
    private final long base;
    private final BuddyBlocks blocks;
    private final int minClass;
    /** Per size class: released blocks from outside the region. */
    private final java.util.List<ConcurrentLinkedDeque<MemorySegment>> outside = new java.util.ArrayList<>(CLASSES);
    private final AtomicLong outsideBytes = new AtomicLong();

    /**
     * @param capacity  bytes of registered region (rounded up to the alignment; 0 for none)
     * @param alignment block alignment: at least 4096 and the device's alignment
     */
    public BufferArena(long capacity, int alignment) {
        if (Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, got " + alignment);
        }
        this.alignment = Math.max(alignment, DeviceFile.SAFE_ALIGNMENT);
        long size = (capacity + this.alignment - 1) / this.alignment * this.alignment;
        MemorySegment huge = HUGE_PAGES && size >= HUGE_PAGE ? hugeRegion(size) : null;
        this.region = huge != null ? huge : arena.allocate(Math.max(size, this.alignment), this.alignment);
        // Touch every page now: first touch is slow on VMs, and it must not land on an I/O path.
        region.fill((byte) 0);
        this.base = region.address();
        this.minClass = Integer.numberOfTrailingZeros(this.alignment);
        this.blocks = new BuddyBlocks(region.byteSize(), minClass, MAX_CLASS);
        for (int i = 0; i < CLASSES; i++) outside.add(new ConcurrentLinkedDeque<>());
    }

    /**
     * A region on transparent huge pages where the kernel has them: a 4 MiB transfer from 4 KiB
     * pages scattered in physical memory needs up to 1024 segments, more than one request takes
     * (254 on virtio-blk), so the block layer splits it into five; from 2 MiB pages it is two
     * segments and one request. A fresh anonymous mapping, not malloc's memory, which may have been
     * touched as small pages already; advised before the first touch, so the first faults take
     * huge pages. Only advice: without huge pages to give, the region keeps small pages. Null
     * when the mapping fails (the caller then allocates as for a small region).
     */
    private MemorySegment hugeRegion(long size) {
        MemorySegment mapped;
        try {
            mapped = LibC.mmap(size + HUGE_PAGE, LibC.PROT_READ | LibC.PROT_WRITE,
                    LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
        } catch (RuntimeException e) {
            return null;
        }
        // Unmapped when the arena closes, as the rest of its memory is freed.
        MemorySegment owned = mapped.reinterpret(arena, LibC::munmap);
        long skip = -owned.address() & (HUGE_PAGE - 1); // to the first huge page boundary
        MemorySegment region = owned.asSlice(skip, size);
        LibC.madvise(region, LibC.MADV_HUGEPAGE);
        return region;
    }

    /** Block alignment of every buffer handed out. */
    public int alignment() {
        return alignment;
    }

    /** Bytes of the registered region. */
    public long capacity() {
        return region.byteSize();
    }

    /** Bytes allocated outside the region because it was exhausted (not fixed buffers). */
    public long outsideBytes() {
        return outsideBytes.get();
    }

    /** The region cut into pieces the kernel accepts for {@code IORING_REGISTER_BUFFERS}. */
    public MemorySegment[] registrationPieces() {
        return registrationPieces(IoUringConstants.MAX_REGISTERED_BUFFER, Integer.MAX_VALUE);
    }

    /**
     * The first {@code maxPieces} pieces of {@code piece} bytes (a power of two, at most the
     * kernel's limit per buffer) of the region, for an engine that needs smaller registered
     * buffers (NVMe passthrough on kernels that count a fixed buffer's segments to its end).
     */
    public MemorySegment[] registrationPieces(long piece, int maxPieces) {
        if (Long.bitCount(piece) != 1 || piece > IoUringConstants.MAX_REGISTERED_BUFFER) {
            throw new IllegalArgumentException("registration piece must be a power of two up to 1 GiB, got " + piece);
        }
        int n = (int) Math.min(maxPieces, (region.byteSize() + piece - 1) / piece);
        MemorySegment[] pieces = new MemorySegment[n];
        for (int i = 0; i < n; i++) {
            long off = i * piece;
            pieces[i] = region.asSlice(off, Math.min(piece, region.byteSize() - off));
        }
        return pieces;
    }

    /**
     * The registered buffer index that holds {@code [address, address + length)} entirely, or -1
     * when that memory is not (all) inside one registered piece.
     */
    public int fixedIndex(long address, long length) {
        return fixedIndex(address, length, IoUringConstants.MAX_REGISTERED_BUFFER);
    }

    /** As {@link #fixedIndex(long, long)} for registration in pieces of {@code piece} bytes. */
    public int fixedIndex(long address, long length, long piece) {
        long off = address - base;
        if (off < 0 || off + length > region.byteSize()) return -1;
        long first = off / piece;
        return first == (off + length - 1) / piece ? (int) first : -1;
    }

    /** Bytes from {@code address} to the end of its registration piece of {@code piece} bytes, or -1 outside the region. */
    public long toPieceEnd(long address, long piece) {
        long off = address - base;
        if (off < 0 || off >= region.byteSize()) return -1;
        return Math.min(region.byteSize(), (off / piece + 1) * piece) - off;
    }

    /** An aligned buffer of exactly {@code bytes} bytes (contents undefined); close it to give it back. */
    public IoBuffer allocate(long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("buffer size must be > 0, got " + bytes);
        int cls = sizeClass(bytes);
        long off = cls <= MAX_CLASS ? blocks.take(cls) : -1;
        MemorySegment block = off >= 0 ? region.asSlice(off, 1L << cls) : outsideBlock(cls);
        return new IoBuffer(this, cls, block, block.asSlice(0, bytes));
    }

    /** The memory a buffer of {@code bytes} really takes: sizes round up to a power of two, at least the alignment. */
    public long footprint(long bytes) {
        return 1L << sizeClass(bytes);
    }

    void release(int cls, MemorySegment block) {
        long off = block.address() - base;
        if (off >= 0 && off < region.byteSize()) blocks.give(off, cls);
        else outside.get(cls).addFirst(block);
    }

    /** Bytes of the region in free blocks (outside blocks not counted). */
    public long freeBytes() {
        return blocks.freeBytes();
    }

    private int sizeClass(long bytes) {
        long size = Math.max(bytes, alignment);
        int cls = 64 - Long.numberOfLeadingZeros(size - 1);
        if (cls >= CLASSES) throw new IllegalArgumentException("buffer of " + bytes + " bytes is too large");
        return cls;
    }

    private MemorySegment outsideBlock(int cls) {
        MemorySegment block = outside.get(cls).pollFirst();
        if (block != null) return block;
        outsideBytes.addAndGet(1L << cls);
        return arena.allocate(1L << cls, alignment);
    }

    /** Frees all memory. Buffers still in use must not be touched afterwards. */
    @Override
    public void close() {
        arena.close();
    }
}
