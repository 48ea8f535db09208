package dev.rawblock.server.resp;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** STRLEN, TYPE, TTL, PTTL and WAIT: integers and simple strings, alike in RESP2 and RESP3. */
class KeyAndServerCommandsTest extends RespFixture {

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void keyCommands(int protocol) throws Exception {
        start();
        byte[] chunk = random(3 << 20, 4);
        try (Socket s = open(protocol)) {
            send(s, command("SET".getBytes(), "chunk".getBytes(), chunk));
            assertEquals(new Reply.Simple("OK"), Reply.read(s.getInputStream()));
            assertEquals("OK", text(s, "SET", "small", "hello"));
            long hits = store.stats().hits();
            long submissions = store.stats().batchSubmissions();
            assertEquals(chunk.length, integer(s, "STRLEN", "chunk"));
            assertEquals(5, integer(s, "STRLEN", "small"));
            assertEquals(0, integer(s, "STRLEN", "missing"));
            assertEquals(hits, store.stats().hits(), "STRLEN reads the index, not the value");
            assertEquals(submissions, store.stats().batchSubmissions(), "and submits no device read");
            assertEquals(new Reply.Simple("string"), call(s, "TYPE", "chunk"));
            assertEquals(new Reply.Simple("none"), call(s, "TYPE", "missing"));
            assertEquals(-1, integer(s, "TTL", "chunk"), "stored, no expiry");
            assertEquals(-2, integer(s, "TTL", "missing"));
            assertEquals(-1, integer(s, "PTTL", "small"));
            assertEquals(-2, integer(s, "PTTL", "missing"));
            assertEquals("ERR wrong number of arguments for 'strlen' command", error(s, "STRLEN"));
            assertEquals("ERR wrong number of arguments for 'type' command", error(s, "TYPE", "a", "b"));
            assertEquals("ERR wrong number of arguments for 'pttl' command", error(s, "PTTL"));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void waitAnswersNoReplicasAtOnce(int protocol) throws Exception {
        start();
        try (Socket s = open(protocol)) {
            assertEquals(0, integer(s, "WAIT", "0", "0"));
            assertEquals(0, integer(s, "WAIT", "1", "0"), "no replica will ever acknowledge: do not block forever");
            assertEquals("ERR value is not an integer or out of range", error(s, "WAIT", "x", "0"));
            assertEquals("ERR timeout is negative", error(s, "WAIT", "0", "-1"));
            assertEquals("ERR wrong number of arguments for 'wait' command", error(s, "WAIT", "0"));
        }
    }
}
