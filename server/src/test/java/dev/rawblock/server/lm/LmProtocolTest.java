package dev.rawblock.server.lm;

import dev.rawblock.server.ServerFixture;
import dev.rawblock.server.metrics.Scrape;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** lm:// as LMCache's client and reference server speak it (PROTOCOLS.md section 1 and the golden tests of section 4). */
class LmProtocolTest extends ServerFixture {
    private static final HexFormat HEX = HexFormat.of();

    private LmClient client() throws IOException {
        return new LmClient(connect(server.lmAddress()));
    }

    /** The metrics count lm:// requests by command, the value bytes without the stored trailer, and misses. */
    @Test
    void metricsCountLmRequests() throws Exception {
        start(512 * MIB, c -> c.withMetricsPort(0));
        try (LmClient c = client()) {
            c.put("chunk", random(5000, 1), 1, 2, new int[] {1, 2, 3, 4});
            assertEquals(5000, c.get("chunk").body().length);
            assertEquals(400, c.get("absent").code());
            assertEquals(200, c.exist("chunk").code());
            assertEquals(200, c.health().code());
        }
        Scrape m = Scrape.of(server.metricsAddress());
        for (String op : new String[] {"put", "exist", "health"}) {
            assertEquals(1, m.value("rawblock_requests_total{protocol=\"lm\",op=\"" + op + "\"}"), op);
        }
        assertEquals(2, m.value("rawblock_request_duration_seconds_count{protocol=\"lm\",op=\"get\"}"));
        assertEquals(5000, m.value("rawblock_value_bytes_total{protocol=\"lm\",direction=\"in\"}"));
        assertEquals(5000, m.value("rawblock_value_bytes_total{protocol=\"lm\",direction=\"out\"}"));
        assertEquals(0, m.value("rawblock_value_bytes_total{protocol=\"resp\",direction=\"in\"}"));
        assertEquals(1, m.value("rawblock_misses_total"));
    }


    @Test
    void requestHeaderParsesAsTheReferenceServerReadsIt() {
        // EXIST for key K, bytes from PROTOCOLS.md 1.6.
        byte[] exist = LmClient.request(3, 0, 1, 2, 0, new int[4], "K");
        assertEquals("030000000000000001000000020000000000000000000000000000000000000000000000" + "4b" + "20".repeat(149),
                HEX.formatHex(exist));
        LmMessages.Request r = LmMessages.Request.parse(ByteBuffer.wrap(exist));
        assertEquals(3, r.command());
        assertEquals("K", new String(r.key(), StandardCharsets.UTF_8));

        String key150 = "k".repeat(149) + "z";
        LmMessages.Request full = LmMessages.Request.parse(ByteBuffer.wrap(
                LmClient.request(1, 4096, 5, 3, 0, new int[] {2, 16, 256, 128}, key150)));
        assertEquals(key150, new String(full.key(), StandardCharsets.UTF_8), "a 150-byte key is kept whole");
        assertEquals(new LmMessages.Meta(5, 3, new int[] {2, 16, 256, 128}), full.meta());
        assertEquals(4096, full.length());

        LmMessages.Request padded = LmMessages.Request.parse(ByteBuffer.wrap(
                LmClient.request(2, 0, 1, 2, 0, new int[4], " \tkey with inner space  ")));
        assertEquals("key with inner space", new String(padded.key(), StandardCharsets.UTF_8),
                "whitespace is stripped at both ends, as str.strip() does");
    }

    @Test
    void replyHeadersAreTheReferenceServersBytes() throws IOException {
        start();
        try (LmClient c = client()) {
            c.send(3, "missing");
            assertEquals("900100000000000001000000020000000000000000000000000000000000000000000000",
                    HEX.formatHex(c.replyBytes()), "EXIST miss: (400, 0, 1, 2, 0,0,0,0, 0)");
            c.send(5, "");
            assertEquals("c80000000000000001000000020000000000000000000000000000000000000000000000",
                    HEX.formatHex(c.replyBytes()), "HEALTH: (200, 0, 1, 2, 0,0,0,0, 0)");
            c.send(2, "missing");
            assertEquals("900100000000000001000000020000000000000000000000000000000000000000000000",
                    HEX.formatHex(c.replyBytes()), "GET miss: no body");
            c.put("present", new byte[] {1, 2, 3}, 4, 6, new int[] {3, 0, 0, 0});
            c.send(3, "present");
            assertEquals("c80000000000000001000000020000000000000000000000000000000000000000000000",
                    HEX.formatHex(c.replyBytes()), "EXIST hit");
            c.send(2, "present");
            // GET hit: code, length, fmt, dtype, shape0..3, then location 0 last; then the body.
            assertEquals("c800000003000000040000000600000003000000000000000000000000000000" + "00000000",
                    HEX.formatHex(c.replyBytes()), "GET hit header: the PUT's fmt, dtype and shape, location 0 last");
            c.send(5, ""); // the body must come right after the header, before the next reply
            byte[] rest = new byte[3 + 36];
            assertEquals(rest.length, c.socket().getInputStream().readNBytes(rest, 0, rest.length));
            assertEquals("010203" + "c8000000", HEX.formatHex(rest, 0, 7));
        }
    }

    @Test
    void putsAreFireAndForgetAndTheStreamStaysInStep() throws IOException {
        start();
        byte[] first = random(1 << 20, 1), second = random(3 * (1 << 20) + 5, 2);
        int[] shape = {2, 32, 256, 128};
        try (LmClient c = client()) {
            c.put("chunk", first, 1, 3, shape);
            c.put("chunk", second, 2, 4, shape); // no replies in between
            LmClient.Reply got = c.get("chunk");
            assertEquals(200, got.code());
            assertArrayEquals(second, got.body(), "the second PUT's bytes");
            assertEquals(2, got.fmt());
            assertEquals(4, got.dtype());
            assertArrayEquals(shape, got.shape());
            assertEquals(0, got.location());
            assertEquals(200, c.health().code());
        }
    }

    @Test
    void emptyAndMultiPieceValuesRoundTrip() throws IOException {
        start();
        try (LmClient c = client()) {
            c.put("empty", new byte[0], 4, 1, new int[] {0, 0, 0, 0});
            LmClient.Reply empty = c.get("empty");
            assertEquals(200, empty.code());
            assertEquals(0, empty.length());
            byte[] big = random(5 * (1 << 20) + 4095, 6); // several pieces, the last one partial
            c.put("big", big, 2, 3, new int[] {2, 40, 256, 128});
            LmClient.Reply got = c.get("big");
            assertArrayEquals(big, got.body());
            assertArrayEquals(new int[] {2, 40, 256, 128}, got.shape());
            assertEquals(200, c.health().code(), "the stream is in step after both");
        }
    }

    @Test
    void aPutArrivingInManySmallSegmentsIsTheSame() throws Exception {
        start();
        byte[] value = random(256 * 1024 + 77, 3);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(LmClient.request(1, value.length, 1, 2, 0, new int[] {value.length, 0, 0, 0}, "seg"));
        stream.writeBytes(value);
        byte[] all = stream.toByteArray();
        try (Socket s = connect(server.lmAddress()); LmClient c = new LmClient(s)) {
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < all.length; i += 997) {
                out.write(all, i, Math.min(997, all.length - i));
                out.flush();
                if (i % (997 * 64) == 0) Thread.sleep(1);
            }
            LmClient.Reply got = c.get("seg");
            assertArrayEquals(value, got.body());
            assertArrayEquals(new int[] {value.length, 0, 0, 0}, got.shape());
        }
    }

    @Test
    void listGetsNoReplyAsFromTheReferenceServer() throws IOException {
        start();
        try (LmClient c = client()) {
            c.send(4, "");
            assertEquals(200, c.health().code(), "the next reply is HEALTH's: LIST said nothing");
        }
    }

    @Test
    void lmAndRespKeysDoNotMeet() throws IOException {
        start();
        try (LmClient c = client(); Socket r = connect(server.respAddress())) {
            send(r, command("SET", "shared", "from-resp"));
            assertEquals("+OK", line(r));
            assertEquals(400, c.get("shared").code(), "a RESP key is not an lm:// key");
            c.put("shared", new byte[] {9}, 1, 2, new int[] {1, 0, 0, 0});
            assertEquals(200, c.get("shared").code());
            send(r, command("GET", "shared"));
            assertEquals("$9", line(r));
        }
    }

    @Test
    void anUnknownCommandOrABadLengthClosesTheConnectionAndNothingElse() throws IOException {
        start();
        try (LmClient keep = client()) {
            keep.put("kept", new byte[] {1, 2}, 1, 2, new int[] {2, 0, 0, 0});
            try (Socket s = connect(server.lmAddress())) {
                send(s, LmClient.request(99, 0, 1, 2, 0, new int[4], "x"));
                assertEquals(0, readToEnd(s).length);
            }
            try (Socket s = connect(server.lmAddress())) {
                send(s, LmClient.request(1, -5, 1, 2, 0, new int[4], "x"));
                assertEquals(0, readToEnd(s).length);
            }
            try (Socket s = connect(server.lmAddress())) {
                send(s, LmClient.request(1, Integer.MAX_VALUE, 1, 2, 0, new int[4], "x"));
                assertEquals(0, readToEnd(s).length, "larger than max-value-size");
            }
            assertArrayEquals(new byte[] {1, 2}, keep.get("kept").body());
            assertEquals(3, server.stats().protocolErrors());
            assertNull(keep.health().body());
        }
    }
}
