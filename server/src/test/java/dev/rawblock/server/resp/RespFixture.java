package dev.rawblock.server.resp;

import dev.rawblock.server.ServerFixture;

import java.io.IOException;
import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** A server and typed replies over raw sockets, for tests of reply shapes in RESP2 and RESP3. */
abstract class RespFixture extends ServerFixture {

    /** Sends one command and reads its reply. */
    static Reply call(Socket s, String... args) throws IOException {
        send(s, command(args));
        return Reply.read(s.getInputStream());
    }

    /** The text of a string reply (simple, bulk or verbatim). */
    static String text(Socket s, String... args) throws IOException {
        return Reply.text(call(s, args));
    }

    static long integer(Socket s, String... args) throws IOException {
        return assertInstanceOf(Reply.Int.class, call(s, args)).value();
    }

    static String error(Socket s, String... args) throws IOException {
        return assertInstanceOf(Reply.Error.class, call(s, args)).text();
    }

    /** Switches the connection to RESP3. */
    static void resp3(Socket s) throws IOException {
        Reply hello = call(s, "HELLO", "3");
        assertEquals(new Reply.Int(3), assertInstanceOf(Reply.Map.class, hello).get("proto"));
    }

    /** Opens a connection, in RESP3 when {@code protocol} is 3. */
    Socket open(int protocol) throws IOException {
        Socket s = connect(server.respAddress());
        if (protocol == 3) resp3(s);
        return s;
    }
}
