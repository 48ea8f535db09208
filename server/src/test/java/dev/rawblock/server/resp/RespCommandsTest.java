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

/** The RESP commands byte for byte, over a raw socket: what every client relies on. */
class RespCommandsTest extends ServerFixture {

    @Test
    void connectionCommandsAnswerAsRedisDoes() throws IOException {
        start();
        try (Socket s = connect(server.respAddress())) {
            assertEquals("+PONG", roundTrip(s, "PING"));
            assertEquals("$2", roundTrip(s, "PING", "hi"));
            assertEquals("hi", line(s));
            assertEquals("$3", roundTrip(s, "ECHO", "abc"));
            assertEquals("abc", line(s));
            assertEquals("+OK", roundTrip(s, "SELECT", "0"));
            assertTrue(roundTrip(s, "SELECT", "1").startsWith("-ERR DB index is out of range"));
            assertEquals("+OK", roundTrip(s, "CLIENT", "SETNAME", "me"));
            assertEquals("$2", roundTrip(s, "CLIENT", "GETNAME"));
            assertEquals("me", line(s));
            assertEquals("+OK", roundTrip(s, "CLIENT", "SETINFO", "LIB-NAME", "redis-py"));
            assertEquals(":" + CommandTable.all().size(), roundTrip(s, "COMMAND", "COUNT"));
            assertEquals("*2", roundTrip(s, "CONFIG", "GET", "save"));
            assertEquals("$4", line(s));
            assertEquals("save", line(s));
            assertEquals("$0", line(s));
            assertEquals("", line(s));
            assertTrue(roundTrip(s, "AUTH", "x").startsWith("-ERR AUTH <password> called without any password"));
            assertEquals("-ERR unknown command 'LPUSH', with args beginning with: ", roundTrip(s, "LPUSH"));
            assertEquals("-ERR wrong number of arguments for 'get' command", roundTrip(s, "GET"));
            assertEquals("+OK", roundTrip(s, "QUIT"));
            assertEquals(0, readToEnd(s).length, "QUIT closes the connection");
        }
    }

    @Test
    void dataCommands() throws IOException {
        start();
        try (Socket s = connect(server.respAddress())) {
            assertEquals("$-1", roundTrip(s, "GET", "k"));
            assertEquals("+OK", roundTrip(s, "SET", "k", "v1"));
            assertEquals("+OK", roundTrip(s, "SET", "k", "v2"), "SET overwrites");
            assertEquals("$2", roundTrip(s, "GET", "k"));
            assertEquals("v2", line(s));
            assertEquals("$-1", roundTrip(s, "SET", "k", "v3", "NX"), "NX keeps the first value");
            assertEquals("$-1", roundTrip(s, "SET", "absent", "v", "XX"), "XX needs the key");
            assertEquals("+OK", roundTrip(s, "SET", "k", "v4", "XX"));
            assertEquals("+OK", roundTrip(s, "SET", "k", "v5", "EX", "100"));
            assertEquals(":100", roundTrip(s, "TTL", "k"));
            assertEquals("-ERR invalid expire time in 'set' command", roundTrip(s, "SET", "k", "v", "EX", "0"));
            assertEquals("-ERR value is not an integer or out of range", roundTrip(s, "SET", "k", "v", "PX", "soon"));
            assertEquals("-ERR syntax error", roundTrip(s, "SET", "k", "v", "EX", "1", "KEEPTTL"));
            assertEquals("-ERR syntax error", roundTrip(s, "SET", "k", "v", "NX", "XX"));
            assertEquals("+OK", roundTrip(s, "MSET", "a", "1", "b", "2", "c", "3"));
            assertEquals(":3", roundTrip(s, "EXISTS", "a", "b", "nope", "c"));
            assertEquals(":2", roundTrip(s, "PREFIXHITS", "a", "b", "nope", "c"), "leading keys present");
            assertEquals("*3", roundTrip(s, "MGET", "a", "nope", "c"));
            assertEquals("$1", line(s));
            assertEquals("1", line(s));
            assertEquals("$-1", line(s));
            assertEquals("$1", line(s));
            assertEquals("3", line(s));
            assertEquals(":4", roundTrip(s, "DBSIZE"));
            assertEquals(":2", roundTrip(s, "DEL", "a", "b", "nope"));
            assertEquals(":0", roundTrip(s, "EXISTS", "a"));
            assertEquals(":1", roundTrip(s, "UNLINK", "c"));
            assertTrue(roundTrip(s, "MSET", "a").startsWith("-ERR wrong number of arguments"));
        }
    }

    @Test
    void keysAndValuesAreBinarySafeAndLargeValuesRoundTrip() throws IOException {
        start();
        byte[] key = {0, '\r', '\n', (byte) 0xff, ' ', '$'};
        byte[] small = {'\r', '\n', 0, '*', '1'};
        byte[] large = random(9 * (1 << 20) + 123, 7); // not a block multiple: the staged path
        byte[] aligned = random(8 << 20, 8);          // a block multiple: the zero-copy path
        try (Socket s = connect(server.respAddress())) {
            for (byte[] value : new byte[][] {small, large, aligned}) {
                send(s, command("SET".getBytes(), key, value));
                assertEquals("+OK", line(s));
                send(s, command("GET".getBytes(), key));
                assertEquals("$" + value.length, line(s));
                assertArrayEquals(value, read(s, value.length));
                assertEquals("", line(s));
            }
        }
    }

    /** A large SET of a new key is written while it arrives; a client that vanishes mid-value leaves no trace. */
    @Test
    void largeSetsAreWrittenWhileTheyArrive() throws Exception {
        start();
        byte[] value = random(5 * (1 << 20) + 77, 12);
        try (Socket s = connect(server.respAddress())) {
            send(s, command("SET".getBytes(), "streamed".getBytes(), value));
            assertEquals("+OK", line(s));
            send(s, command("GET", "streamed"));
            assertEquals("$" + value.length, line(s));
            org.junit.jupiter.api.Assertions.assertArrayEquals(value, read(s, value.length));
        }
        long entries = store.stats().entries();
        try (Socket s = connect(server.respAddress())) {
            byte[] whole = command("SET".getBytes(), "vanishing".getBytes(), value);
            send(s, java.util.Arrays.copyOf(whole, whole.length / 2)); // half the value, then the client is gone
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (server.stats().openConnections() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
        try (Socket s = connect(server.respAddress())) {
            assertEquals(":0", roundTrip(s, "EXISTS", "vanishing"));
        }
        // The connection's end is counted before its put is abandoned: wait for that too.
        while (store.stats().entries() != entries && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals(entries, store.stats().entries(), "the abandoned put freed its slot");
        assertEquals(0, server.context().values().budgetUsed(), "and its buffers");
    }

    /** A large value goes out in pieces; one that fails its checksum is never completed: the reply is cut off. */
    @Test
    void aCorruptValueIsCutOffNotServed() throws Exception {
        start();
        int size = 3 << 20;
        byte[] value = random(size, 9);
        try (Socket s = connect(server.respAddress())) {
            send(s, command("SET".getBytes(), "victim".getBytes(), value));
            assertEquals("+OK", line(s));
        }
        // Flip a byte in the value's last MiB, in the file, behind the store's back: not through a second
        // rawblock open, which the store's lock refuses while the server holds it.
        // A 3 MiB value fills a large slot (its header is in the header table): slot 0 starts with the payload.
        long at = store.superblock().regionBase() + size - 1000;
        try (var ch = java.nio.channels.FileChannel.open(dir.resolve("store.img"), java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) ~b.get(0)).rewind();
            ch.write(b, at);
            ch.force(true);
        }
        try (Socket s = connect(server.respAddress())) {
            send(s, command("GET", "victim"));
            assertEquals("$" + size, line(s), "the reply starts");
            byte[] rest = readToEnd(s);
            assertTrue(rest.length < size + 2, "but is cut off before its end: " + rest.length + " bytes");
        }
        try (Socket s = connect(server.respAddress())) {
            assertEquals(":0", roundTrip(s, "EXISTS", "victim"), "the corrupt entry is dropped");
        }
        assertEquals(1, store.stats().checksumFailures());
    }

    @Test
    void pipelinedCommandsRunInOrderAndTheirRepliesComeTogether() throws IOException {
        start();
        ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
        int n = 500;
        for (int i = 0; i < n; i++) {
            pipeline.writeBytes(command("SET", "key" + i, "value" + i));
            pipeline.writeBytes(command("GET", "key" + i));
        }
        pipeline.writeBytes("PING\r\n".getBytes(StandardCharsets.US_ASCII)); // an inline command ends it
        try (Socket s = connect(server.respAddress())) {
            send(s, pipeline.toByteArray());
            for (int i = 0; i < n; i++) {
                assertEquals("+OK", line(s));
                String value = "value" + i;
                assertEquals("$" + value.length(), line(s));
                assertEquals(value, line(s));
            }
            assertEquals("+PONG", line(s));
        }
    }

    /** Pipelined GETs and SETs run as store batches, with one reply each, in order; a repeated key ends a batch. */
    @Test
    void pipelinedGetsAndSetsRunAsBatches() throws IOException {
        start();
        int n = 300;
        ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) pipeline.writeBytes(command("SET", "b" + i, "v" + i));
        pipeline.writeBytes(command("SET", "b7", "again")); // the same key: must win over v7
        for (int i = 0; i < n; i++) pipeline.writeBytes(command("GET", "b" + i));
        pipeline.writeBytes(command("GET", "missing"));
        long submissions = store.stats().batchSubmissions();
        try (Socket s = connect(server.respAddress())) {
            send(s, pipeline.toByteArray());
            for (int i = 0; i <= n; i++) assertEquals("+OK", line(s), "SET " + i);
            for (int i = 0; i < n; i++) {
                String value = i == 7 ? "again" : "v" + i;
                assertEquals("$" + value.length(), line(s), "GET " + i);
                assertEquals(value, line(s));
            }
            assertEquals("$-1", line(s));
        }
        long used = store.stats().batchSubmissions() - submissions;
        assertTrue(used < n, "device submissions go by batch, not by request: " + used + " for " + (2 * n + 2));
    }

    @Test
    void resp3AfterHello() throws IOException {
        start();
        try (Socket s = connect(server.respAddress())) {
            assertEquals("%7", roundTrip(s, "HELLO", "3"));
            for (int i = 0; i < 24; i++) line(s); // 6 pairs of bulk or integer: server ... role
            assertEquals("*0", line(s), "no modules");
            assertEquals("_", roundTrip(s, "GET", "missing"), "RESP3 null");
            assertTrue(roundTrip(s, "HELLO", "4").startsWith("-NOPROTO"));
            assertEquals("*14", roundTrip(s, "HELLO", "2"), "back to RESP2: the map is a flat array");
        }
    }

    @Test
    void withAPasswordNothingButAuthAndHelloWorksFirst() throws IOException {
        start(512 * MIB, c -> c.withRequirePass("s3cret"));
        try (Socket s = connect(server.respAddress())) {
            assertEquals("-NOAUTH Authentication required.", roundTrip(s, "GET", "k"));
            assertEquals("-NOAUTH Authentication required.", roundTrip(s, "PING"));
            assertTrue(roundTrip(s, "HELLO", "2").startsWith("-NOAUTH"));
            assertEquals("-WRONGPASS invalid username-password pair or user is disabled.", roundTrip(s, "AUTH", "nope"));
            assertEquals("-WRONGPASS invalid username-password pair or user is disabled.",
                    roundTrip(s, "AUTH", "someone", "s3cret"));
            assertEquals("+OK", roundTrip(s, "AUTH", "s3cret"));
            assertEquals("+PONG", roundTrip(s, "PING"));
        }
        try (Socket s = connect(server.respAddress())) {
            assertEquals("*14", roundTrip(s, "HELLO", "2", "AUTH", "default", "s3cret", "SETNAME", "n"));
            for (int i = 0; i < 25; i++) line(s);
            assertEquals("+OK", roundTrip(s, "SET", "k", "v"));
        }
        assertEquals(2, server.stats().authFailures());
    }

    @Test
    void infoMirrorsTheStore() throws IOException {
        start();
        try (Socket s = connect(server.respAddress())) {
            assertEquals("+OK", roundTrip(s, "SET", "k", "v"));
            String header = roundTrip(s, "INFO");
            int length = Integer.parseInt(header.substring(1));
            String info = new String(read(s, length), StandardCharsets.UTF_8);
            line(s);
            assertTrue(info.contains("redis_version:" + InfoReport.REDIS_COMPATIBLE_VERSION + "\r\n"), info);
            assertTrue(info.contains("connected_clients:1\r\n"), info);
            assertTrue(info.contains("db0:keys=1,expires=0,avg_ttl=0\r\n"), info);
            assertTrue(info.contains("entries:1\r\n"), info);
            assertTrue(info.contains("# Rawblock\r\n"), info);
            String keyspace = roundTrip(s, "INFO", "keyspace");
            assertEquals("# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n",
                    new String(read(s, Integer.parseInt(keyspace.substring(1))), StandardCharsets.UTF_8));
        }
    }

    @Test
    void connectionsBeyondTheLimitAreRefusedWithAReason() throws Exception {
        start(512 * MIB, c -> c.withLimits(2, java.time.Duration.ofSeconds(30), 256 * MIB, 1024 * MIB));
        try (Socket a = connect(server.respAddress()); Socket b = connect(server.respAddress())) {
            assertEquals("+PONG", roundTrip(a, "PING"));
            assertEquals("+PONG", roundTrip(b, "PING"));
            try (Socket c = connect(server.respAddress())) {
                assertEquals("-ERR max number of clients reached", line(c));
                assertEquals(0, readToEnd(c).length);
            }
        }
        assertEquals(1, server.stats().refusedConnections());
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        start(512 * MIB, c -> c.withLimits(16, java.time.Duration.ofMillis(300), 256 * MIB, 1024 * MIB));
        try (Socket s = connect(server.respAddress())) {
            assertEquals("+PONG", roundTrip(s, "PING"));
            send(s, "*2\r\n$3\r\nGET\r\n"); // half a request, then silence
            assertEquals(0, readToEnd(s).length, "closed by the idle timeout");
        }
        assertEquals(1, server.stats().idleClosed());
    }
}
