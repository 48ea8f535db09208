package dev.rawblock.cli.bench;

import dev.rawblock.cli.bench.ClosedLoop.Observer;
import dev.rawblock.cli.Main;
import dev.rawblock.cli.text.ParsingConverter;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.store.PutResult;
import dev.rawblock.store.Store;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The store workload of {@code bench store}: in a {@link ClosedLoop} of {@code qd} worker threads,
 * each puts (or loads) one chunk per call until every chunk of the pass is done.
 *
 * <p><b>Why one key per call on qd platform threads.</b> A {@link Store#putMany} encodes all of its
 * values (copy into a staging buffer plus CRC32C) before it submits any of them, and returns only
 * when the last write completed; a {@link Store#loadMany} verifies and copies only after its reads
 * completed. With a batch of k values per call on qd/k threads, each value's I/O therefore waits for
 * the CPU work of its k-1 neighbours and the device sees bursts of k. One key per call on qd threads
 * overlaps one thread's encoding or copying with the I/O of the other qd-1, keeps exactly qd values
 * in flight, and lets the CPU work spread over all cores. Measured with 4 MiB values at qd 8 (on a
 * RAM-backed loop device, where the store rather than the disk is the limit), batches of 2 or 4 on
 * qd/2 or qd/4 threads were no faster, and slower in most runs. The store lock is held only to plan and
 * to commit (microseconds), so qd threads do not contend on it. (With kvcache-mix a call carries one
 * chunk and its 28-byte metadata value, as LMCache's connector stores them together.)
 *
 * <p>Keys and values come from {@link BenchKeys} and {@link BenchValues}, which the peers share.
 */
final class StoreWorkload {
    /** What the chunks of a pass look like. */
    enum Shape {
        /** Every value is --value-size bytes. */
        UNIFORM("uniform"),
        /**
         * LMCache's shape: per chunk a full value, one chunk in {@value BenchKeys#PARTIAL_EVERY}
         * a partial chunk of uniformly random size in [1, value size), and beside each chunk a
         * {@value BenchKeys#METADATA_BYTES}-byte metadata value, put and loaded in the same call.
         */
        KVCACHE_MIX("kvcache-mix");

        private final String label;

        Shape(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }

        static Shape parse(String text) {
            for (Shape s : values()) if (s.label.equalsIgnoreCase(text)) return s;
            throw new IllegalArgumentException("unknown workload '" + text + "' (expected uniform or kvcache-mix)");
        }

        /** Lets picocli options take workloads; a bad value becomes a usage error. */
        static final class Converter extends ParsingConverter<Shape> {
            Converter() {
                super(Shape::parse);
            }
        }
    }

    private static final int DELETE_BATCH = 1024;

    private final Store store;
    private final BlockDevice device;
    private final BenchValues values;
    private final int qd;
    private final RingThreads rings;

    StoreWorkload(Store store, BlockDevice device, BenchValues values, int qd) {
        this.store = store;
        this.device = device;
        this.values = values;
        this.qd = qd;
        this.rings = new RingThreads(store.stats().members().stream().map(m -> java.nio.file.Path.of(m.path())).toList());
    }

    /**
     * What one pass measured, with its counts.
     *
     * @param figures      GB/s of value payload, calls per second, per-call latency, CPU per GB
     * @param failed       keys a put could not store, or that a load found but could not serve
     * @param firstFailure what happened to the first of them, or null
     * @param missed       keys a load did not find (evicted)
     * @param verified     values compared byte for byte with what was put
     * @param ringBusy     per device of the store (each member of a store over several), the fraction of
     *                     the pass its ring thread was on a CPU
     */
    record Pass(Figures figures, long calls, long bytes, long failed, String firstFailure, long missed, long verified,
                double[] ringBusy) {}

    /** Puts every chunk of {@code keys}, then flushes the device: the time is that of durable puts. */
    Pass put(BenchKeys keys, Observer observer) throws IOException, InterruptedException {
        return run(true, keys, observer);
    }

    /**
     * Loads every chunk of {@code keys}, checking lengths and, every {@value BenchValues#VERIFY_EVERY}th
     * chunk, the bytes.
     */
    Pass get(BenchKeys keys, Observer observer) throws IOException, InterruptedException {
        return run(false, keys, observer);
    }

    /** Deletes every key of {@code keys} (untimed), so that the next run starts from an empty store. */
    void delete(BenchKeys keys) {
        List<byte[]> batch = new ArrayList<>(DELETE_BATCH + 1);
        for (int i = 0; i < keys.count(); i++) {
            batch.addAll(keys.of(i));
            if (batch.size() >= DELETE_BATCH || i == keys.count() - 1) {
                store.deleteMany(batch, true);
                batch.clear();
            }
        }
    }

    /** The per-key counts of one pass; each worker touches only its own destinations. */
    private final class Counts {
        final BenchKeys keys;
        final LongAdder failed = new LongAdder();
        final LongAdder missed = new LongAdder();
        final LongAdder verified = new LongAdder();
        final AtomicReference<String> firstFailure = new AtomicReference<>();

        Counts(BenchKeys keys) {
            this.keys = keys;
        }

        long put(int i, Recorder latency) {
            List<byte[]> k = keys.of(i);
            List<MemorySegment> v = k.size() == 1 ? List.of(values.value(keys, i, 0))
                    : List.of(values.value(keys, i, 0), values.value(keys, i, 1));
            long t0 = System.nanoTime();
            PutResult[] results = store.putMany(k, v);
            latency.recordValue(System.nanoTime() - t0);
            for (int j = 0; j < results.length; j++) {
                if (results[j].stored()) continue;
                failed.increment();
                firstFailure.compareAndSet(null, results[j] + " for key " + BenchKeys.text(k.get(j)));
            }
            return keys.payloadOf(i);
        }

        long get(int i, int lane, Recorder latency) throws IOException {
            List<byte[]> k = keys.of(i);
            List<MemorySegment> into = k.size() == 1 ? List.of(values.destination(lane, 0))
                    : List.of(values.destination(lane, 0), values.destination(lane, 1));
            long t0 = System.nanoTime();
            long[] lengths = store.loadMany(k, into);
            latency.recordValue(System.nanoTime() - t0);
            long served = 0;
            for (int j = 0; j < lengths.length; j++) {
                long expected = keys.lengthOf(i, j);
                if (lengths[j] == Store.MISS) {
                    missed.increment();
                    continue;
                }
                if (lengths[j] != expected) {
                    failed.increment();
                    firstFailure.compareAndSet(null, "load of key " + BenchKeys.text(k.get(j)) + " returned "
                            + lengths[j] + ", expected a length of " + expected);
                    continue;
                }
                served += expected;
                if (values.verify(keys, i, j, into.get(j))) verified.increment();
            }
            return served;
        }
    }

    private Pass run(boolean put, BenchKeys keys, Observer observer)
            throws IOException, InterruptedException {
        Counts counts = new Counts(keys);
        long[] ringCpu = rings.cpuNanos();
        long t0 = System.nanoTime();
        ClosedLoop.Result r = ClosedLoop.run(put ? "store put" : "store load", qd, keys.count(), keys.payloadBytes,
                put ? (i, lane, latency) -> counts.put(i, latency) : counts::get,
                put ? this::flush : () -> {}, observer,
                () -> " on " + device.path() + " (" + device.stats().inFlight() + " operations in flight); the store "
                        + "or the engine is stuck");
        double[] ringBusy = RingThreads.busy(ringCpu, rings.cpuNanos(), System.nanoTime() - t0);
        return new Pass(r.figures(), r.calls(), r.bytes(), counts.failed.sum(), counts.firstFailure.get(),
                counts.missed.sum(), counts.verified.sum(), ringBusy);
    }

    /**
     * Ends a put pass durable in both modes: with the store's flush on, puts already waited for
     * their journal's fdatasync and this costs one more device flush; with it off, this is where
     * the pass's slots and journal become durable (the device is ours).
     */
    private void flush() throws IOException, InterruptedException {
        try {
            device.flush().get();
        } catch (ExecutionException e) {
            throw new IOException("flush of " + device.path() + " failed: " + Main.describe(e.getCause()), e.getCause());
        }
    }
}
