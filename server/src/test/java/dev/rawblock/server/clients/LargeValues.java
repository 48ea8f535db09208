package dev.rawblock.server.clients;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** SET and GET of large values streamed in chunks, with content derived from a seed so each value is distinct. */
final class LargeValues {
    private static final int CHUNK = 64 << 10;

    private LargeValues() {
    }

    private static final byte[] BASE = new java.util.Random(1).ints(CHUNK, 0, 256).collect(
            java.io.ByteArrayOutputStream::new, (o, b) -> o.write(b), (a, b) -> a.writeBytes(b.toByteArray())).toByteArray();

    /** The content of chunk {@code c} of value {@code seed}: random bytes, stamped with both so no two chunks agree. */
    private static byte[] chunk(int seed, int c) {
        byte[] b = BASE.clone();
        java.nio.ByteBuffer.wrap(b).putInt(seed).putInt(c);
        return b;
    }

    static void set(Socket s, String key, int size, int seed) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(("*3\r\n$3\r\nSET\r\n$" + key.length() + "\r\n" + key + "\r\n$" + size + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        for (int c = 0; c * CHUNK < size; c++) out.write(chunk(seed, c), 0, Math.min(CHUNK, size - c * CHUNK));
        out.write(new byte[] {'\r', '\n'});
        out.flush();
    }

    private static String lineOf(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) throw new IOException("connection closed");
            if (c != '\r') sb.append((char) c);
        }
        return sb.toString();
    }

    static void getAndVerify(Socket s, String key, int size, int seed) throws IOException {
        s.getOutputStream().write(("*2\r\n$3\r\nGET\r\n$" + key.length() + "\r\n" + key + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        String header = "$" + size;
        assertEquals(header, lineOf(in), key);
        for (int c = 0; c * CHUNK < size; c++) {
            int n = Math.min(CHUNK, size - c * CHUNK);
            int differs = java.util.Arrays.mismatch(in.readNBytes(n), 0, n, chunk(seed, c), 0, n);
            if (differs >= 0) throw new AssertionError(key + ": byte " + ((long) c * CHUNK + differs) + " differs");
        }
        assertEquals("\r\n", new String(in.readNBytes(2), StandardCharsets.US_ASCII));
    }
}
