package dev.rawblock.server.lm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An lm:// client written from the wire format (PROTOCOLS.md section 1), the way LMCache's
 * lm_connector uses it: 186-byte requests, 36-byte replies read with one read, PUT without reply.
 */
final class LmClient implements AutoCloseable {
    record Reply(int code, int length, int fmt, int dtype, int[] shape, int location, byte[] body) {
    }

    private final Socket socket;

    LmClient(Socket socket) {
        this.socket = socket;
    }

    Socket socket() {
        return socket;
    }

    /** The 186 request bytes, as Python's struct.pack("iiiiiiiii150s", ...) makes them. */
    static byte[] request(int command, int length, int fmt, int dtype, int location, int[] shape, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(186).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(command).putInt(length).putInt(fmt).putInt(dtype).putInt(location);
        for (int d : shape) b.putInt(d);
        byte[] padded = new byte[150];
        Arrays.fill(padded, (byte) ' ');
        System.arraycopy(k, 0, padded, 0, Math.min(k.length, 150));
        b.put(padded);
        return b.array();
    }

    void put(String key, byte[] value, int fmt, int dtype, int[] shape) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(request(1, value.length, fmt, dtype, 0, shape, key));
        out.write(value);
        out.flush();
    }

    Reply get(String key) throws IOException {
        send(2, key);
        Reply header = reply();
        if (header.code() != 200) return header;
        byte[] body = socket.getInputStream().readNBytes(header.length());
        return new Reply(header.code(), header.length(), header.fmt(), header.dtype(), header.shape(), header.location(), body);
    }

    Reply exist(String key) throws IOException {
        send(3, key);
        return reply();
    }

    Reply health() throws IOException {
        send(5, "");
        return reply();
    }

    /** A request with the client's dummy values (fmt 1, dtype 2, shape zero), as for GET, EXIST and HEALTH. */
    void send(int command, String key) throws IOException {
        socket.getOutputStream().write(request(command, 0, 1, 2, 0, new int[4], key));
        socket.getOutputStream().flush();
    }

    /** A 36-byte reply, decoded in the order the client's deserialize reads it: location last. */
    Reply reply() throws IOException {
        byte[] raw = replyBytes();
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int code = b.getInt(), length = b.getInt(), fmt = b.getInt(), dtype = b.getInt();
        int[] shape = {b.getInt(), b.getInt(), b.getInt(), b.getInt()};
        return new Reply(code, length, fmt, dtype, shape, b.getInt(), null);
    }

    byte[] replyBytes() throws IOException {
        InputStream in = socket.getInputStream();
        byte[] raw = in.readNBytes(36);
        if (raw.length != 36) throw new IOException("connection closed after " + raw.length + " reply bytes");
        return raw;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
