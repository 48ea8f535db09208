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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The CPU a put spends building a slot header and a load spends checking one, for the two shapes
 * the store sees: LMCache's 28-byte {@code <key>metadata} value, which lives inside its 4 KiB
 * header block, and a 4 MiB KV-cache chunk, whose header is written and read beside a zero-copy
 * payload. For the chunk, the payload's CRC32C is nearly all of the cost.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SlotHeaderBenchmark {
    private static final int BLOCK = 4096;
    private static final long STORE_ID = 0x1D;
    private static final long SEQ = 42;
    private static final int METADATA_BYTES = 28;
    private static final int CHUNK_BYTES = 4 << 20;

    private Arena arena;
    private byte[] key;
    private Fingerprint fp;
    private MemorySegment metadata;
    private MemorySegment metadataSlot;
    private MemorySegment chunk;
    private MemorySegment chunkHeader;

    @Setup
    public void encodeBoth() {
        arena = Arena.ofShared();
        key = SampleKeys.chunkKey(2);
        fp = Fingerprint.of(key);
        metadata = random(METADATA_BYTES);
        metadataSlot = arena.allocate(SlotHeader.ioBytes(key.length, METADATA_BYTES, BLOCK), BLOCK);
        chunk = random(CHUNK_BYTES);
        chunkHeader = arena.allocate(SlotHeader.headerBytes(key.length, CHUNK_BYTES, BLOCK), BLOCK);
        if (!SlotHeader.inline(key.length, METADATA_BYTES, BLOCK) || SlotHeader.inline(key.length, CHUNK_BYTES, BLOCK)) {
            throw new IllegalStateException("the metadata value must be inline and the chunk must not");
        }
        SlotHeader.encode(metadataSlot, key, fp, STORE_ID, SEQ, metadata, BLOCK);
        SlotHeader.encodeHeader(chunkHeader, key, fp, STORE_ID, SEQ, chunk, BLOCK);
        // The verify benchmarks must time the full check of a good slot, not an early rejection.
        requireGood(SlotHeader.verify(metadataSlot, key, STORE_ID, METADATA_BYTES, BLOCK));
        requireGood(SlotHeader.verify(chunkHeader, chunk, key, STORE_ID, CHUNK_BYTES, BLOCK));
        requireGood(SlotHeader.verifyHeader(chunkHeader, fp, STORE_ID, CHUNK_BYTES, SEQ));
    }

    /**
     * A put of a tiny value: header, key and value into one 4 KiB block, the rest of it zeroed, a
     * CRC of the value and one of the ~190 header bytes.
     */
    @Benchmark
    public MemorySegment encodeInline() {
        SlotHeader.encode(metadataSlot, key, fp, STORE_ID, SEQ, metadata, BLOCK);
        return metadataSlot;
    }

    /** A load of a tiny value. */
    @Benchmark
    public String verifyInline() {
        return SlotHeader.verify(metadataSlot, key, STORE_ID, METADATA_BYTES, BLOCK);
    }

    /** A put of a chunk: the header block only (the payload is written from the caller's memory). */
    @Benchmark
    public MemorySegment encodeHeader4MiB() {
        SlotHeader.encodeHeader(chunkHeader, key, fp, STORE_ID, SEQ, chunk, BLOCK);
        return chunkHeader;
    }

    /** A load of a chunk: header checks and the payload's CRC32C. */
    @Benchmark
    public String verify4MiB() {
        return SlotHeader.verify(chunkHeader, chunk, key, STORE_ID, CHUNK_BYTES, BLOCK);
    }

    /** Recovery's check of a chunk's header: no payload read, so no payload CRC. */
    @Benchmark
    public String verifyHeader4MiB() {
        return SlotHeader.verifyHeader(chunkHeader, fp, STORE_ID, CHUNK_BYTES, SEQ);
    }

    @TearDown
    public void free() {
        arena.close();
    }

    private MemorySegment random(int bytes) {
        byte[] b = new byte[bytes];
        new SplittableRandom(bytes).nextBytes(b);
        return arena.allocate(bytes, BLOCK).copyFrom(MemorySegment.ofArray(b));
    }

    private static void requireGood(String problem) {
        if (problem != null) throw new IllegalStateException("a freshly encoded slot fails its check: " + problem);
    }
}
