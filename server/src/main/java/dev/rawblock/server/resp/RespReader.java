package dev.rawblock.server.resp;

import dev.rawblock.server.PieceReceiver;
import dev.rawblock.server.ProtocolException;
import dev.rawblock.server.Values;
import dev.rawblock.server.Wire;
import dev.rawblock.store.PutStream;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads RESP requests: arrays of bulk strings ({@code *2\r\n$3\r\nGET\r\n$1\r\nk\r\n}) as clients
 * send them, and inline commands ({@code GET k\r\n}) as people type them.
 *
 * <p>Every length is checked before anything is allocated: a count or a length that is negative,
 * not a number, or beyond the limits is a {@link ProtocolException}. A bulk string of
 * {@link #LARGE_BULK} bytes or more is read straight from the socket into an aligned value buffer
 * from the memory budget; smaller ones into heap arrays.
 */
final class RespReader {
    /** Bulk strings from this size on are values: they get an aligned native buffer. */
    static final int LARGE_BULK = 16 << 10;
    /** SET values from this size on are written to the device while they arrive. */
    static final int STREAMED_BULK = 1 << 20;
    /** Most arguments in one request (Redis allows more, but no command here needs them). */
    static final int MAX_ARGS = 1 << 20;

    private final Wire wire;
    private final Values values;
    private final PieceReceiver receiver;
    private final long maxValueBytes;
    private final long maxPendingBytes;

    RespReader(Wire wire, Values values, long maxValueBytes, long maxPendingBytes) {
        this.wire = wire;
        this.values = values;
        this.receiver = new PieceReceiver(values);
        this.maxValueBytes = maxValueBytes;
        this.maxPendingBytes = maxPendingBytes;
    }

    /**
     * The next request, or null when the client closed the connection between requests. An
     * empty array ({@code *0}) or a blank inline line gives an empty request.
     */
    RespRequest read() throws IOException, InterruptedException {
        ByteBuffer in = wire.in();
        if (!in.hasRemaining() && !wire.fill()) return null;
        if (in.get(in.position()) != '*') return inline();
        long count = number(line(), "multibulk length");
        if (count > MAX_ARGS) throw new ProtocolException("invalid multibulk length " + count);
        RespRequest request = new RespRequest((int) Math.max(count, 0));
        try {
            long pending = 0;
            long tooLarge = -1; // the length of a bulk string refused for its size: the rest is read and dropped
            for (int i = 0; i < count; i++) {
                byte[] header = line();
                if (header.length == 0 || header[0] != '$') {
                    throw new ProtocolException("expected '$', got '" + printable(header) + "'");
                }
                long length = number(header, "bulk length");
                if (length < 0) throw new ProtocolException("invalid bulk length " + length);
                if (tooLarge < 0 && length > maxValueBytes) tooLarge = length;
                if (tooLarge >= 0) {
                    wire.skip(length);
                    expectCrlf();
                    continue;
                }
                pending += length;
                if (pending > maxPendingBytes) {
                    throw new ProtocolException("request of more than " + maxPendingBytes + " bytes (max-pending)");
                }
                PutStream streamed = streamsValue(request, count, i, length) ? receiver.receive(request.arg(1).bytes(),
                        length, wire) : null;
                if (streamed != null) {
                    request.add(RespRequest.Arg.of(streamed));
                } else if (length >= LARGE_BULK) {
                    RespRequest.Arg arg = RespRequest.Arg.of(values.buffer(length), length);
                    request.add(arg);
                    wire.readFully(arg.segment());
                } else {
                    request.add(RespRequest.Arg.of(wire.readBytes((int) length)));
                }
                expectCrlf();
            }
            if (tooLarge >= 0) {
                throw new RequestRefusedException("value of " + tooLarge + " bytes is larger than max-value-size ("
                        + maxValueBytes + " bytes)");
            }
            return request;
        } catch (IOException | InterruptedException | RuntimeException e) {
            request.close();
            throw e;
        }
    }

    /**
     * Whether argument {@code i} is the value of a plain {@code SET key value} large enough to be
     * written while it arrives ({@link PieceReceiver}); SET with options is received whole.
     */
    private static boolean streamsValue(RespRequest request, long count, int i, long length) {
        return count == 3 && i == 2 && length >= STREAMED_BULK && request.arg(0).length() == 3
                && request.arg(0).text().equalsIgnoreCase("SET");
    }

    /**
     * Whether the input buffer already holds the whole next request, an array of small bulk
     * strings: then {@link #read} returns it without waiting for the socket. Anything else (an
     * inline command, a large value, a partial or malformed request) answers false, and
     * {@link #read} deals with it as usual.
     */
    boolean nextRequestBuffered() {
        ByteBuffer in = wire.in();
        int limit = in.limit();
        int pos = in.position();
        if (pos >= limit || in.get(pos) != '*') return false;
        long[] count = bufferedNumber(in, pos, limit);
        if (count == null || count[0] < 1 || count[0] > MAX_ARGS) return false;
        pos = (int) count[1];
        for (long i = 0; i < count[0]; i++) {
            if (pos >= limit || in.get(pos) != '$') return false;
            long[] length = bufferedNumber(in, pos, limit);
            if (length == null || length[0] < 0 || length[0] >= LARGE_BULK) return false;
            long end = length[1] + length[0] + 2;
            if (end > limit) return false;
            pos = (int) end;
        }
        return true;
    }

    /** The number on the line at {@code at} (after its type byte) and the position after the line; null if not all there. */
    private static long[] bufferedNumber(ByteBuffer in, int at, int limit) {
        long n = 0;
        int digits = 0;
        for (int i = at + 1; i < limit && digits <= 18; i++) {
            byte b = in.get(i);
            if (b == '\r') return digits > 0 && i + 1 < limit && in.get(i + 1) == '\n' ? new long[] {n, i + 2} : null;
            if (b < '0' || b > '9') return null;
            n = n * 10 + (b - '0');
            digits++;
        }
        return null;
    }

    private RespRequest inline() throws IOException {
        String text = new String(line(), StandardCharsets.UTF_8).strip();
        String[] words = text.isEmpty() ? new String[0] : text.split("[ \t]+");
        RespRequest request = new RespRequest(words.length);
        for (String w : words) request.add(RespRequest.Arg.of(w.getBytes(StandardCharsets.UTF_8)));
        return request;
    }

    /** The next line without its CRLF (a bare LF also ends a line, as for Redis's inline commands). */
    private byte[] line() throws IOException {
        ByteBuffer in = wire.in();
        int scanned = 0;
        while (true) {
            for (int i = in.position() + scanned; i < in.limit(); i++) {
                if (in.get(i) == '\n') {
                    int end = i > in.position() && in.get(i - 1) == '\r' ? i - 1 : i;
                    byte[] line = new byte[end - in.position()];
                    in.get(line);
                    in.position(i + 1);
                    return line;
                }
            }
            scanned = in.remaining(); // relative to the position, which survives fill's compaction
            if (!wire.fill()) throw new EOFException("connection closed in the middle of a request");
        }
    }

    private void expectCrlf() throws IOException {
        byte[] crlf = wire.readBytes(2);
        if (crlf[0] != '\r' || crlf[1] != '\n') throw new ProtocolException("expected CRLF after a bulk string");
    }

    /** The decimal number after the line's type byte. */
    private static long number(byte[] line, String what) {
        if (line.length < 2 || line.length > 20) throw new ProtocolException("invalid " + what + " '" + printable(line) + "'");
        boolean negative = line[1] == '-';
        int start = negative ? 2 : 1;
        if (start == line.length) throw new ProtocolException("invalid " + what + " '" + printable(line) + "'");
        long n = 0;
        for (int i = start; i < line.length; i++) {
            int d = line[i] - '0';
            if (d < 0 || d > 9) throw new ProtocolException("invalid " + what + " '" + printable(line) + "'");
            n = n * 10 + d;
        }
        return negative ? -n : n;
    }

    /** The first bytes of a bad line, safe to put in an error reply. */
    static String printable(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, 32); i++) {
            int b = bytes[i] & 0xff;
            sb.append(b >= 0x20 && b < 0x7f && b != '\'' ? (char) b : '?');
        }
        return bytes.length > 32 ? sb + "..." : sb.toString();
    }
}
