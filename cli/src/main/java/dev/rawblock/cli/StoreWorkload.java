package dev.rawblock.cli;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.store.PutResult;
import dev.rawblock.store.Store;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The closed-loop store workload of {@code bench store}: {@code qd} worker threads put (or load)
 * one chunk per call until every chunk of the pass is done.
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
 * <p><b>Values.</b> Prepared once, off-heap: one buffer of random non-zero bytes, a little longer
 * than a value; value {@code i} is a slice of it starting at a per-key shift, so values differ from
 * key to key (a load that returned another key's bytes is caught) without any copying or allocation
 * of value memory in the timed loop. Shifts are whole pages: values are page-aligned, as the tensors
 * LMCache hands over are, so the store can write them without a staging copy. Loads go to
 * per-thread, page-aligned destinations allocated up front.
 */
final class StoreWorkload implements AutoCloseable {
    /** What the chunks of a pass look like. */
    enum Shape {
        /** Every value is --value-size bytes. */
        UNIFORM("uniform"),
        /**
         * LMCache's shape: per chunk a full value, one chunk in {@value StoreWorkload#PARTIAL_EVERY}
         * a partial chunk of uniformly random size in [1, value size), and beside each chunk a
         * {@value StoreWorkload#METADATA_BYTES}-byte metadata value, put and loaded in the same call.
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

    static final int METADATA_BYTES = 28;
    static final int PARTIAL_EVERY = 8;
    /** Every this many chunks, a load's bytes are compared with what was put, byte for byte. */
    static final int VERIFY_EVERY = 64;
    /** Values start at page-aligned shifts in [0, SHIFT_SPAN) of the source buffer. */
    private static final long SHIFT_SPAN = 1L << 20;
    private static final long SHIFT_STEP = 4096 * 257; // 257 is odd: 256 consecutive keys get 256 distinct pages
    private static final int METADATA_SHIFT = 3;
    private static final long POLL_MILLIS = 200;
    /** No call finished for this long means the store or the engine is stuck; better an error than a hang. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int DELETE_BATCH = 1024;

    private final Store store;
    private final BlockDevice device;
    private final Shape shape;
    private final long valueSize;
    private final int qd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment source;
    private final MemorySegment[] destinations;
    private final MemorySegment[] metadataDestinations;
    /** Per-call latency in nanoseconds; a Recorder because qd threads record into it. */
    private final Recorder latency = new Recorder(3);

    StoreWorkload(Store store, BlockDevice device, Shape shape, long valueSize, int qd) {
        this.store = store;
        this.device = device;
        this.shape = shape;
        this.valueSize = valueSize;
        this.qd = qd;
        this.source = arena.allocate(valueSize + SHIFT_SPAN + 64, 4096);
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
        this.destinations = new MemorySegment[qd];
        this.metadataDestinations = new MemorySegment[qd];
        for (int lane = 0; lane < qd; lane++) {
            destinations[lane] = arena.allocate(valueSize, 4096);
            destinations[lane].fill((byte) 0); // touched now, not in the timed loop
            metadataDestinations[lane] = arena.allocate(64, 64);
        }
    }

    /**
     * The keys and value lengths of one run's chunks: {@code bench/<run>/<i>}, or with kvcache-mix
     * {@code bench/<run>/<i>kv_bytes} and {@code bench/<run>/<i>metadata}, like LMCache's Redis connector.
     */
    final class Keys {
        final byte[][] chunk;
        final byte[][] metadata;
        final long[] length;
        /** Bytes of value payload in the run: chunks plus metadata values. */
        final long payloadBytes;

        private Keys(String run, int chunks) {
            chunk = new byte[chunks][];
            metadata = shape == Shape.KVCACHE_MIX ? new byte[chunks][] : null;
            length = new long[chunks];
            // The same seed for every run: runs put the same sizes and stay comparable.
            SplittableRandom random = new SplittableRandom(0x5EED);
            long payload = 0;
            for (int i = 0; i < chunks; i++) {
                String base = "bench/" + run + "/" + i;
                if (shape == Shape.KVCACHE_MIX) {
                    chunk[i] = ascii(base + "kv_bytes");
                    metadata[i] = ascii(base + "metadata");
                    length[i] = i % PARTIAL_EVERY == PARTIAL_EVERY - 1 ? 1 + random.nextLong(valueSize - 1) : valueSize;
                    payload += length[i] + METADATA_BYTES;
                } else {
                    chunk[i] = ascii(base);
                    length[i] = valueSize;
                    payload += valueSize;
                }
            }
            payloadBytes = payload;
        }

        int count() {
            return chunk.length;
        }

        /** The keys a chunk's call puts or loads. */
        List<byte[]> of(int i) {
            return metadata == null ? List.of(chunk[i]) : List.of(chunk[i], metadata[i]);
        }

        long payloadOf(int i) {
            return metadata == null ? length[i] : length[i] + METADATA_BYTES;
        }
    }

    Keys keys(String run, int chunks) {
        return new Keys(run, chunks);
    }

    /**
     * What one pass measured, with its counts.
     *
     * @param figures      GB/s of value payload, calls per second, per-call latency, CPU per GB
     * @param failed       keys a put could not store, or that a load found but could not serve
     * @param firstFailure what happened to the first of them, or null
     * @param missed       keys a load did not find (evicted)
     * @param verified     values compared byte for byte with what was put
     */
    record Pass(Figures figures, long calls, long bytes, long failed, String firstFailure, long missed, long verified) {}

    /** Puts every chunk of {@code keys}, then flushes the device: the time is that of durable puts. */
    Pass put(Keys keys, DeviceWorkload.Observer observer) throws IOException, InterruptedException {
        return run(true, keys, observer);
    }

    /** Loads every chunk of {@code keys}, checking lengths and, every {@value #VERIFY_EVERY}th chunk, the bytes. */
    Pass get(Keys keys, DeviceWorkload.Observer observer) throws IOException, InterruptedException {
        return run(false, keys, observer);
    }

    /** Deletes every key of {@code keys} (untimed), so that the next run starts from an empty store. */
    void delete(Keys keys) {
        List<byte[]> batch = new ArrayList<>(DELETE_BATCH + 1);
        for (int i = 0; i < keys.count(); i++) {
            batch.addAll(keys.of(i));
            if (batch.size() >= DELETE_BATCH || i == keys.count() - 1) {
                store.deleteMany(batch, true);
                batch.clear();
            }
        }
    }

    private MemorySegment value(int i, long length) {
        return source.asSlice(shift(i), length);
    }

    private MemorySegment metadataValue(int i) {
        return source.asSlice(shift(i) + METADATA_SHIFT, METADATA_BYTES);
    }

    private static long shift(int i) {
        return i * SHIFT_STEP & (SHIFT_SPAN - 1);
    }

    /** The shared state of one pass; each worker touches only its own destinations. */
    private final class PassState {
        final boolean put;
        final Keys keys;
        final AtomicLong next = new AtomicLong();
        final LongAdder calls = new LongAdder();
        final LongAdder bytes = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder missed = new LongAdder();
        final LongAdder verified = new LongAdder();
        final AtomicReference<String> firstFailure = new AtomicReference<>();
        final AtomicReference<Throwable> error = new AtomicReference<>();

        PassState(boolean put, Keys keys) {
            this.put = put;
            this.keys = keys;
        }

        void work(int lane) {
            try {
                for (long i; error.get() == null && (i = next.getAndIncrement()) < keys.count(); ) {
                    if (put) put((int) i);
                    else get((int) i, lane);
                    calls.increment();
                }
            } catch (Throwable t) {
                error.compareAndSet(null, t);
            }
        }

        private void put(int i) {
            List<byte[]> k = keys.of(i);
            MemorySegment v = value(i, keys.length[i]);
            List<MemorySegment> values = keys.metadata == null ? List.of(v) : List.of(v, metadataValue(i));
            long t0 = System.nanoTime();
            PutResult[] results = store.putMany(k, values);
            latency.recordValue(System.nanoTime() - t0);
            for (int j = 0; j < results.length; j++) {
                if (results[j].stored()) continue;
                failed.increment();
                firstFailure.compareAndSet(null, results[j] + " for key " + text(k.get(j)));
            }
            bytes.add(keys.payloadOf(i));
        }

        private void get(int i, int lane) throws IOException {
            List<byte[]> k = keys.of(i);
            List<MemorySegment> into = keys.metadata == null ? List.of(destinations[lane])
                    : List.of(destinations[lane], metadataDestinations[lane]);
            long t0 = System.nanoTime();
            long[] lengths = store.loadMany(k, into);
            latency.recordValue(System.nanoTime() - t0);
            long served = 0;
            for (int j = 0; j < lengths.length; j++) {
                long expected = j == 0 ? keys.length[i] : METADATA_BYTES;
                if (lengths[j] == Store.MISS) {
                    missed.increment();
                    continue;
                }
                if (lengths[j] != expected) {
                    failed.increment();
                    firstFailure.compareAndSet(null, "load of key " + text(k.get(j)) + " returned " + lengths[j]
                            + ", expected a length of " + expected);
                    continue;
                }
                served += expected;
                if (i % VERIFY_EVERY == 0) {
                    MemorySegment put = j == 0 ? value(i, expected) : metadataValue(i);
                    long at = into.get(j).asSlice(0, expected).mismatch(put);
                    if (at != -1) {
                        throw new IOException("the value of key " + text(k.get(j)) + " read back differs from the "
                                + "value put, first at byte " + at + " of " + expected);
                    }
                    verified.increment();
                }
            }
            bytes.add(served);
        }
    }

    private Pass run(boolean put, Keys keys, DeviceWorkload.Observer observer)
            throws IOException, InterruptedException {
        PassState pass = new PassState(put, keys);
        int lanes = Math.min(qd, keys.count());
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch lanesLeft = new CountDownLatch(lanes);
        for (int lane = 0; lane < lanes; lane++) {
            int l = lane;
            // Daemon threads: a store call that never returns must not keep the JVM alive after the error.
            Thread.ofPlatform().daemon().name("bench-store-" + lane).start(() -> {
                try {
                    go.await();
                    pass.work(l);
                } catch (InterruptedException e) {
                    pass.error.compareAndSet(null, e);
                } finally {
                    lanesLeft.countDown();
                }
            });
        }
        latency.reset();
        long cpu0 = DeviceWorkload.processCpuNanos();
        long t0 = System.nanoTime();
        go.countDown(); // threads are started and waiting: their creation is not timed
        long lastCalls = -1;
        long lastChange = t0;
        while (!lanesLeft.await(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
            long now = System.nanoTime();
            observer.progress(pass.bytes.sum(), keys.payloadBytes, now - t0);
            long calls = pass.calls.sum();
            if (calls != lastCalls) {
                lastCalls = calls;
                lastChange = now;
            } else if (now - lastChange > STALL_NANOS) {
                throw new IOException("no store " + (put ? "put" : "load") + " finished on " + device.path() + " for "
                        + TimeUnit.NANOSECONDS.toSeconds(STALL_NANOS) + " s (" + device.stats().inFlight()
                        + " operations in flight); the store or the engine is stuck");
            }
        }
        Throwable error = pass.error.get();
        if (error != null) {
            if (error instanceof IOException io) throw io;
            throw new IOException((put ? "put" : "load") + " failed: " + Main.describe(error), error);
        }
        if (put) flush();
        long nanos = System.nanoTime() - t0;
        long cpu = DeviceWorkload.processCpuNanos() - cpu0;
        long bytes = pass.bytes.sum();
        long calls = pass.calls.sum();
        observer.progress(bytes, keys.payloadBytes, nanos);
        Histogram h = latency.getIntervalHistogram();
        Figures figures = new Figures(bytes / (double) nanos, calls * 1e9 / nanos, h.getValueAtPercentile(50) / 1e6,
                h.getValueAtPercentile(99) / 1e6, bytes > 0 ? cpu / (double) bytes : Double.NaN);
        return new Pass(figures, calls, bytes, pass.failed.sum(), pass.firstFailure.get(), pass.missed.sum(),
                pass.verified.sum());
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

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(byte[] key) {
        return new String(key, StandardCharsets.US_ASCII);
    }

    /** Frees the values and destinations; every worker has finished by the time a pass returns. */
    @Override
    public void close() {
        arena.close();
    }
}
