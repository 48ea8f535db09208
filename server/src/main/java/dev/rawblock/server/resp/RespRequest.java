package dev.rawblock.server.resp;

import dev.rawblock.server.MemoryBudget.ValueBuffer;
import dev.rawblock.store.PutStream;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One request's arguments; {@link #close} gives back the value buffers of large ones. */
final class RespRequest implements AutoCloseable {
    private final List<Arg> args;

    RespRequest(int capacity) {
        this.args = new ArrayList<>(Math.min(capacity, 1024));
    }

    void add(Arg arg) {
        args.add(arg);
    }

    int size() {
        return args.size();
    }

    Arg arg(int i) {
        return args.get(i);
    }

    /** The command name, upper-cased. */
    String name() {
        return args.getFirst().text().toUpperCase(Locale.ROOT);
    }

    /** Arguments {@code from}, {@code from + step}, ... as byte arrays (keys). */
    List<byte[]> keys(int from, int step) {
        List<byte[]> keys = new ArrayList<>((args.size() - from + step - 1) / step);
        for (int i = from; i < args.size(); i += step) keys.add(args.get(i).bytes());
        return keys;
    }

    @Override
    public void close() {
        for (Arg a : args) a.close();
    }

    /**
     * A bulk string: small ones on the heap, large ones in an aligned value buffer, and a large SET
     * value already written to the device as it arrived (a put waiting for its commit).
     */
    static final class Arg implements AutoCloseable {
        private final byte[] bytes;
        private final ValueBuffer buffer;
        private final PutStream streamed;
        private final long length;

        private Arg(byte[] bytes, ValueBuffer buffer, PutStream streamed, long length) {
            this.bytes = bytes;
            this.buffer = buffer;
            this.streamed = streamed;
            this.length = length;
        }

        static Arg of(byte[] bytes) {
            return new Arg(bytes, null, null, bytes.length);
        }

        static Arg of(ValueBuffer buffer, long length) {
            return new Arg(null, buffer, null, length);
        }

        static Arg of(PutStream streamed) {
            return new Arg(null, null, streamed, streamed.length());
        }

        /** The put this value was written into as it arrived, or null when the bytes are in memory. */
        PutStream streamed() {
            return streamed;
        }

        /** The bytes as memory the store can write from (a large one's aligned buffer, without a copy). */
        MemorySegment segment() {
            if (streamed != null) throw new IllegalStateException("the value went to the device as it arrived");
            return buffer != null ? buffer.segment().asSlice(0, length) : MemorySegment.ofArray(bytes);
        }

        /** The bytes as an array (a copy for a large one: fine for keys, which are small). */
        byte[] bytes() {
            return bytes != null ? bytes : segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }

        String text() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        long length() {
            return length;
        }

        @Override
        public void close() {
            if (buffer != null) buffer.close();
            if (streamed != null) streamed.close(); // abandons the put unless it was committed
        }
    }
}
