package dev.rawblock.store;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The in-memory index alone, at the load a full store runs at: 2^20 entries in an index sized for
 * one more (so that an insert fits), i.e. {@value KeyIndex#MAX_LOAD_PERCENT}% of its cells in use,
 * 40 MiB of cells.
 *
 * <p>Fingerprints are made in setup ({@link FingerprintBenchmark} times them), so the scores are
 * probing alone. Keys are visited in insertion order, which still lands on random cells because a
 * cell's position comes from the hash: nearly every lookup misses the CPU caches, as in a store.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KeyIndexBenchmark {
    private static final int KEYS = 1 << 20;
    private static final int MASK = KEYS - 1;
    private static final long CHUNK_BYTES = 4L << 20;
    /** The store moves its slot -> position map along; here nothing follows the cells. */
    private static final KeyIndex.MoveListener NO_LISTENER = (slotId, newPosition) -> {};

    private KeyIndex index;
    private Fingerprint[] stored;
    private Fingerprint[] absent;
    private int next;

    @Setup
    public void fill() {
        SplittableRandom random = new SplittableRandom(0x5EED);
        stored = new Fingerprint[KEYS];
        absent = new Fingerprint[KEYS];
        for (int i = 0; i < KEYS; i++) {
            stored[i] = new Fingerprint(random.nextLong(), random.nextLong());
            absent[i] = new Fingerprint(random.nextLong(), random.nextLong());
        }
        index = new KeyIndex(KEYS + 1);
        for (int i = 0; i < KEYS; i++) index.insert(stored[i], i, CHUNK_BYTES, i, KeyIndex.MoveListener.NONE);
        // A hit benchmark that misses (or the reverse) would time the wrong probe length.
        for (int i = 0; i < KEYS; i++) {
            long pos = index.find(stored[i]);
            if (pos < 0 || index.slotId(pos) != i) throw new IllegalStateException("stored key " + i + " not found");
            if (index.find(absent[i]) >= 0) throw new IllegalStateException("absent key " + i + " found");
        }
    }

    /** A lookup of a stored key: what load, exists and delete do under the store lock. */
    @Benchmark
    public long findHit() {
        return index.find(stored[next++ & MASK]);
    }

    /** A lookup of an absent key: probes to the end of the run, which is long at 80% load. */
    @Benchmark
    public long findMiss() {
        return index.find(absent[next++ & MASK]);
    }

    /** A put's new cell and a delete's backward-shift removal of it; the index ends as it began. */
    @Benchmark
    public long insertThenRemove() {
        long pos = index.insert(absent[next++ & MASK], 0, CHUNK_BYTES, 0, KeyIndex.MoveListener.NONE);
        index.remove(pos, NO_LISTENER);
        return pos;
    }

    @TearDown
    public void close() {
        index.close();
    }
}
