package dev.rawblock.cli.bench;

import dev.rawblock.cli.bench.ClosedLoop.Observer;
import org.HdrHistogram.Recorder;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBatch;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * rawblock's store workload, run against RocksDB: the same keys and values, the same {@code qd}
 * threads of the same {@link ClosedLoop}, each putting or getting one chunk per call (with
 * kvcache-mix, the chunk and its metadata value in one write batch, as rawblock puts them in one
 * call).
 *
 * <p>Calls use RocksJava's direct ByteBuffer variants: values go from the shared off-heap buffers
 * to RocksDB and back without a copy on the Java side (RocksDB still copies a put into its write
 * batch and memtable, as any user's put would). Every get must return the length that was put, and
 * every {@value BenchValues#VERIFY_EVERY}th value is compared byte for byte, as rawblock's are; a
 * miss or a wrong value ends the benchmark with an error, since nothing here evicts.
 */
final class RocksWorkload implements AutoCloseable {
    /** Room for any bench key ("bench/warmup/9999999metadata" is 28 bytes). */
    private static final int KEY_BUFFER_BYTES = 256;

    private final RocksPeer.Db db;
    private final BenchValues values;
    private final int qd;
    /** Per lane: one key buffer per value of a call, one destination view per value of a call. */
    private final ByteBuffer[][] keyBuffers;
    private final ByteBuffer[][] destinations;
    private final WriteBatch[] batches;

    RocksWorkload(RocksPeer.Db db, BenchValues values, int qd) {
        this.db = db;
        this.values = values;
        this.qd = qd;
        this.keyBuffers = new ByteBuffer[qd][2];
        this.destinations = new ByteBuffer[qd][2];
        this.batches = new WriteBatch[qd];
        for (int lane = 0; lane < qd; lane++) {
            for (int j = 0; j < 2; j++) {
                keyBuffers[lane][j] = ByteBuffer.allocateDirect(KEY_BUFFER_BYTES);
                destinations[lane][j] = values.destination(lane, j).asByteBuffer();
            }
            batches[lane] = new WriteBatch();
        }
    }

    /**
     * Puts every chunk of {@code keys}, then flushes the memtables, inside the timed interval:
     * like rawblock's put pass, it ends when every value is on disk in its final place.
     */
    Figures put(BenchKeys keys, Observer observer) throws IOException, InterruptedException {
        return ClosedLoop.run("RocksDB put", qd, keys.count(), keys.payloadBytes,
                (i, lane, latency) -> put(keys, i, lane, latency), db::flush, observer, this::stuck).figures();
    }

    /** Gets every chunk of {@code keys} and checks it (see the class comment). */
    Figures get(BenchKeys keys, Observer observer) throws IOException, InterruptedException {
        return ClosedLoop.run("RocksDB get", qd, keys.count(), keys.payloadBytes,
                (i, lane, latency) -> get(keys, i, lane, latency), () -> {}, observer, this::stuck).figures();
    }

    private long put(BenchKeys keys, int i, int lane, Recorder latency) throws Exception {
        if (keys.metadata == null) {
            ByteBuffer key = key(lane, 0, keys.chunk[i]);
            ByteBuffer value = values.value(keys, i, 0).asByteBuffer();
            long t0 = System.nanoTime();
            db.db.put(db.write, key, value);
            latency.recordValue(System.nanoTime() - t0);
        } else {
            WriteBatch batch = batches[lane];
            batch.clear();
            long t0 = System.nanoTime();
            batch.put(key(lane, 0, keys.chunk[i]), values.value(keys, i, 0).asByteBuffer());
            batch.put(key(lane, 1, keys.metadata[i]), values.value(keys, i, 1).asByteBuffer());
            db.db.write(db.write, batch);
            latency.recordValue(System.nanoTime() - t0);
        }
        return keys.payloadOf(i);
    }

    private long get(BenchKeys keys, int i, int lane, Recorder latency) throws Exception {
        int n = keys.metadata == null ? 1 : 2;
        int[] lengths = new int[n];
        long t0 = System.nanoTime();
        for (int j = 0; j < n; j++) {
            ByteBuffer into = destinations[lane][j].clear();
            lengths[j] = db.db.get(db.read, key(lane, j, keys.of(i).get(j)), into);
        }
        latency.recordValue(System.nanoTime() - t0);
        for (int j = 0; j < n; j++) {
            String key = BenchKeys.text(keys.of(i).get(j));
            if (lengths[j] == RocksDB.NOT_FOUND) throw new IOException("RocksDB has no value for key " + key
                    + ", which was put");
            long expected = keys.lengthOf(i, j);
            if (lengths[j] != expected) {
                throw new IOException("RocksDB get of key " + key + " returned " + lengths[j] + " bytes, expected "
                        + expected);
            }
            values.verify(keys, i, j, values.destination(lane, j));
        }
        return keys.payloadOf(i);
    }

    /** The lane's j-th key buffer, holding {@code key}, ready to be read. */
    private ByteBuffer key(int lane, int j, byte[] key) {
        return keyBuffers[lane][j].clear().put(key).flip();
    }

    private String stuck() {
        return "; RocksDB is stuck (see its LOG in " + db.dir + ")";
    }

    /** Frees the write batches; the database stays open (its owner closes it). */
    @Override
    public void close() {
        for (WriteBatch b : batches) b.close();
    }
}
