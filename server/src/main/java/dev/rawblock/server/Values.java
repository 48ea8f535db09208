package dev.rawblock.server;

import dev.rawblock.server.MemoryBudget.ValueBuffer;
import dev.rawblock.store.PutMode;
import dev.rawblock.store.PutResult;
import dev.rawblock.store.Store;
import dev.rawblock.store.ValueReader;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The store as both protocols use it: Redis-style overwrite on put, and loads into budgeted,
 * aligned buffers sized to each value so the device reads straight into the memory the reply is
 * sent from.
 */
public final class Values {
    private final Store store;
    private final MemoryBudget budget;
    private final int block;
    private final Duration wait;
    private final ServerStats stats;

    public Values(Store store, MemoryBudget budget, Duration wait, ServerStats stats) {
        this.store = store;
        this.stats = stats;
        this.budget = budget;
        this.block = store.superblock().blockBytes();
        this.wait = wait;
    }

    public Store store() {
        return store;
    }

    /** The store's block size: values that are whole blocks move without a copy. */
    public int block() {
        return block;
    }

    /** Bytes of value buffers in use now. */
    public long budgetUsed() {
        return budget.used();
    }

    /** A buffer for a value of {@code length} bytes arriving from a client (aligned, padded to a block). */
    public ValueBuffer buffer(long length) throws InterruptedException {
        return budget.allocate(padded(length), wait);
    }

    private long padded(long length) {
        return Math.max(block, (length + block - 1) / block * block);
    }

    /**
     * Stores each value under its key. With {@code replace}, a key that is stored already gets
     * the new value atomically (Redis SET: a GET meanwhile sees the old value or the new one);
     * without, the first value stays (SET NX). A key another request is writing at the same moment
     * waits for that write to end, as Redis would have run the two in turn.
     */
    public PutResult[] put(List<byte[]> keys, List<MemorySegment> values, boolean replace) {
        return put(keys, values, replace, null);
    }

    /**
     * As {@link #put(List, List, boolean)}, with per key an expiry time (epoch milliseconds, 0 for
     * none, {@link Store#KEEP_EXPIRY} to keep the old value's); null for no expiry at all.
     */
    public PutResult[] put(List<byte[]> keys, List<MemorySegment> values, boolean replace, long[] expiresAt) {
        return store.putMany(keys, values, replace ? PutMode.REPLACE : PutMode.IF_ABSENT, expiresAt);
    }

    /**
     * Whether a put through {@link #put} (or a streamed one) took effect: stored, or deleted by a
     * concurrent DEL of the same key while it was written (CANCELED), which, run in turn, would
     * have come after it.
     */
    public static boolean tookEffect(PutResult result) {
        return result.stored() || result == PutResult.CANCELED;
    }

    /** A loaded value: its bytes are the first {@code length} of {@code buffer}; close to give the buffer back. */
    public record Loaded(ValueBuffer buffer, long length) implements AutoCloseable {
        public MemorySegment bytes() {
            return buffer.segment().asSlice(0, length);
        }

        @Override
        public void close() {
            buffer.close();
        }
    }

    /** Loads each key; null where it is not stored. The caller closes every non-null result. */
    public Loaded[] load(List<byte[]> keys) throws InterruptedException {
        return load(keys, store.lengths(keys));
    }

    /** As {@link #load(List)}, with the keys' {@link Store#lengths} already looked up. */
    public Loaded[] load(List<byte[]> keys, long[] lengths) throws InterruptedException {
        Loaded[] loaded = new Loaded[keys.size()];
        List<ValueBuffer> buffers = new ArrayList<>(keys.size());
        List<byte[]> present = new ArrayList<>(keys.size());
        List<Integer> where = new ArrayList<>(keys.size());
        try {
            for (int i = 0; i < keys.size(); i++) {
                if (lengths[i] < 0) {
                    stats.missed(1);
                    continue;
                }
                buffers.add(buffer(lengths[i]));
                present.add(keys.get(i));
                where.add(i);
            }
            long[] got = store.loadMany(present, buffers.stream().map(ValueBuffer::segment).toList());
            for (int j = 0; j < got.length; j++) {
                int i = where.get(j);
                if (got[j] >= 0) {
                    loaded[i] = new Loaded(buffers.get(j), got[j]);
                    buffers.set(j, null);
                } else if (got[j] == Store.MISS) {
                    stats.missed(1);
                } else if (got[j] == Store.DESTINATION_TOO_SMALL) {
                    // The key was deleted and stored again with a larger value meanwhile: load that one.
                    buffers.get(j).close();
                    buffers.set(j, null);
                    loaded[i] = load(List.of(keys.get(i)))[0];
                }
            }
            return loaded;
        } catch (InterruptedException | RuntimeException e) {
            for (Loaded l : loaded) if (l != null) l.close();
            throw e;
        } finally {
            for (ValueBuffer b : buffers) if (b != null) b.close();
        }
    }

    /** A GET's value: a large one to send in pieces, or a small one loaded whole. */
    public record Found(ValueReader large, Loaded small) {
    }

    /**
     * Looks up one key for a GET: values from {@link PieceSender#PIECE} bytes on are opened for
     * reading in pieces, smaller ones loaded whole (one lookup of the length either way).
     *
     * @return null when the key is not stored; the caller closes what it gets
     */
    public Found get(byte[] key) throws InterruptedException {
        List<byte[]> keys = List.of(key);
        long[] lengths = store.lengths(keys);
        if (lengths[0] >= PieceSender.PIECE) {
            ValueReader reader = store.openReader(key);
            if (reader != null) return new Found(reader, null);
            lengths = store.lengths(keys); // deleted or replaced meanwhile: look again
        }
        Loaded loaded = load(keys, lengths)[0];
        return loaded == null ? null : new Found(null, loaded);
    }

    /** Opens a value for reading in pieces ({@link PieceSender}); null when it is not stored or fits in its slot header. */
    public ValueReader openReader(byte[] key) {
        return store.openReader(key);
    }

    /** Counts a GET that found nothing by a path other than {@link #load}. */
    public void missed() {
        stats.missed(1);
    }

    public boolean[] exists(List<byte[]> keys) {
        return store.existsMany(keys, false);
    }

    /** Deletes each key; true where one was stored. */
    public boolean[] delete(List<byte[]> keys) {
        return store.deleteMany(keys, false);
    }

    /** How many of the keys, from the first, are stored. */
    public int prefixHits(List<byte[]> keys) {
        return store.prefixHits(keys, false);
    }
}
