package dev.rawblock.server.lm;

import dev.rawblock.server.MemoryBudget.BudgetExceededException;
import dev.rawblock.server.MemoryBudget.ValueBuffer;
import dev.rawblock.server.ProtocolException;
import dev.rawblock.server.RequestStats.Op;
import dev.rawblock.server.ServerContext;
import dev.rawblock.server.Values;
import dev.rawblock.server.Values.Loaded;
import dev.rawblock.server.Wire;
import dev.rawblock.server.lm.LmMessages.Meta;
import dev.rawblock.server.lm.LmMessages.Request;
import dev.rawblock.store.PutResult;

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
 * <p><b>Stored form.</b> A value is stored under {@link #NAMESPACE} + key, as its bytes followed
 * by a {@link #TRAILER_BYTES}-byte trailer holding its length, fmt, dtype and shape, so one slot
 * holds both and they are evicted together. The payload starts at the slot's data, so the device
 * still reads straight into the reply buffer.
 */
public final class LmSession implements Runnable {
    /** lm:// keys live apart from RESP keys, which never start with a NUL byte in practice. */
    static final byte[] NAMESPACE = {0, 'l', 'm', ':'};
    static final int TRAILER_BYTES = 32;
    private static final int MAGIC = 0x314d4c52; // "RLM1" little-endian

    private final Wire wire;
    private final ServerContext context;

    public LmSession(Wire wire, ServerContext context) {
        this.wire = wire;
        this.context = context;
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
        long max = context.config().maxValueBytes() - TRAILER_BYTES;
        if (length < 0 || length > max) {
            throw new ProtocolException("PUT length " + length + " outside 0.." + max);
        }
        long received = System.nanoTime();
        try (ValueBuffer buffer = context.values().buffer(length + TRAILER_BYTES)) {
            MemorySegment value = buffer.segment().asSlice(0, length + TRAILER_BYTES);
            wire.readFully(value.asSlice(0, length));
            received = System.nanoTime();
            writeTrailer(value.asSlice(length), (int) length, request.meta());
            PutResult result = context.values().put(List.of(storeKey(request.key())), List.of(value), true)[0];
            // PUT has no reply, so a failure can only be counted (it shows as failed_puts in INFO).
            if (Values.tookEffect(result)) context.stats().requests().valueBytes(Op.LM_PUT, length);
            else context.stats().failedPut();
        } catch (IllegalArgumentException | IllegalStateException e) {
            context.stats().failedPut(); // the store refused (offline, say): the stream is still in step
        }
        return received;
    }

    private void get(Request request) throws IOException, InterruptedException {
        Loaded found = load(request.key());
        if (found == null) {
            reply(LmMessages.FAIL, 0, Meta.DUMMY);
            return;
        }
        try (Loaded loaded = found) {
            MemorySegment bytes = loaded.bytes();
            Meta meta = readTrailer(bytes);
            if (meta == null) {
                reply(LmMessages.FAIL, 0, Meta.DUMMY);
                return;
            }
            int length = (int) (bytes.byteSize() - TRAILER_BYTES);
            // Header and body in one gathering write: the client reads the header with a single recv(36).
            wire.write(LmMessages.reply(LmMessages.SUCCESS, length, meta).array());
            wire.writeValue(bytes.asSlice(0, length));
            context.stats().requests().valueBytes(Op.LM_GET, length);
        }
    }

    private Loaded load(byte[] key) throws InterruptedException {
        try {
            return context.values().load(List.of(storeKey(key)))[0];
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

    private static void writeTrailer(MemorySegment trailer, int length, Meta meta) {
        ByteBuffer b = trailer.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(length).putInt(meta.fmt()).putInt(meta.dtype());
        for (int d : meta.shape()) b.putInt(d);
    }

    /** The meta a value was stored with, or null if it was not stored through lm:// (no trailer). */
    static Meta readTrailer(MemorySegment value) {
        if (value.byteSize() < TRAILER_BYTES) return null;
        ByteBuffer b = value.asSlice(value.byteSize() - TRAILER_BYTES).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != MAGIC || b.getInt() != value.byteSize() - TRAILER_BYTES) return null;
        return new Meta(b.getInt(), b.getInt(), new int[] {b.getInt(), b.getInt(), b.getInt(), b.getInt()});
    }
}
