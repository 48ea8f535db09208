package dev.rawblock.server;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per operation: how long requests took to serve, and how many value bytes they moved.
 *
 * <p>Service time runs from a request being parsed (its value received) to its reply being handed
 * to the connection's buffer; a reply larger than the socket's send buffer is written to the
 * socket on the way, so it includes part of the client's time to receive it.
 *
 * <p>Times go into HdrHistogram {@link Recorder}s: recording is wait-free for any number of
 * connection threads, and a {@link #snapshot} folds what was recorded since the last one into a
 * cumulative histogram, so concurrent readers never take counts from each other.
 */
public final class RequestStats {
    /** Two significant digits (1% resolution) keep a histogram of nanoseconds up to minutes at ~25 KB. */
    private static final int DIGITS = 2;

    /** What a request did, by protocol; the labels are the metrics' {@code protocol} and {@code op}. */
    public enum Op {
        GET("resp", "get", false), SET("resp", "set", true), MGET("resp", "mget", false),
        MSET("resp", "mset", true), EXISTS("resp", "exists", false), DEL("resp", "del", false),
        OTHER("resp", "other", false),
        LM_PUT("lm", "put", true), LM_GET("lm", "get", false), LM_EXIST("lm", "exist", false),
        LM_HEALTH("lm", "health", false), LM_LIST("lm", "list", false);

        public final String protocol;
        public final String label;
        /** Whether the values it moves come in from the client (stored) rather than go out (served). */
        public final boolean storesValues;

        Op(String protocol, String label, boolean storesValues) {
            this.protocol = protocol;
            this.label = label;
            this.storesValues = storesValues;
        }
    }

    /**
     * One operation since start.
     *
     * @param serviceNanos   service times in nanoseconds (its total count is the request count)
     * @param serviceNanosSum exact sum of those times (the histogram keeps values only to its resolution)
     * @param valueBytes     value bytes stored ({@link Op#storesValues}) or served
     */
    public record OpStats(Op op, Histogram serviceNanos, long serviceNanosSum, long valueBytes) {
    }

    private final Recorder[] recorders = new Recorder[Op.values().length];
    private final LongAdder[] nanosSum = new LongAdder[recorders.length];
    private final LongAdder[] valueBytes = new LongAdder[recorders.length];
    // Guarded by this: what earlier snapshots took from the recorders, and their spare interval histograms.
    private final Histogram[] cumulative = new Histogram[recorders.length];
    private final Histogram[] spare = new Histogram[recorders.length];

    RequestStats() {
        for (int i = 0; i < recorders.length; i++) {
            recorders[i] = new Recorder(DIGITS);
            nanosSum[i] = new LongAdder();
            valueBytes[i] = new LongAdder();
            cumulative[i] = new Histogram(DIGITS);
        }
    }

    /** Records a request of {@code op} that was parsed at {@code startNanos} ({@link System#nanoTime}) and is answered now. */
    public void record(Op op, long startNanos) {
        long nanos = Math.max(0, System.nanoTime() - startNanos);
        recorders[op.ordinal()].recordValue(nanos);
        nanosSum[op.ordinal()].add(nanos);
    }

    /** Counts {@code bytes} of values a request of {@code op} stored or served. */
    public void valueBytes(Op op, long bytes) {
        valueBytes[op.ordinal()].add(bytes);
    }

    /**
     * Every operation since start, in {@link Op} order. A request finishing meanwhile may show in
     * its sum and not yet in its histogram (or the reverse); the next snapshot has both.
     */
    public synchronized List<OpStats> snapshot() {
        List<OpStats> out = new ArrayList<>(recorders.length);
        for (Op op : Op.values()) {
            int i = op.ordinal();
            spare[i] = recorders[i].getIntervalHistogram(spare[i]);
            cumulative[i].add(spare[i]);
            out.add(new OpStats(op, cumulative[i].copy(), nanosSum[i].sum(), valueBytes[i].sum()));
        }
        return out;
    }
}
