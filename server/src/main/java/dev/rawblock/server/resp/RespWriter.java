package dev.rawblock.server.resp;

import dev.rawblock.server.Wire;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * Encodes replies in RESP2, or RESP3 after {@code HELLO 3}. The two differ here only in nulls
 * ({@code $-1} against {@code _}) and maps (a flat array against {@code %}).
 */
final class RespWriter {
    private static final byte[] CRLF = {'\r', '\n'};

    private final Wire wire;
    private int protocol = 2;

    RespWriter(Wire wire) {
        this.wire = wire;
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
        line('-', message.replace('\r', ' ').replace('\n', ' '));
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

    /** A map of {@code n} pairs: RESP3 has a type for it, RESP2 sends the pairs as a flat array. */
    void map(int n) throws IOException {
        if (protocol == 3) line('%', Integer.toString(n));
        else array(2 * n);
    }

    /** A set of {@code n} elements: RESP3 has a type for it, RESP2 sends an array. */
    void set(int n) throws IOException {
        line(protocol == 3 ? '~' : '*', Integer.toString(n));
    }

    /** Text for people (Redis's INFO, CLUSTER INFO and NODES): RESP3's verbatim string of format txt, else a bulk string. */
    void verbatim(String text) throws IOException {
        if (protocol != 3) {
            bulk(text);
            return;
        }
        byte[] bytes = ("txt:" + text).getBytes(StandardCharsets.UTF_8);
        line('=', Integer.toString(bytes.length));
        wire.write(bytes);
        wire.write(CRLF);
    }

    private void line(char type, String text) throws IOException {
        byte[] bytes = (type + text + "\r\n").getBytes(StandardCharsets.UTF_8);
        wire.write(bytes);
    }
}
