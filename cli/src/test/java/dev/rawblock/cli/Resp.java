package dev.rawblock.cli;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A minimal, binary-safe RESP client for tests of a served store: one connection, one command at a time. */
final class Resp implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    Resp(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(30_000);
        in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
        out = new java.io.BufferedOutputStream(socket.getOutputStream());
    }

    /** SET; true when the server acknowledged it (+OK). */
    boolean set(String key, byte[] value) throws IOException {
        send(key.getBytes(StandardCharsets.UTF_8), value, "SET");
        return "+OK".equals(line());
    }

    /** GET: the value, or null for a miss. */
    byte[] get(String key) throws IOException {
        send(key.getBytes(StandardCharsets.UTF_8), null, "GET");
        return bulk();
    }

    /** INFO SECTION as text. */
    String info(String section) throws IOException {
        send(section.getBytes(StandardCharsets.UTF_8), null, "INFO");
        byte[] b = bulk();
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private void send(byte[] a, byte[] b, String command) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        int n = b == null ? 2 : 3;
        frame.write(("*" + n + "\r\n$" + command.length() + "\r\n" + command + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] arg : b == null ? new byte[][] {a} : new byte[][] {a, b}) {
            frame.write(("$" + arg.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            frame.write(arg);
            frame.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        frame.writeTo(out);
        out.flush();
    }

    private byte[] bulk() throws IOException {
        String header = line();
        if (!header.startsWith("$")) throw new IOException("expected a bulk reply, got " + header);
        int length = Integer.parseInt(header.substring(1));
        if (length < 0) return null;
        byte[] value = new byte[length];
        in.readFully(value);
        line(); // CRLF
        return value;
    }

    private String line() throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) throw new IOException("connection closed after '" + b + "'");
            if (c != '\r') b.append((char) c);
        }
        return b.toString();
    }

    /** Sends one command on a connection of its own and returns every byte of the reply. */
    static String request(int port, String... args) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            StringBuilder cmd = new StringBuilder("*" + args.length + "\r\n");
            for (String a : args) cmd.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
            OutputStream out = s.getOutputStream();
            out.write(cmd.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
