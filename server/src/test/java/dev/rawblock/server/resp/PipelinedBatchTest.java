package dev.rawblock.server.resp;

import dev.rawblock.server.ServerFixture;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pipelined GETs and SETs over a real connection: one store batch for the lot, replies one per
 * request in order, a later SET of a key wins, and a bad frame behind good requests does not
 * swallow their replies.
 */
class PipelinedBatchTest extends ServerFixture {
    private static byte[] pipeline(byte[]... commands) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] c : commands) out.writeBytes(c);
        return out.toByteArray();
    }

    @Test
    void manySetsAndGetsSentTogetherRunAsFewBatchesWithRepliesInOrder() throws IOException {
        start();
        int n = 200;
        byte[][] sets = new byte[n][], gets = new byte[n][];
        for (int i = 0; i < n; i++) {
            sets[i] = command("SET", "k" + i, "value-" + i);
            gets[i] = command("GET", "k" + i);
        }
        try (Socket s = connect(server.respAddress())) {
            long lockBefore = store.stats().lockAcquisitions();
            long groupsBefore = store.stats().journalGroups();
            send(s, pipeline(sets));
            for (int i = 0; i < n; i++) assertEquals("+OK", line(s), "reply " + i);
            long groups = store.stats().journalGroups() - groupsBefore;
            assertTrue(groups < n / 4, "the SETs shared journal writes: " + groups + " groups for " + n);
            assertTrue(store.stats().lockAcquisitions() - lockBefore < n, "and the store lock");
            send(s, pipeline(gets));
            for (int i = 0; i < n; i++) {
                String v = "value-" + i;
                assertEquals("$" + v.length(), line(s), "reply " + i);
                assertEquals(v, line(s));
            }
        }
    }

    @Test
    void aLaterSetOfTheSameKeyInThePipelineWins() throws IOException {
        start();
        try (Socket s = connect(server.respAddress())) {
            send(s, pipeline(command("SET", "a", "1"), command("SET", "b", "x"), command("SET", "a", "2"),
                    command("GET", "a"), command("GET", "missing"), command("GET", "b")));
            for (int i = 0; i < 3; i++) assertEquals("+OK", line(s));
            assertEquals("$1", line(s));
            assertEquals("2", line(s));
            assertEquals("$-1", line(s));
            assertEquals("$1", line(s));
            assertEquals("x", line(s));
        }
    }

    /**
     * Values past the batch's bytes (1 MiB): the first is loaded with the batch, the others are
     * left out of it and answered alone, each in its turn.
     */
    @Test
    void pipelinedGetsPastTheBatchBytesAreAnsweredInOrder() throws IOException {
        start();
        byte[][] values = new byte[3][];
        try (Socket s = connect(server.respAddress())) {
            for (int i = 0; i < 3; i++) {
                values[i] = random(600 << 10, i);
                send(s, command("SET".getBytes(), ("big" + i).getBytes(), values[i]));
                assertEquals("+OK", line(s));
            }
            send(s, pipeline(command("GET", "big0"), command("GET", "big1"), command("GET", "big2")));
            for (int i = 0; i < 3; i++) {
                assertEquals("$" + values[i].length, line(s));
                assertArrayEquals(values[i], read(s, values[i].length));
                assertEquals("", line(s));
            }
        }
    }

    /**
     * Two good SETs and, behind them in the same packet, a GET whose bulk string lacks its CRLF:
     * the SETs are answered (and stored) before the error, as Redis would.
     */
    @Test
    void aBadFrameBehindAPipelineDoesNotSwallowTheRepliesBeforeIt() throws IOException {
        start();
        byte[] bad = "*2\r\n$3\r\nGET\r\n$1\r\naXY".getBytes(StandardCharsets.US_ASCII);
        try (Socket s = connect(server.respAddress())) {
            send(s, pipeline(command("SET", "p", "1"), command("SET", "q", "2"), bad));
            assertEquals("+OK", line(s));
            assertEquals("+OK", line(s));
            String error = line(s);
            assertTrue(error.startsWith("-ERR Protocol error"), error);
        }
        try (Socket s = connect(server.respAddress())) {
            assertEquals("$1", roundTrip(s, "GET", "q"));
        }
    }
}
