package dev.rawblock.store;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * CRC32C exactly as {@link SlotHeader} computes it ({@code SlotHeader.crc}: a fresh
 * {@link CRC32C} fed the segment as a direct ByteBuffer) over native memory, which is what I/O
 * buffers are: a 4 KiB block (a tiny value's header) and a 4 MiB chunk (a KV-cache payload).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class Crc32cBenchmark {
    @Param({"4096", "4194304"})
    public int bytes;

    private Arena arena;
    private MemorySegment data;

    @Setup
    public void fill() {
        arena = Arena.ofShared();
        data = arena.allocate(bytes, 4096);
        byte[] random = new byte[bytes];
        new SplittableRandom(bytes).nextBytes(random);
        MemorySegment.copy(MemorySegment.ofArray(random), 0, data, 0, bytes);
        // The direct-buffer path must agree with the plain array path, or we would time a wrong answer.
        CRC32C reference = new CRC32C();
        reference.update(data.toArray(JAVA_BYTE));
        if (SlotHeader.crc(data) != (int) reference.getValue()) {
            throw new IllegalStateException("CRC32C of native memory differs from CRC32C of the same bytes on the heap");
        }
    }

    @Benchmark
    public int nativeSegment() {
        return SlotHeader.crc(data);
    }

    @TearDown
    public void free() {
        arena.close();
    }
}
