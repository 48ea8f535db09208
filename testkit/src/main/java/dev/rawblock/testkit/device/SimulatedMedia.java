package dev.rawblock.testkit.device;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.zip.CRC32C;

/**
 * The bytes of a simulated disk, with its volatile write cache: what a {@link SimulatedDevice}
 * reads and writes, and what survives when it loses power. It outlives the devices opened on it,
 * as a disk outlives a process: a device crashes, and the next one opened on the same media sees
 * what the crash left.
 *
 * <p><b>Two images.</b> The <i>current</i> image is what reads see: every completed write applied
 * in completion order. The <i>durable</i> image is what a power loss keeps for sure. A completed
 * write is appended to the <i>unflushed</i> list with its completion number;
 * {@link #makeDurable(long)} (a flush completing) applies every unflushed write up to the number
 * the flush saw when it was submitted to the durable image, so a write is durable only after a
 * flush that was submitted after the write completed has completed.
 *
 * <p><b>Crash.</b> {@link #crash} decides, for every unflushed write and every write still in
 * flight, in completion order, whether it was kept, lost or torn (a random subset of its sectors
 * kept), applies that to the durable image, and makes the current image a copy of it. Every
 * sector therefore ends up holding the bytes of one of the writes to it, or what it held before
 * them, never anything else.
 *
 * <p>Storage is paged and allocated on first write (a page never written reads as zeros), so a
 * large, mostly empty disk costs what was written to it, twice (both images). Thread-safe.
 */
public final class SimulatedMedia {
    private static final int PAGE = 64 << 10;

    /** One write as it reached the media: its bytes, and which of its sectors landed (null: all). */
    private record Write(long number, long offset, byte[] data, BitSet sectors) {}

    /** What became of each write a crash resolved: counts for tests and reports. */
    public record CrashOutcome(int kept, int lost, int torn) {
        /** Writes the crash decided about. */
        public int writes() {
            return kept + lost + torn;
        }
    }

    private final long size;
    private final int sectorBytes;
    private final byte[][] current;
    private final byte[][] durable;
    private final ArrayDeque<Write> unflushed = new ArrayDeque<>();
    private long completedWrites;

    /**
     * @param size        bytes; a multiple of {@code sectorBytes}
     * @param sectorBytes the unit of alignment and of tearing (a power of two, at least 512)
     */
    public SimulatedMedia(long size, int sectorBytes) {
        if (sectorBytes < 512 || Integer.bitCount(sectorBytes) != 1 || sectorBytes > PAGE) {
            throw new IllegalArgumentException("sector must be a power of two in 512.." + PAGE + ", got " + sectorBytes);
        }
        if (size <= 0 || size % sectorBytes != 0) {
            throw new IllegalArgumentException("size must be a positive multiple of " + sectorBytes + ", got " + size);
        }
        this.size = size;
        this.sectorBytes = sectorBytes;
        int pages = Math.toIntExact((size + PAGE - 1) / PAGE);
        this.current = new byte[pages][];
        this.durable = new byte[pages][];
    }

    public long size() {
        return size;
    }

    public int sectorBytes() {
        return sectorBytes;
    }

    /** Copies {@code dst.byteSize()} bytes of the current image at {@code offset} into {@code dst}. */
    public synchronized void read(long offset, MemorySegment dst) {
        checkRange(offset, dst.byteSize());
        for (long done = 0; done < dst.byteSize(); ) {
            long at = offset + done;
            int page = (int) (at / PAGE), in = (int) (at % PAGE);
            int n = (int) Math.min(PAGE - in, dst.byteSize() - done);
            if (current[page] == null) dst.asSlice(done, n).fill((byte) 0);
            else MemorySegment.copy(MemorySegment.ofArray(current[page]), in, dst, done, n);
            done += n;
        }
    }

    /**
     * A write completed: {@code data} at {@code offset}, all of it or, with {@code sectors}, only
     * those sectors (a torn write). It joins the unflushed list; returns its completion number.
     */
    public synchronized long write(long offset, byte[] data, BitSet sectors) {
        checkRange(offset, data.length);
        if (data.length % sectorBytes != 0) throw new IllegalArgumentException("a write of whole sectors only");
        Write w = new Write(++completedWrites, offset, data, sectors);
        apply(current, w);
        unflushed.addLast(w);
        return w.number;
    }

    /** Completion number of the last completed write: what a flush submitted now will make durable. */
    public synchronized long completedWrites() {
        return completedWrites;
    }

    /** A flush that was submitted when {@link #completedWrites()} was {@code upTo} completed. */
    public synchronized void makeDurable(long upTo) {
        while (!unflushed.isEmpty() && unflushed.peekFirst().number <= upTo) apply(durable, unflushed.pollFirst());
    }

    /** Writes a crash could still take back. */
    public synchronized int unflushedWrites() {
        return unflushed.size();
    }

    /**
     * Power is lost: every unflushed write, then every write in {@code inFlight} (writes submitted
     * and not completed, each {@code {offset, data}}), is kept, lost or torn as {@code random}
     * decides (a third each), in that order, on top of the durable image; the current image
     * becomes that result.
     */
    public synchronized CrashOutcome crash(RandomGenerator random, List<InFlightWrite> inFlight) {
        List<Write> candidates = new ArrayList<>(unflushed);
        for (InFlightWrite w : inFlight) candidates.add(new Write(-1, w.offset(), w.data(), null));
        unflushed.clear();
        int kept = 0, lost = 0, torn = 0;
        for (Write w : candidates) {
            int sectors = w.data.length / sectorBytes;
            BitSet landed = w.sectors == null ? full(sectors) : (BitSet) w.sectors.clone();
            switch (random.nextInt(3)) {
                case 0 -> kept++;
                case 1 -> {
                    landed.clear();
                    lost++;
                }
                default -> {
                    for (int s = landed.nextSetBit(0); s >= 0; s = landed.nextSetBit(s + 1)) {
                        if (random.nextBoolean()) landed.clear(s);
                    }
                    torn++;
                }
            }
            apply(durable, new Write(w.number, w.offset, w.data, landed));
        }
        for (int p = 0; p < current.length; p++) current[p] = durable[p] == null ? null : durable[p].clone();
        return new CrashOutcome(kept, lost, torn);
    }

    /** A write that was in flight at a crash. */
    public record InFlightWrite(long offset, byte[] data) {}

    /** Copies {@code length} bytes of the durable image (what a power loss now would keep) at {@code offset}. */
    public synchronized byte[] readDurable(long offset, int length) {
        checkRange(offset, length);
        byte[] out = new byte[length];
        for (int done = 0; done < length; ) {
            long at = offset + done;
            int page = (int) (at / PAGE), in = (int) (at % PAGE);
            int n = Math.min(PAGE - in, length - done);
            if (durable[page] != null) System.arraycopy(durable[page], in, out, done, n);
            done += n;
        }
        return out;
    }

    /** CRC32C of the whole current image (pages never written count as zeros): equal runs give equal digests. */
    public synchronized long digest() {
        CRC32C crc = new CRC32C();
        byte[] zeros = new byte[PAGE];
        for (int p = 0; p < current.length; p++) {
            int n = (int) Math.min(PAGE, size - (long) p * PAGE);
            crc.update(current[p] == null ? zeros : current[p], 0, n);
        }
        return crc.getValue();
    }

    private void apply(byte[][] image, Write w) {
        int sectors = w.data.length / sectorBytes;
        for (int s = 0; s < sectors; s++) {
            if (w.sectors != null && !w.sectors.get(s)) continue;
            long at = w.offset + (long) s * sectorBytes;
            int page = (int) (at / PAGE), in = (int) (at % PAGE); // a sector never straddles a page
            if (image[page] == null) image[page] = new byte[PAGE];
            System.arraycopy(w.data, s * sectorBytes, image[page], in, sectorBytes);
        }
    }

    private static BitSet full(int sectors) {
        BitSet b = new BitSet(sectors);
        b.set(0, sectors);
        return b;
    }

    private void checkRange(long offset, long length) {
        if (offset < 0 || length < 0 || offset > size - length || offset % sectorBytes != 0) {
            throw new IllegalArgumentException(length + " bytes at offset " + offset + " are not whole sectors of the "
                    + size + "-byte media");
        }
    }

    @Override
    public String toString() {
        return "SimulatedMedia[" + size + " bytes, " + sectorBytes + "-byte sectors]";
    }
}
