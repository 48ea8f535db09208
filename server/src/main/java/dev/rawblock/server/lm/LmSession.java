package dev.rawblock.server.lm;

import dev.rawblock.server.MemoryBudget.BudgetExceededException;
import dev.rawblock.server.MemoryBudget.ValueBuffer;
import dev.rawblock.server.PieceSender;
import dev.rawblock.server.ProtocolException;
import dev.rawblock.server.RequestStats.Op;
import dev.rawblock.server.ServerContext;
import dev.rawblock.server.Values;
import dev.rawblock.server.Wire;
import dev.rawblock.server.lm.LmMessages.Meta;
import dev.rawblock.server.lm.LmMessages.Request;
import dev.rawblock.store.PutResult;
import dev.rawblock.store.ValueReader;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * One {@code lm://} connection, behaving as LMCache's reference server does (PROTOCOLS.md
 * section 1.6): requests strictly in order; PUT never replies (its bytes are always consumed, so
 * the stream stays in step even when the value cannot be stored); GET replies with the header and
 * then the bytes, or with FAIL; EXIST and HEALTH reply with a header; LIST gets nothing.
 *
 * <p>An unknown command or a PUT length out of range means the stream can no longer be trusted:
 * the connection is closed (the reference server would read on from a wrong position).
 *
 * <p><b>Stored form.</b> A value is stored under {@link #NAMESPACE} + key as one block of
 * metadata (magic, length, fmt, dtype, shape; the rest zero) followed by the bytes, so one slot
 * holds both and they are evicted together. A whole block keeps the bytes block-aligned: the
 * value moves between the device and its buffers without a copy, and a GET can send the metadata
 * as its reply header as soon as the first piece is read ({@link PieceSender}).
 */
public final class LmSession implements Runnable {
    /** lm:// keys live apart from RESP keys, which never start with a NUL byte in practice. */
    static final byte[] NAMESPACE = {0, 'l', 'm', ':'};
    private static final int META_BYTES = 32;
    private static final int MAGIC = 0x324d4c52; // "RLM2" little-endian

    /** A stored value as an lm:// GET reply: the metadata block becomes the 36-byte header. */
    private final PieceSender.Framing framing;
    private final PieceSender pieces;

    private final Wire wire;
    private final ServerContext context;

    public LmSession(Wire wire, ServerContext context) {
        this.wire = wire;
        this.context = context;
        this.pieces = new PieceSender(context.values());
        int metaBlock = context.values().block();
        this.framing = new PieceSender.Framing() {
            @Override
            public int skip() {
                return metaBlock;
            }

            @Override
            public byte[] header(MemorySegment prefix, long bodyLength) {
                Meta meta = readMeta(prefix, bodyLength);
                return meta == null ? null : LmMessages.reply(LmMessages.SUCCESS, (int) bodyLength, meta).array();
            }

            @Override
            public byte[] trailer() {
                return new byte[0];
            }
        };
    }

    @Override
    public void run() {
        try {
            while (wire.hasBuffered() || wire.fill()) {
                Request request = Request.parse(ByteBuffer.wrap(wire.readBytes(LmMessages.REQUEST_BYTES)));
                context.stats().command();
                long start = System.nanoTime();
                switch (request.command()) {
                    case LmMessages.PUT -> start = put(request);
                    case LmMessages.GET -> get(request);
                    case LmMessages.EXIST -> reply(exists(request) ? LmMessages.SUCCESS : LmMessages.FAIL, 0, Meta.DUMMY);
                    case LmMessages.HEALTH -> reply(LmMessages.SUCCESS, 0, Meta.DUMMY);
                    case LmMessages.LIST -> { } // the reference server does not answer LIST; neither do we
                    default -> throw new ProtocolException("unknown lm:// command " + request.command());
                }
                context.stats().requests().record(op(request.command()), start);
            }
            wire.flush();
        } catch (ProtocolException | BudgetExceededException e) {
            context.stats().protocolError();
        } catch (IOException | InterruptedException e) {
            // The client went away or the server is stopping.
        }
    }

    /** The operation a command counts as in the metrics (only known commands get this far). */
    private static Op op(int command) {
        return switch (command) {
            case LmMessages.PUT -> Op.LM_PUT;
            case LmMessages.GET -> Op.LM_GET;
            case LmMessages.EXIST -> Op.LM_EXIST;
            case LmMessages.HEALTH -> Op.LM_HEALTH;
            default -> Op.LM_LIST;
        };
    }

    static byte[] storeKey(byte[] key) {
        byte[] k = new byte[NAMESPACE.length + key.length];
        System.arraycopy(NAMESPACE, 0, k, 0, NAMESPACE.length);
        System.arraycopy(key, 0, k, NAMESPACE.length, key.length);
        return k;
    }

    /**
     * Reads the value and stores it. Returns when the value was in ({@link System#nanoTime}): its
     * service time starts there, as a RESP request's does once parsed, so a slow sender does not
     * count as a slow server.
     */
    private long put(Request request) throws IOException, InterruptedException {
        long length = request.length();
        int metaBlock = context.values().block();
        long max = context.config().maxValueBytes() - metaBlock;
        if (length < 0 || length > max) {
            throw new ProtocolException("PUT length " + length + " outside 0.." + max);
        }
        long received = System.nanoTime();
        try (ValueBuffer buffer = context.values().buffer(metaBlock + length)) {
            MemorySegment value = buffer.segment().asSlice(0, metaBlock + length);
            wire.readFully(value.asSlice(metaBlock, length));
            received = System.nanoTime();
            writeMeta(value.asSlice(0, metaBlock), (int) length, request.meta());
            PutResult result = context.values().put(List.of(storeKey(request.key())), List.of(value), true)[0];
            // PUT has no reply, so a failure can only be counted (it shows as failed_puts in INFO).
            if (Values.tookEffect(result)) context.stats().requests().valueBytes(Op.LM_PUT, length);
            else context.stats().failedPut();
        } catch (IllegalArgumentException | IllegalStateException e) {
            context.stats().failedPut(); // the store refused (offline, say): the stream is still in step
        }
        return received;
    }

    /** Replies with the header and the bytes, sent in pieces while the rest is read; or FAIL. */
    private void get(Request request) throws IOException, InterruptedException {
        ValueReader found = open(request.key());
        if (found == null) {
            context.values().missed();
            reply(LmMessages.FAIL, 0, Meta.DUMMY);
            return;
        }
        try (ValueReader reader = found) {
            if (pieces.send(reader, wire, framing)) {
                context.stats().requests().valueBytes(Op.LM_GET, reader.length() - framing.skip());
            } else {
                context.values().missed();
                reply(LmMessages.FAIL, 0, Meta.DUMMY);
            }
        }
    }

    private ValueReader open(byte[] key) {
        try {
            return context.values().openReader(storeKey(key));
        } catch (IllegalArgumentException | IllegalStateException e) {
            return null; // a store that cannot serve answers as a miss: the client recomputes
        }
    }

    private boolean exists(Request request) {
        try {
            return context.values().exists(List.of(storeKey(request.key())))[0];
        } catch (IllegalArgumentException | IllegalStateException e) {
            return false;
        }
    }

    private void reply(int code, int length, Meta meta) throws IOException {
        wire.write(LmMessages.reply(code, length, meta).array());
    }

    private static void writeMeta(MemorySegment block, int length, Meta meta) {
        block.fill((byte) 0);
        ByteBuffer b = block.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(length).putInt(meta.fmt()).putInt(meta.dtype());
        for (int d : meta.shape()) b.putInt(d);
    }

    /** The meta a value was stored with, or null if its first block is not lm:// metadata for {@code bodyLength} bytes. */
    static Meta readMeta(MemorySegment block, long bodyLength) {
        if (block.byteSize() < META_BYTES) return null;
        ByteBuffer b = block.asSlice(0, META_BYTES).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != MAGIC || b.getInt() != bodyLength) return null;
        return new Meta(b.getInt(), b.getInt(), new int[] {b.getInt(), b.getInt(), b.getInt(), b.getInt()});
    }
}
