package dev.rawblock.testkit.device;

/**
 * How often a {@link SimulatedDevice} misbehaves: each field the probability, per operation, of one
 * fault. All zero by default ({@link #NONE}). Faults happen only to operations that overlap
 * {@code [from, to)}, so that a simulation can spare what the system under test cannot survive
 * losing (for a store with one superblock: the superblock) and aim at what it must survive.
 *
 * <p>The reported faults ({@code readError}, {@code writeError}, {@code flushError}) fail the
 * operation with EIO; a failed write or flush changes nothing. The silent ones complete as if all
 * was well: {@code readCorruption} flips one bit of one sector of what a read returns (the media
 * keeps the right bytes); {@code misdirectedRead} returns the bytes of another place of the same
 * length; {@code misdirectedWrite} writes the bytes to another place and leaves the intended one
 * as it was; {@code lostWrite} writes nothing; {@code tornWrite} writes a random part of the
 * sectors. The silent write faults break the durability any device promises, so a system can only
 * be held to "never a wrong byte" under them, not to "nothing acknowledged is lost".
 *
 * @param from the first byte faults may touch
 * @param to   the end of the faulty range (exclusive); {@code Long.MAX_VALUE} for the whole device
 */
public record SimulatedFaults(double readError, double writeError, double flushError, double readCorruption,
                              double misdirectedRead, double misdirectedWrite, double lostWrite, double tornWrite,
                              long from, long to) {
    /** A device that never misbehaves (crashes aside). */
    public static final SimulatedFaults NONE = new SimulatedFaults(0, 0, 0, 0, 0, 0, 0, 0, 0, Long.MAX_VALUE);

    public SimulatedFaults {
        for (double p : new double[] {readError, writeError, flushError, readCorruption, misdirectedRead,
                misdirectedWrite, lostWrite, tornWrite}) {
            if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("a probability must be in [0, 1], got " + p);
        }
        if (from < 0 || to < from) throw new IllegalArgumentException("bad fault range [" + from + ", " + to + ")");
    }

    public SimulatedFaults withReadError(double p) {
        return new SimulatedFaults(p, writeError, flushError, readCorruption, misdirectedRead, misdirectedWrite, lostWrite, tornWrite, from, to);
    }

    public SimulatedFaults withWriteError(double p) {
        return new SimulatedFaults(readError, p, flushError, readCorruption, misdirectedRead, misdirectedWrite, lostWrite, tornWrite, from, to);
    }

    public SimulatedFaults withFlushError(double p) {
        return new SimulatedFaults(readError, writeError, p, readCorruption, misdirectedRead, misdirectedWrite, lostWrite, tornWrite, from, to);
    }

    public SimulatedFaults withReadCorruption(double p) {
        return new SimulatedFaults(readError, writeError, flushError, p, misdirectedRead, misdirectedWrite, lostWrite, tornWrite, from, to);
    }

    public SimulatedFaults withMisdirectedRead(double p) {
        return new SimulatedFaults(readError, writeError, flushError, readCorruption, p, misdirectedWrite, lostWrite, tornWrite, from, to);
    }

    public SimulatedFaults withMisdirectedWrite(double p) {
        return new SimulatedFaults(readError, writeError, flushError, readCorruption, misdirectedRead, p, lostWrite, tornWrite, from, to);
    }

    public SimulatedFaults withLostWrite(double p) {
        return new SimulatedFaults(readError, writeError, flushError, readCorruption, misdirectedRead, misdirectedWrite, p, tornWrite, from, to);
    }

    public SimulatedFaults withTornWrite(double p) {
        return new SimulatedFaults(readError, writeError, flushError, readCorruption, misdirectedRead, misdirectedWrite, lostWrite, p, from, to);
    }

    /** Faults only for operations overlapping {@code [from, to)}. */
    public SimulatedFaults within(long from, long to) {
        return new SimulatedFaults(readError, writeError, flushError, readCorruption, misdirectedRead, misdirectedWrite, lostWrite, tornWrite, from, to);
    }

    /** Whether an operation of {@code length} bytes at {@code offset} may be faulted. */
    boolean covers(long offset, long length) {
        return offset < to && offset + length > from;
    }
}
