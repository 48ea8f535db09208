package dev.rawblock.server.resp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CLIENT and HELLO: what clients send as they connect, and the CLIENT INFO / LIST lines tools read. */
class ClientCommandsTest extends RespFixture {

    /** A CLIENT LIST line as key=value pairs. */
    private static Map<String, String> parse(String line) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String field : line.split(" ")) {
            int eq = field.indexOf('=');
            out.put(field.substring(0, eq), field.substring(eq + 1));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void setinfoAndClientInfo(int protocol) throws Exception {
        start();
        try (Socket s = open(protocol)) {
            long id = integer(s, "CLIENT", "ID");
            assertEquals("OK", text(s, "CLIENT", "SETINFO", "LIB-NAME", "redis-py"));
            assertEquals("OK", text(s, "CLIENT", "SETINFO", "lib-ver", "5.0.1"));
            assertEquals("OK", text(s, "CLIENT", "SETNAME", "worker-1"));
            Reply info = call(s, "CLIENT", "INFO");
            if (protocol == 3) assertEquals("txt", assertInstanceOf(Reply.Verbatim.class, info).format());
            else assertInstanceOf(Reply.Bulk.class, info);
            String line = Reply.text(info);
            assertTrue(line.endsWith("\n") && line.indexOf('\n') == line.length() - 1, line);
            Map<String, String> f = parse(line.strip());
            assertEquals(List.of("id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub",
                    "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem", "tot-mem",
                    "events", "cmd", "user", "redir", "resp", "lib-name", "lib-ver"), List.copyOf(f.keySet()),
                    "Redis 7.2's fields, in its order");
            assertEquals(Long.toString(id), f.get("id"));
            assertEquals("127.0.0.1:" + s.getLocalPort(), f.get("addr"));
            assertEquals("127.0.0.1:" + server.respAddress().getPort(), f.get("laddr"));
            assertEquals("worker-1", f.get("name"));
            assertEquals("client|info", f.get("cmd"));
            assertEquals("default", f.get("user"));
            assertEquals(Integer.toString(protocol), f.get("resp"));
            assertEquals("redis-py", f.get("lib-name"));
            assertEquals("5.0.1", f.get("lib-ver"));
            assertEquals("ERR Unrecognized option 'LIB-COLOUR'", error(s, "CLIENT", "SETINFO", "LIB-COLOUR", "x"));
            assertEquals("ERR LIB-NAME cannot contain spaces, newlines or special characters.",
                    error(s, "CLIENT", "SETINFO", "LIB-NAME", "two words"));
            assertEquals("ERR Client names cannot contain spaces, newlines or special characters.",
                    error(s, "CLIENT", "SETNAME", "two words"));
            assertEquals("worker-1", text(s, "CLIENT", "GETNAME"));
            assertEquals("OK", text(s, "CLIENT", "SETNAME", ""));
            assertInstanceOf(Reply.Null.class, call(s, "CLIENT", "GETNAME"), "an empty name removes it");
        }
    }

    @Test
    void clientListShowsEveryOpenConnection() throws Exception {
        start();
        try (Socket a = open(2); Socket b = open(3)) {
            long idA = integer(a, "CLIENT", "ID");
            long idB = integer(b, "CLIENT", "ID");
            List<String> lines = Arrays.asList(text(a, "CLIENT", "LIST").split("\n"));
            assertEquals(2, lines.size(), lines.toString());
            assertEquals(Long.toString(idA), parse(lines.get(0)).get("id"), "in the order they connected");
            assertEquals(Long.toString(idB), parse(lines.get(1)).get("id"));
            assertEquals("3", parse(lines.get(1)).get("resp"));
            assertEquals(2, text(a, "CLIENT", "LIST", "TYPE", "normal").split("\n").length);
            assertEquals("", text(a, "CLIENT", "LIST", "TYPE", "pubsub"));
            String one = text(a, "CLIENT", "LIST", "ID", Long.toString(idB), "999999");
            assertEquals(Long.toString(idB), parse(one.strip()).get("id"));
            assertEquals("ERR Unknown client type 'boss'", error(a, "CLIENT", "LIST", "TYPE", "boss"));
            assertEquals("ERR Invalid client ID", error(a, "CLIENT", "LIST", "ID", "x"));
            assertEquals("ERR syntax error", error(a, "CLIENT", "LIST", "COLOUR"));
            b.close();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (text(a, "CLIENT", "LIST").split("\n").length > 1 && System.nanoTime() < deadline) Thread.sleep(10);
            assertEquals(Long.toString(idA), parse(text(a, "CLIENT", "LIST").strip()).get("id"), "a closed one leaves");
            assertEquals(new Reply.Simple("CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
                    Reply.items(call(a, "CLIENT", "HELP")).getFirst());
            assertEquals("ERR unknown subcommand 'KILL'. Try CLIENT HELP.", error(a, "CLIENT", "KILL", "x"));
        }
    }

    @Test
    void helloAnswersRedisSevenFields() throws Exception {
        start();
        try (Socket s = open(2)) {
            long id = integer(s, "CLIENT", "ID");
            Reply hello = call(s, "HELLO", "3", "SETNAME", "glide");
            Map<String, Reply> f = Reply.pairs(assertInstanceOf(Reply.Map.class, hello));
            assertEquals(List.of("server", "version", "proto", "id", "mode", "role", "modules"), List.copyOf(f.keySet()));
            assertEquals(new Reply.Bulk("rawblock"), f.get("server"));
            assertEquals(new Reply.Bulk(InfoReport.REDIS_COMPATIBLE_VERSION), f.get("version"));
            assertEquals(new Reply.Int(3), f.get("proto"));
            assertEquals(new Reply.Int(id), f.get("id"));
            assertEquals(new Reply.Bulk("standalone"), f.get("mode"));
            assertEquals(new Reply.Bulk("master"), f.get("role"));
            assertEquals(new Reply.Array(List.of()), f.get("modules"));
            assertEquals("glide", text(s, "CLIENT", "GETNAME"));
            assertInstanceOf(Reply.Map.class, call(s, "HELLO"), "no version: the current protocol's map");
            assertEquals("ERR Protocol version is not an integer or out of range", error(s, "HELLO", "three"));
            assertEquals("NOPROTO unsupported protocol version", error(s, "HELLO", "4"));
            assertEquals("ERR Client names cannot contain spaces, newlines or special characters.",
                    error(s, "HELLO", "3", "SETNAME", "two words"));
            assertInstanceOf(Reply.Array.class, call(s, "HELLO", "2"), "RESP2: the map as a flat array");
        }
    }
}
