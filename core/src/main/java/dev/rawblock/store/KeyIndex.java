package dev.rawblock.store;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The in-memory index: key fingerprint -> where the value is and its state. Off-heap, one
 * 40-byte cell per entry in an open-addressing table (linear probing, backward-shift deletion,
 * so no tombstones ever accumulate).
 *
 * <p><b>Growth.</b> The table starts small and grows by half whenever an insert would take it past
 * a load of {@value #MAX_LOAD_PERCENT}%, so memory follows the entries actually stored: 50 to 75
 * bytes per entry (40 bytes a cell at a load between 53% and 80%). A growth rehashes every cell
 * once, under the store lock, and reports each new position; it happens O(log n) times over a
 * store's life, so an insert costs O(1) amortized. {@code maxEntries} (from the superblock: what
 * the checkpoint area has room for) is the only bound.
 *
 * <pre>
 * cell (40 bytes):
 *   0  fp hi   u64  \ the key's 128-bit {@link Fingerprint}; both zero = empty cell
 *   8  fp lo   u64  /
 *  16  slot    u32  region << 18 | slot within the region ({@link Space})
 *  20  length  u32  payload bytes
 *  24  access  u32  logical time of the last put/load (eviction picks the oldest)
 *  28  pins    u16  lookup-and-lock references
 *  30  state   u8   {@link #WRITING}, {@link #CANCELED}, {@link #STORED} or {@link #REPLACING}
 *  31  gen     u8   the store's generation when the entry was last written (a FLUSHALL in
 *                   progress removes the entries of earlier generations)
 *  32  expires u64  epoch milliseconds after which the entry is gone; 0 = never
 * </pre>
 *
 * Cells are addressed by position; a position stays valid until the next {@link #remove}, which
 * may move other cells and reports each move so that the slot table can follow. Not
 * thread-safe: the store calls it under its lock.
 */
final class KeyIndex implements AutoCloseable {
    static final int CELL = 40;
    static final int MAX_LOAD_PERCENT = 80;
    /**
     * Memory per entry at the worst moment: a growth, with the old table at the highest load
     * ({@code CELL * 100 / MAX_LOAD_PERCENT} bytes per entry) and the new one, half again as large,
     * side by side until the rehash ends.
     */
    static final long PEAK_BYTES_PER_ENTRY = CELL * 100L / MAX_LOAD_PERCENT * 5 / 2;

    /** A put is writing the value; lookups do not see it. */
    static final byte WRITING = 1;
    /** Deleted while its put was writing; the put will fail and free the slot. */
    static final byte CANCELED = 2;
    /** The value is on the device and can be loaded. */
    static final byte STORED = 3;
    /**
     * Stored, and a put is writing its replacement to another slot (the store keeps which): loads
     * still see this value, eviction passes it by.
     */
    static final byte REPLACING = 4;

    private static final int FP_HI = 0, FP_LO = 8, SLOT = 16, LENGTH = 20, ACCESS = 24, PINS = 28, STATE = 30,
            GEN = 31, EXPIRES = 32;

    /** Told when backward-shift deletion moves a cell, so that slot -> position maps stay right. */
    interface MoveListener {
        /** For callers with no slot table to keep (recovery before the space is rebuilt, benchmarks). */
        MoveListener NONE = (slotId, newPosition) -> { };

        void moved(int slotId, long newPosition);
    }

    /** Cells of a new index, before its first growth. */
    static final long INITIAL_CELLS = 1024;
    /**
     * Positions are stored in ints by the slot table ({@link Space}), which keeps the largest for a
     * marker of its own: a table never has more cells than this.
     */
    static final long MAX_CELLS = Integer.MAX_VALUE - 1;


    // What the cell layout and the index's limits rely on, checked once.
    static {
        if (EXPIRES + Long.BYTES > CELL) throw new AssertionError("the last field of a cell runs past its " + CELL + " bytes");
        if (!(FP_LO >= FP_HI + 8 && SLOT >= FP_LO + 8 && LENGTH >= SLOT + 4 && ACCESS >= LENGTH + 4 && PINS >= ACCESS + 4
                && STATE >= PINS + 2 && GEN >= STATE + 1 && EXPIRES >= GEN + 1)) {
            throw new AssertionError("the fields of a cell overlap");
        }
        if (MAX_CELLS >= Integer.MAX_VALUE) throw new AssertionError("the slot table keeps the largest int for its own marker");
        if (FormatOptions.MAX_ENTRIES * 100 / MAX_LOAD_PERCENT >= MAX_CELLS) {
            throw new AssertionError("the most entries a store holds do not fit the index at its largest load");
        }
        if (FormatOptions.MAX_REGION_BYTES > Integer.MAX_VALUE) {
            throw new AssertionError("a value fills at most a region, and a cell keeps its length in an int");
        }
    }

    private Arena arena;
    private MemorySegment cells;
    private long capacity;
    private final long maxEntries;
    private long size;

    KeyIndex(long maxEntries) {
        if (maxEntries < 1) throw new IllegalArgumentException("max entries must be >= 1, got " + maxEntries);
        this.maxEntries = maxEntries;
        allocate(Math.min(cellsFor(maxEntries), INITIAL_CELLS));
    }

    /** Cells that hold {@code entries} at the highest load allowed. */
    private static long cellsFor(long entries) {
        return Math.min(MAX_CELLS, Math.max(2, entries * 100 / MAX_LOAD_PERCENT + 1));
    }

    private void allocate(long cellCount) {
        arena = Arena.ofShared();
        cells = arena.allocate(cellCount * CELL, 64); // zeroed by the arena: every cell empty
        capacity = cellCount;
    }

    /**
     * Makes room for {@code entries} entries without a further growth (recovery calls it once it
     * knows how many the checkpoint holds). Every cell may move; {@code listener} hears each.
     */
    void reserve(long entries, MoveListener listener) {
        long need = cellsFor(Math.min(entries, maxEntries));
        if (need > capacity) rehash(need, listener);
    }

    /** Grows the table by half when one more entry would pass the highest load. */
    private void roomForOne(MoveListener listener) {
        if ((size + 1) * 100 <= capacity * MAX_LOAD_PERCENT) return;
        rehash(Math.min(MAX_CELLS, Math.max(capacity + capacity / 2, cellsFor(size + 1))), listener);
    }

    private void rehash(long cellCount, MoveListener listener) {
        Arena oldArena = arena;
        MemorySegment old = cells;
        long oldCapacity = capacity;
        allocate(cellCount);
        for (long from = 0; from < oldCapacity; from++) {
            long base = from * CELL;
            long hi = old.get(JAVA_LONG, base + FP_HI), lo = old.get(JAVA_LONG, base + FP_LO);
            if (hi == 0 && lo == 0) continue;
            long pos = home(new Fingerprint(hi, lo));
            while (!empty(pos)) pos = next(pos);
            MemorySegment.copy(old, base, cells, pos * CELL, CELL);
            listener.moved(slotId(pos), pos);
        }
        oldArena.close();
    }

    long size() {
        return size;
    }

    long maxEntries() {
        return maxEntries;
    }

    boolean full() {
        return size >= maxEntries;
    }

    /** Bytes of memory the index holds. */
    long memoryBytes() {
        return cells.byteSize();
    }

    private long home(Fingerprint fp) {
        // Lemire's multiply-shift maps the hash onto any capacity, not only powers of two.
        return Math.unsignedMultiplyHigh(hash(fp.hi(), fp.lo()), capacity);
    }

    /**
     * The hash a fingerprint's home cell is taken from. Homes rise with it (unsigned), whatever
     * the capacity: entries inserted in its order fill the table front to back ({@link Recovery}).
     */
    static long hash(long fpHi, long fpLo) {
        return fpLo ^ fpHi * 0x9E3779B97F4A7C15L;
    }

    private long next(long pos) {
        return pos + 1 == capacity ? 0 : pos + 1;
    }

    /** Position of the cell for {@code fp}, or -1. */
    long find(Fingerprint fp) {
        for (long pos = home(fp); ; pos = next(pos)) {
            long base = pos * CELL;
            long hi = cells.get(JAVA_LONG, base + FP_HI), lo = cells.get(JAVA_LONG, base + FP_LO);
            if (hi == 0 && lo == 0) return -1;
            if (hi == fp.hi() && lo == fp.lo()) return pos;
        }
    }

    /**
     * Adds a cell for {@code fp} (which must be absent) in state WRITING; returns its position. The
     * table may grow first, moving every cell: {@code listener} hears each move.
     */
    long insert(Fingerprint fp, int slotId, long length, int access, MoveListener listener) {
        if (full()) throw new IllegalStateException("index is full (" + maxEntries + " entries)");
        roomForOne(listener);
        long pos = home(fp);
        while (!empty(pos)) pos = next(pos);
        long base = pos * CELL;
        cells.set(JAVA_LONG, base + FP_HI, fp.hi());
        cells.set(JAVA_LONG, base + FP_LO, fp.lo());
        cells.set(JAVA_INT, base + SLOT, slotId);
        cells.set(JAVA_INT, base + LENGTH, (int) length);
        cells.set(JAVA_INT, base + ACCESS, access);
        cells.set(JAVA_SHORT, base + PINS, (short) 0);
        cells.set(JAVA_BYTE, base + STATE, WRITING);
        size++;
        return pos;
    }

    /**
     * Recovery's insert: adds {@code fp} as STORED with one probe run, or returns -1 when it is
     * already present (a duplicate in a checkpoint) or the index is full.
     */
    long insertIfAbsent(Fingerprint fp, int slotId, long length, long expiresAt, MoveListener listener) {
        if (full()) return -1;
        roomForOne(listener);
        long pos = home(fp);
        for (; !empty(pos); pos = next(pos)) {
            if (cells.get(JAVA_LONG, pos * CELL + FP_HI) == fp.hi() && cells.get(JAVA_LONG, pos * CELL + FP_LO) == fp.lo()) {
                return -1;
            }
        }
        long base = pos * CELL;
        cells.set(JAVA_LONG, base + FP_HI, fp.hi());
        cells.set(JAVA_LONG, base + FP_LO, fp.lo());
        cells.set(JAVA_INT, base + SLOT, slotId);
        cells.set(JAVA_INT, base + LENGTH, (int) length);
        cells.set(JAVA_BYTE, base + STATE, STORED);
        cells.set(JAVA_LONG, base + EXPIRES, expiresAt);
        size++;
        return pos;
    }

    /** Removes the cell at {@code pos}, shifting later cells of its probe run back. */
    void remove(long pos, MoveListener listener) {
        long hole = pos;
        for (long cur = next(pos); !empty(cur); cur = next(cur)) {
            long home = home(new Fingerprint(cells.get(JAVA_LONG, cur * CELL + FP_HI),
                    cells.get(JAVA_LONG, cur * CELL + FP_LO)));
            // The cell at cur may fill the hole if its home is not in (hole, cur] (cyclically).
            boolean movable = hole <= cur ? (home <= hole || home > cur) : (home <= hole && home > cur);
            if (movable) {
                MemorySegment.copy(cells, cur * CELL, cells, hole * CELL, CELL);
                listener.moved(slotId(hole), hole);
                hole = cur;
            }
        }
        cells.asSlice(hole * CELL, CELL).fill((byte) 0);
        size--;
    }

    /** Number of cells; positions run from 0 to this. */
    long capacity() {
        return capacity;
    }

    /** Whether the cell at {@code pos} is free. */
    boolean empty(long pos) {
        long base = pos * CELL;
        return cells.get(JAVA_LONG, base + FP_HI) == 0 && cells.get(JAVA_LONG, base + FP_LO) == 0;
    }

    long fpHi(long pos) {
        return cells.get(JAVA_LONG, pos * CELL + FP_HI);
    }

    long fpLo(long pos) {
        return cells.get(JAVA_LONG, pos * CELL + FP_LO);
    }

    int slotId(long pos) {
        return cells.get(JAVA_INT, pos * CELL + SLOT);
    }

    long length(long pos) {
        return Integer.toUnsignedLong(cells.get(JAVA_INT, pos * CELL + LENGTH));
    }

    int access(long pos) {
        return cells.get(JAVA_INT, pos * CELL + ACCESS);
    }

    void touch(long pos, int access) {
        cells.set(JAVA_INT, pos * CELL + ACCESS, access);
    }

    int pins(long pos) {
        return Short.toUnsignedInt(cells.get(JAVA_SHORT, pos * CELL + PINS));
    }

    void setPins(long pos, int pins) {
        cells.set(JAVA_SHORT, pos * CELL + PINS, (short) Math.min(pins, 0xffff));
    }

    byte generation(long pos) {
        return cells.get(JAVA_BYTE, pos * CELL + GEN);
    }

    void setGeneration(long pos, byte generation) {
        cells.set(JAVA_BYTE, pos * CELL + GEN, generation);
    }

    /** Removes every cell (recovery replaying a CLEAR). */
    void clear() {
        cells.fill((byte) 0);
        size = 0;
    }

    /** Epoch milliseconds after which the entry is gone, or 0 for never. */
    long expiresAt(long pos) {
        return cells.get(JAVA_LONG, pos * CELL + EXPIRES);
    }

    void setExpiresAt(long pos, long expiresAt) {
        cells.set(JAVA_LONG, pos * CELL + EXPIRES, expiresAt);
    }

    /** Whether the entry has an expiry time that has passed at {@code nowMillis}. */
    boolean expired(long pos, long nowMillis) {
        long at = expiresAt(pos);
        return at != 0 && at <= nowMillis;
    }

    /** Whether the cell's value can be loaded: STORED or REPLACING. */
    boolean readable(long pos) {
        byte state = state(pos);
        return state == STORED || state == REPLACING;
    }

    void setSlot(long pos, int slotId, long length) {
        cells.set(JAVA_INT, pos * CELL + SLOT, slotId);
        cells.set(JAVA_INT, pos * CELL + LENGTH, (int) length);
    }

    byte state(long pos) {
        return cells.get(JAVA_BYTE, pos * CELL + STATE);
    }

    void setState(long pos, byte state) {
        cells.set(JAVA_BYTE, pos * CELL + STATE, state);
    }

    /**
     * What linear probing with backward-shift deletion keeps: every occupied cell is found from its
     * key's home position without crossing an empty cell, the count matches the occupied cells, and
     * the table stays within its entry limit. O(N): for {@code assert} only.
     */
    boolean checkInvariants() {
        long occupied = 0;
        for (long pos = 0; pos < capacity; pos++) {
            if (empty(pos)) continue;
            occupied++;
            Fingerprint fp = new Fingerprint(fpHi(pos), fpLo(pos));
            assert find(fp) == pos : "cell " + pos + " is not reachable from its home " + home(fp);
        }
        assert occupied == size : occupied + " occupied cells, size " + size;
        assert size <= maxEntries : size + " entries, at most " + maxEntries;
        return true;
    }

    @Override
    public void close() {
        arena.close();
    }
}
