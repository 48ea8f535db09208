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
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/** {@link Fingerprint#of}, which every put, load, exists and delete pays once per key. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FingerprintBenchmark {
    private byte[] key;

    @Setup
    public void makeKey() {
        key = SampleKeys.chunkKey(1);
    }

    /** A typical LMCache chunk key (110 bytes: six 16-byte blocks and a 14-byte tail). */
    @Benchmark
    public Fingerprint ofChunkKey() {
        return Fingerprint.of(key);
    }
}
