package dev.rawblock.server;

import dev.rawblock.server.lm.LmFrames;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Thousands of generated bad frames, each on its own connection: every one gets an error reply
 * or a closed connection, never a hang; the server keeps serving and the stored data is untouched.
 */
class MalformedInputTest extends ServerFixture {
    private static final int RESP_FRAMES = 3000;
    private static final int LM_FRAMES = 1000;

    @Test
    void badFramesNeverHurtTheServerOrTheData() throws Exception {
        start(512 * MIB, c -> c.withLimits(64, java.time.Duration.ofSeconds(5), 32 * MIB, 256 * MIB));
        byte[] value = random(2 * (1 << 20), 42);
        try (Socket s = connect(server.respAddress())) {
            send(s, command("SET".getBytes(), "precious".getBytes(), value));
            assertEquals("+OK", line(s));
        }
        long entries = store.stats().entries();

        Random random = new Random(2026);
        for (int i = 0; i < RESP_FRAMES; i++) {
            byte[] frame = badRespFrame(random);
            byte[] reply = exchange(server.respAddress(), frame);
            if (reply.length > 0) {
                assertTrue(reply[0] == '-' || reply[0] == '+' || reply[0] == '$' || reply[0] == ':' || reply[0] == '*',
                        "a RESP reply to frame " + i + ": " + new String(reply, StandardCharsets.ISO_8859_1));
            }
        }
        for (int i = 0; i < LM_FRAMES; i++) exchange(server.lmAddress(), LmFrames.bad(random));

        assertTrue(server.stats().protocolErrors() > RESP_FRAMES / 4, "most bad frames were protocol errors: "
                + server.stats().protocolErrors());
        assertEquals(entries, store.stats().entries(), "nothing was stored or removed by bad input");
        assertEquals(0, server.context().values().budgetUsed(), "every value buffer was given back");
        try (Socket s = connect(server.respAddress())) {
            send(s, command("GET", "precious"));
            assertEquals("$" + value.length, line(s));
            assertArrayEquals(value, read(s, value.length));
        }
    }

    /** Sends a frame, closes the sending side, and returns whatever the server answered before closing. */
    private byte[] exchange(java.net.InetSocketAddress address, byte[] frame) throws IOException {
        try (Socket s = connect(address)) {
            try {
                send(s, frame);
                s.shutdownOutput();
            } catch (IOException closedEarly) {
                // The server may close before reading everything (a bad length): that is a fine answer.
            }
            try {
                return readToEnd(s);
            } catch (java.net.SocketException reset) {
                return new byte[0];
            }
        }
    }

    private static byte[] badRespFrame(Random r) {
        List<byte[]> kinds = new ArrayList<>();
        kinds.add(ascii("*" + (-2 - r.nextInt(1000)) + "\r\n$3\r\nGET\r\n"));            // negative count, then garbage
        kinds.add(ascii("*" + (Integer.MAX_VALUE + (long) r.nextInt(1000)) + "\r\n"));   // huge count
        kinds.add(ascii("*99999999999999999999999\r\n"));                                // not a number
        kinds.add(ascii("*2\r\n$-" + r.nextInt(100) + "\r\nab\r\n"));                   // negative length
        kinds.add(ascii("*2\r\n$" + (1L << 40) + "\r\n"));                               // beyond max-value-size
        kinds.add(ascii("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + (64 << 20) + "\r\n"));         // beyond max-pending
        kinds.add(ascii("*1\r\n:" + r.nextInt() + "\r\n"));                              // not a bulk string
        kinds.add(ascii("*2\r\n$3\r\nGETXY$1\r\nk\r\n"));                                // no CRLF after a bulk
        kinds.add(ascii("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nshort"));                 // truncated value
        kinds.add(ascii("*2\r\n$3x\r\nGET\r\n"));                                        // junk in a length
        kinds.add(ascii("*\r\n"));                                                       // no count at all
        byte[] longLine = new byte[70_000 + r.nextInt(10_000)];
        java.util.Arrays.fill(longLine, (byte) 'a');
        kinds.add(longLine);                                                             // a line without end
        byte[] garbage = new byte[1 + r.nextInt(300)];
        r.nextBytes(garbage);
        kinds.add(garbage);                                                              // anything at all
        ByteArrayOutputStream prefixed = new ByteArrayOutputStream();
        prefixed.writeBytes(ascii("*2\r\n$4\r\nPING\r\n$2\r\nhi\r\n"));                  // a good request first
        prefixed.writeBytes(garbage);
        kinds.add(prefixed.toByteArray());
        return kinds.get(r.nextInt(kinds.size()));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
