package dev.rawblock.server.resp;

import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Redis 7's errors for unknown commands and wrong arity, byte for byte, and their order against NOAUTH. */
class CommandErrorsTest extends RespFixture {

    @Test
    void unknownCommandsEchoTheirArgumentsAsRedisDoes() throws Exception {
        start();
        try (Socket s = open(2)) {
            assertEquals("ERR unknown command 'foo', with args beginning with: ", error(s, "foo"));
            assertEquals("ERR unknown command 'INCR', with args beginning with: 'counter:__rand_int__' ",
                    error(s, "INCR", "counter:__rand_int__"));
            assertEquals("ERR unknown command 'foo', with args beginning with: 'a' 'b' 'c' ", error(s, "foo", "a", "b", "c"));
            String x = "x".repeat(200);
            assertEquals("ERR unknown command 'foo', with args beginning with: '" + "x".repeat(128) + "' ",
                    error(s, "foo", x, "more"), "the arguments are cut to 128 bytes");
            assertEquals("ERR unknown command '" + "n".repeat(128) + "', with args beginning with: ", error(s, "n".repeat(300)));
            assertEquals("ERR unknown command 'foo', with args beginning with: 'a' 'b c' ", error(s, "foo", "a\0z", "b c"),
                    "an argument ends at a NUL byte, as Redis prints it as a C string");
            send(s, command("foo".getBytes(), "a\r\nb".getBytes(StandardCharsets.US_ASCII)));
            assertEquals(new Reply.Error("ERR unknown command 'foo', with args beginning with: 'a  b' "),
                    Reply.read(s.getInputStream()), "CR and LF become spaces: the error stays one line");
            assertEquals("ERR wrong number of arguments for 'get' command", error(s, "GET"));
            assertEquals("ERR wrong number of arguments for 'get' command", error(s, "get", "a", "b"));
            assertEquals("ERR wrong number of arguments for 'client|setname' command", error(s, "CLIENT", "SETNAME"));
            assertEquals("ERR wrong number of arguments for 'client' command", error(s, "CLIENT"));
            assertEquals("ERR unknown subcommand 'nosuch'. Try CLIENT HELP.", error(s, "client", "nosuch"));
            assertEquals("PONG", text(s, "PING"));
        }
    }

    /** As in Redis 7, a request that names no command, or has the wrong arity, says so before NOAUTH. */
    @Test
    void beforeAuthenticationUnknownAndArityComeFirst() throws Exception {
        start(512 * MIB, c -> c.withRequirePass("pw"));
        try (Socket s = open(2)) {
            assertEquals("ERR unknown command 'foo', with args beginning with: 'a' ", error(s, "foo", "a"));
            assertEquals("ERR wrong number of arguments for 'get' command", error(s, "GET"));
            assertEquals("ERR unknown subcommand 'BOGUS'. Try CLIENT HELP.", error(s, "CLIENT", "BOGUS"));
            assertEquals("NOAUTH Authentication required.", error(s, "GET", "k"));
            assertEquals("NOAUTH Authentication required.", error(s, "CLIENT", "SETINFO", "LIB-NAME", "x"));
            assertEquals("NOAUTH Authentication required.", error(s, "INFO"));
            assertEquals("ERR syntax error", error(s, "AUTH", "default", "pw", "extra"));
            assertEquals("OK", text(s, "AUTH", "pw"));
            assertEquals("0", Long.toString(integer(s, "DBSIZE")));
        }
    }
}
