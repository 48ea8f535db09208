package dev.rawblock.server;

import dev.rawblock.server.MemoryBudget.ValueBuffer;
import dev.rawblock.store.Destination;
import dev.rawblock.store.GetResult;
import dev.rawblock.store.PutMode;
import dev.rawblock.store.PutResult;
import dev.rawblock.store.Store;
import dev.rawblock.store.ValueReader;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
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
        /** A key {@link #load(List, long)} left out, its value past the batch's bytes; it holds nothing. */
        public static final Loaded LEFT_OUT = new Loaded(null, -1);

        public MemorySegment bytes() {
            return buffer.segment().asSlice(0, length);
        }

        @Override
        public void close() {
            if (buffer != null) buffer.close();
        }
    }

    /** Loads each key, one lookup per key; null where it is not stored. The caller closes every non-null result. */
    public Loaded[] load(List<byte[]> keys) throws InterruptedException {
        return load(keys, Long.MAX_VALUE);
    }

    /**
     * As {@link #load(List)}, with at most {@code maxBytes} of value buffers for the batch: a key
     * whose value would take it past that is left out, {@link Loaded#LEFT_OUT} (for the caller to
     * load alone). The buffers are sized from the store's lookup, which then reads into them.
     */
    public Loaded[] load(List<byte[]> keys, long maxBytes) throws InterruptedException {
        ValueBuffer[] buffers = new ValueBuffer[keys.size()];
        long[] total = {0};
        Destination budgeted = (i, length) -> {
            if (total[0] + length > maxBytes) return null;
            total[0] += length;
            buffers[i] = buffer(length);
            return buffers[i].segment();
        };
        try {
            long[] got = store.loadMany(keys, budgeted);
            Loaded[] loaded = new Loaded[keys.size()];
            for (int i = 0; i < got.length; i++) {
                if (got[i] >= 0) {
                    loaded[i] = new Loaded(buffers[i], got[i]);
                    buffers[i] = null;
                } else if (got[i] == Store.DESTINATION_TOO_SMALL) {
                    loaded[i] = Loaded.LEFT_OUT;
                } else {
                    stats.missed(1);
                }
            }
            return loaded;
        } finally {
            for (ValueBuffer b : buffers) if (b != null) b.close();
        }
    }

    /** A GET's value: a large one to send in pieces, or a small one loaded whole. */
    public record Found(ValueReader large, Loaded small) {
    }

    /**
     * Looks up one key for a GET, once: values from {@link PieceSender#PIECE} bytes on are opened
     * for reading in pieces, smaller ones loaded whole into a buffer sized from that lookup.
     *
     * @return null when the key is not stored; the caller closes what it gets
     */
    public Found get(byte[] key) throws InterruptedException {
        ValueBuffer[] buffer = new ValueBuffer[1];
        try {
            GetResult got = store.get(key, PieceSender.PIECE, (i, length) -> (buffer[0] = buffer(length)).segment());
            if (got.reader() != null) return new Found(got.reader(), null);
            if (!got.loaded()) {
                stats.missed(1);
                return null;
            }
            Found found = new Found(null, new Loaded(buffer[0], got.length()));
            buffer[0] = null;
            return found;
        } finally {
            if (buffer[0] != null) buffer[0].close();
        }
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
