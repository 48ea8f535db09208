package dev.rawblock.server.resp;

import dev.rawblock.server.Wire;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * Encodes replies in RESP2, or RESP3 after {@code HELLO 3}. The two differ here in nulls
 * ({@code $-1} against {@code _}), maps (a flat array against {@code %}), sets (an array against
 * {@code ~}) and text for people (a bulk string against a verbatim string, {@code =}).
 *
 * <p>Every error reply is counted by its code (the first word) for {@code INFO errorstats}.
 */
final class RespWriter {
    private static final byte[] CRLF = {'\r', '\n'};

    private final Wire wire;
    private final ErrorStats errors;
    private int protocol = 2;

    RespWriter(Wire wire) {
        this(wire, new ErrorStats());
    }

    RespWriter(Wire wire, ErrorStats errors) {
        this.wire = wire;
        this.errors = errors;
    }

    int protocol() {
        return protocol;
    }

    void protocol(int version) {
        this.protocol = version;
    }

    void simple(String text) throws IOException {
        line('+', text);
    }

    /** An error reply; {@code message} starts with its code (ERR, WRONGPASS, NOAUTH...). */
    void error(String message) throws IOException {
        error(message.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * An error reply from raw bytes (Redis echoes a client's arguments in some errors as they
     * came). CR and LF become spaces, as in Redis, so the reply stays one line.
     */
    void error(byte[] message) throws IOException {
        byte[] line = new byte[message.length + 3];
        line[0] = '-';
        for (int i = 0; i < message.length; i++) {
            byte b = message[i];
            line[i + 1] = b == '\r' || b == '\n' ? (byte) ' ' : b;
        }
        line[line.length - 2] = '\r';
        line[line.length - 1] = '\n';
        wire.write(line);
        errors.count(message);
    }

    void integer(long n) throws IOException {
        line(':', Long.toString(n));
    }

    void bulk(byte[] bytes) throws IOException {
        line('$', Integer.toString(bytes.length));
        wire.write(bytes);
        wire.write(CRLF);
    }

    void bulk(String text) throws IOException {
        bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A bulk string straight from a value's memory (no copy on the heap). */
    void bulk(MemorySegment value) throws IOException {
        line('$', Long.toString(value.byteSize()));
        wire.writeValue(value);
        wire.write(CRLF);
    }

    void nullBulk() throws IOException {
        if (protocol == 3) wire.write(new byte[] {'_', '\r', '\n'});
        else wire.write(new byte[] {'$', '-', '1', '\r', '\n'});
    }

    void array(int n) throws IOException {
        line('*', Integer.toString(n));
    }

    /** A set of {@code n} elements: RESP3 has a type for it, RESP2 sends an array. */
    void set(int n) throws IOException {
        if (protocol == 3) line('~', Integer.toString(n));
        else array(n);
    }

    /**
     * Text meant for people (INFO, CLIENT LIST, CLUSTER INFO and NODES): RESP3's verbatim string of format {@code txt},
     * RESP2's bulk string, as Redis sends them.
     */
    void verbatim(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (protocol != 3) {
            bulk(bytes);
            return;
        }
        line('=', Integer.toString(bytes.length + 4));
        wire.write(new byte[] {'t', 'x', 't', ':'});
        wire.write(bytes);
        wire.write(CRLF);
    }

    /** A map of {@code n} pairs: RESP3 has a type for it, RESP2 sends the pairs as a flat array. */
    void map(int n) throws IOException {
        if (protocol == 3) line('%', Integer.toString(n));
        else array(2 * n);
    }

    private void line(char type, String text) throws IOException {
        byte[] bytes = (type + text + "\r\n").getBytes(StandardCharsets.UTF_8);
        wire.write(bytes);
    }
}
