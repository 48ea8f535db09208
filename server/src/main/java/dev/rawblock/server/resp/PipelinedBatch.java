package dev.rawblock.server.resp;

import dev.rawblock.server.MemoryBudget.BudgetExceededException;
import dev.rawblock.server.ProtocolException;
import dev.rawblock.server.ServerContext;
import dev.rawblock.server.Values;
import dev.rawblock.server.Values.Loaded;
import dev.rawblock.server.RequestStats.Op;
import dev.rawblock.store.PutResult;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Pipelined GETs or SETs run as one store batch: a client that sends many of them without
 * waiting (redis-benchmark -P, a pipeline in redis-py) pays one lock, one device submission and
 * one journal flush for the lot instead of one each. Replies still go out one per request, in
 * order.
 *
 * <p>A batch is a plain {@code GET k} or {@code SET k v} and the requests of the same kind that
 * are already whole in the input buffer behind it ({@link RespReader#nextRequestBuffered}), so
 * batching never waits for input. It ends at a request of another kind or a key already in the
 * batch (a later SET of the same key must win). GETs of large values are not batched: they are
 * sent in pieces, one after the other.
 */
final class PipelinedBatch {
    /** Most requests in one batch. */
    static final int MAX = 256;
    /** GET batches load at most this many value bytes at once. */
    private static final long MAX_GET_BYTES = 1 << 20;

    private final RespReader reader;
    private final RespWriter writer;
    private final ServerContext context;

    PipelinedBatch(RespReader reader, RespWriter writer, ServerContext context) {
        this.reader = reader;
        this.writer = writer;
        this.context = context;
    }

    /** Whether {@code r} can start a batch: a plain GET or SET with a request behind it already buffered. */
    boolean startsWith(RespRequest r) {
        return kind(r) != null && reader.nextRequestBuffered();
    }

    /**
     * Runs {@code first} and the buffered requests of its kind behind it.
     *
     * @param single runs a request that the batch cannot take (a large GET), in order
     * @return the request read that does not belong to the batch (the caller runs it next), or null
     * @throws ProtocolException when a request behind the batch is malformed, after the batch ran
     *         and its replies were written
     */
    RespRequest run(RespRequest first, Single single) throws IOException, InterruptedException {
        String kind = kind(first);
        List<RespRequest> batch = new ArrayList<>(List.of(first));
        // Keys by content (a ByteBuffer's equals and hashCode are its bytes'), without copying them.
        Set<ByteBuffer> keys = new HashSet<>(List.of(ByteBuffer.wrap(first.arg(1).bytes())));
        RespRequest after = null;
        RuntimeException unreadable = null;
        try {
            while (batch.size() < MAX && reader.nextRequestBuffered()) {
                RespRequest next;
                try {
                    next = reader.read();
                } catch (ProtocolException | BudgetExceededException e) {
                    // A request that looked whole is malformed (no CRLF after a bulk string): the
                    // requests before it still run and get their replies, then the error is the caller's.
                    unreadable = e;
                    break;
                }
                if (kind.equals(kind(next)) && keys.add(ByteBuffer.wrap(next.arg(1).bytes()))) {
                    batch.add(next);
                } else {
                    after = next;
                    break;
                }
            }
            long start = System.nanoTime();
            if (kind.equals("SET")) sets(batch);
            else gets(batch, single);
            for (RespRequest r : batch) {
                context.stats().command();
                context.stats().requests().record(kind.equals("SET") ? Op.SET : Op.GET, start);
            }
            if (unreadable != null) throw unreadable;
            return after;
        } finally {
            for (RespRequest r : batch) r.close();
        }
    }

    /** Runs one request outside the batch. */
    interface Single {
        void run(RespRequest r) throws IOException, InterruptedException;
    }

    /** "GET" for {@code GET k}, "SET" for {@code SET k v}, null for anything else. */
    private String kind(RespRequest r) {
        String kind = batchable(r);
        return kind != null && ClusterGate.local(context, r.arg(1).bytes()) ? kind : null; // another node's key: -MOVED alone
    }

    private static String batchable(RespRequest r) {
        if (r == null || r.size() < 2) return null;
        String name = r.name();
        if (r.size() == 2 && name.equals("GET")) return "GET";
        if (r.size() == 3 && name.equals("SET") && r.arg(2).streamed() == null) return "SET";
        return null;
    }

    private void sets(List<RespRequest> batch) throws IOException, InterruptedException {
        List<byte[]> keys = new ArrayList<>(batch.size());
        List<MemorySegment> values = new ArrayList<>(batch.size());
        for (RespRequest r : batch) {
            keys.add(r.arg(1).bytes());
            values.add(r.arg(2).segment());
        }
        PutResult[] results = context.values().put(keys, values, true);
        for (int i = 0; i < results.length; i++) {
            if (Values.tookEffect(results[i])) {
                writer.simple("OK");
                context.stats().requests().valueBytes(Op.SET, values.get(i).byteSize());
            } else {
                PutReplies.error(writer, context, results[i]);
            }
        }
    }

    private void gets(List<RespRequest> batch, Single single) throws IOException, InterruptedException {
        List<byte[]> keys = new ArrayList<>(batch.size());
        for (RespRequest r : batch) keys.add(r.arg(1).bytes());
        Loaded[] loaded = context.values().load(keys, MAX_GET_BYTES);
        try {
            for (int i = 0; i < loaded.length; i++) {
                Loaded value = loaded[i];
                if (value == Loaded.LEFT_OUT) {
                    single.run(batch.get(i)); // past the batch's bytes: alone, in its turn (a large one streams)
                } else if (value == null) {
                    writer.nullBulk();
                } else {
                    writer.bulk(value.bytes());
                    context.stats().requests().valueBytes(Op.GET, value.length());
                }
            }
        } finally {
            for (Loaded l : loaded) if (l != null) l.close();
        }
    }
}
