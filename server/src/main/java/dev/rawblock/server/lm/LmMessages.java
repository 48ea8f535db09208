package dev.rawblock.server.lm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The fixed-size messages of LMCache's {@code lm://} protocol (LMCache v1 {@code protocol.py}),
 * little-endian int32s as Python's {@code struct} packs them on x86-64 and arm64.
 *
 * <pre>
 * request, 186 bytes:  command length fmt dtype location shape0 shape1 shape2 shape3 | key (150 bytes, space padded)
 * reply,    36 bytes:  code    length fmt dtype shape0   shape1 shape2 shape3 location
 * </pre>
 *
 * Note that location moves from fifth in the request to last in the reply: that is what the
 * client's {@code deserialize} reads (PROTOCOLS.md section 1.3). fmt, dtype and shape are opaque
 * here: stored at PUT, echoed at GET.
 */
final class LmMessages {
    static final int REQUEST_BYTES = 186;
    static final int REPLY_BYTES = 36;
    static final int KEY_BYTES = 150;

    static final int PUT = 1, GET = 2, EXIST = 3, LIST = 4, HEALTH = 5;
    static final int SUCCESS = 200, FAIL = 400;

    private LmMessages() {
    }

    /** What a value was stored with, returned with it: format, dtype, and the shape padded to 4 dims. */
    record Meta(int fmt, int dtype, int[] shape) {
        /** The reference server's dummy values in replies without a body: fmt 1, dtype 2 (fp16), shape zero. */
        static final Meta DUMMY = new Meta(1, 2, new int[4]);

        @Override
        public boolean equals(Object o) {
            return o instanceof Meta m && m.fmt == fmt && m.dtype == dtype && Arrays.equals(m.shape, shape);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * fmt + dtype) + Arrays.hashCode(shape);
        }
    }

    /** A parsed request header. */
    record Request(int command, int length, Meta meta, int location, byte[] key) {
        static Request parse(ByteBuffer bytes) {
            ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int command = b.getInt(0), length = b.getInt(4), fmt = b.getInt(8), dtype = b.getInt(12);
            int location = b.getInt(16);
            int[] shape = {b.getInt(20), b.getInt(24), b.getInt(28), b.getInt(32)};
            byte[] key = new byte[KEY_BYTES];
            b.get(36, key);
            return new Request(command, length, new Meta(fmt, dtype, shape), location, strip(key));
        }

        /** The key as the reference server reads it: decoded and stripped of whitespace at both ends. */
        private static byte[] strip(byte[] key) {
            int from = 0, to = key.length;
            while (from < to && whitespace(key[from])) from++;
            while (to > from && whitespace(key[to - 1])) to--;
            return Arrays.copyOfRange(key, from, to);
        }

        private static boolean whitespace(byte b) {
            return b == ' ' || (b >= '\t' && b <= '\r') || b == 0x1c || b == 0x1d || b == 0x1e || b == 0x1f;
        }
    }

    /** A reply header: the fields in the order the client reads them, location (always 0) last. */
    static ByteBuffer reply(int code, int length, Meta meta) {
        ByteBuffer b = ByteBuffer.allocate(REPLY_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(code).putInt(length).putInt(meta.fmt()).putInt(meta.dtype());
        for (int d : meta.shape()) b.putInt(d);
        b.putInt(0);
        return b.flip();
    }
}
