package dev.rawblock.server;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One connection's socket with an input and an output buffer, shared by both protocols.
 *
 * <p>Small items go through the buffers; large values move between the socket and their own
 * (aligned, native) memory directly: {@link #readFully(MemorySegment)} drains what is buffered
 * and then reads straight into the value, {@link #writeValue} sends buffered replies and the
 * value in one gathering write.
 *
 * <p><b>Replies are flushed before every blocking read.</b> So the replies to all the requests
 * that arrived together (a pipeline) leave in one write, and a client waiting for a reply
 * always gets it before the server waits for more input.
 */
public final class Wire implements AutoCloseable {
    static final int BUFFER_BYTES = 64 << 10;

    private final SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocateDirect(BUFFER_BYTES).flip();
    private final ByteBuffer out = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private final ServerStats stats;
    /** When the last byte arrived, and whether the connection is waiting for more (for the idle check). */
    private volatile long lastInputNanos = System.nanoTime();
    private volatile boolean waitingForInput;
    /** Whether the wait is for the rest of a value the client has started sending. */
    private volatile boolean midValue;

    public Wire(SocketChannel channel, ServerStats stats) {
        this.channel = channel;
        this.stats = stats;
    }

    public SocketChannel channel() {
        return channel;
    }

    // ---- input ----

    /** Whether bytes are buffered: the client sent more than has been parsed. */
    public boolean hasBuffered() {
        return in.hasRemaining();
    }

    /** The input buffer; parsers read it between {@link #fill} calls. */
    public ByteBuffer in() {
        return in;
    }

    /**
     * Reads more input into the buffer (flushing replies first).
     *
     * @return false at end of stream
     */
    public boolean fill() throws IOException {
        flush();
        if (in.position() > 0 || in.limit() == in.capacity()) in.compact().flip();
        if (in.limit() == in.capacity()) throw new ProtocolException("a line longer than " + BUFFER_BYTES + " bytes");
        int pos = in.position();
        in.position(in.limit()).limit(in.capacity());
        int n = read(in);
        in.limit(in.position()).position(pos);
        return n >= 0;
    }

    /** Reads exactly {@code dst.byteSize()} bytes into {@code dst}: buffered ones first, then from the socket. */
    public void readFully(MemorySegment dst) throws IOException {
        ByteBuffer target = dst.asByteBuffer();
        int take = Math.min(in.remaining(), target.remaining());
        target.put(target.position(), in, in.position(), take);
        in.position(in.position() + take);
        target.position(take);
        if (target.hasRemaining()) flush();
        midValue = true;
        try {
            while (target.hasRemaining()) {
                if (read(target) < 0) throw new EOFException("connection closed in the middle of a value");
            }
        } finally {
            midValue = false;
        }
    }

    /**
     * Reads and drops {@code n} bytes: a value refused for its size is still read to its end, so
     * that the client, which sends it whole before it reads a reply, gets the error instead of a
     * reset connection, and the connection stays usable.
     */
    public void skip(long n) throws IOException {
        midValue = true; // a client that stops half-way is cut off as for any value
        try {
            while (n > 0) {
                int take = (int) Math.min(in.remaining(), n);
                in.position(in.position() + take);
                n -= take;
                if (n > 0 && !fill()) throw new EOFException("connection closed in the middle of a value");
            }
        } finally {
            midValue = false;
        }
    }

    /** Reads exactly {@code n} bytes into a new array. */
    public byte[] readBytes(int n) throws IOException {
        byte[] bytes = new byte[n];
        readFully(MemorySegment.ofArray(bytes));
        return bytes;
    }

    private int read(ByteBuffer dst) throws IOException {
        waitingForInput = true;
        try {
            int n = channel.read(dst);
            if (n > 0) {
                lastInputNanos = System.nanoTime();
                stats.received(n);
            }
            return n;
        } finally {
            waitingForInput = false;
        }
    }

    /** Whether the connection has waited for input for longer than {@code nanos}. */
    boolean idleFor(long nanos) {
        return waitingForInput && System.nanoTime() - lastInputNanos > nanos;
    }

    /**
     * Whether the client stopped sending in the middle of a value more than {@code nanos} ago: it
     * holds memory, and perhaps a put others of the key wait for, so it is cut off even when idle
     * connections are kept.
     */
    boolean stalledFor(long nanos) {
        return midValue && idleFor(nanos);
    }

    // ---- output ----

    /** Buffers reply bytes, writing out whatever does not fit. */
    public void write(byte[] bytes) throws IOException {
        write(bytes, 0, bytes.length);
    }

    public void write(byte[] bytes, int off, int len) throws IOException {
        while (len > 0) {
            if (!out.hasRemaining()) flush();
            int n = Math.min(len, out.remaining());
            out.put(bytes, off, n);
            off += n;
            len -= n;
        }
    }

    /** The buffered replies, then {@code value}, in one gathering write. */
    public void writeValue(MemorySegment value) throws IOException {
        if (value.byteSize() < out.remaining()) {
            out.put(value.asByteBuffer());
            return;
        }
        ByteBuffer[] parts = {out.flip(), value.asByteBuffer()};
        try {
            while (parts[1].hasRemaining()) stats.sent(channel.write(parts));
        } finally {
            out.clear();
        }
    }

    /** Writes the buffered replies. */
    public void flush() throws IOException {
        out.flip();
        try {
            while (out.hasRemaining()) stats.sent(channel.write(out));
        } finally {
            out.clear();
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
