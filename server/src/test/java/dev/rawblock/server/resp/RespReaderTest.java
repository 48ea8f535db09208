package dev.rawblock.server.resp;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.server.MemoryBudget;
import dev.rawblock.server.ProtocolException;
import dev.rawblock.server.ServerStats;
import dev.rawblock.server.Values;
import dev.rawblock.server.Wire;
import dev.rawblock.store.FormatOptions;
import dev.rawblock.store.PutResult;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreFormat;
import dev.rawblock.store.StoreOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RESP reader on a real loopback connection. A request is cut at every byte boundary: the
 * bytes before the cut are already in the connection's buffer when the reader starts, the rest
 * arrive on the socket, so every partial-line and partial-value path runs, deterministically.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RespReaderTest {
    private static final long MIB = 1 << 20;
    private static final long MAX_VALUE = 8 * MIB;

    @TempDir
    Path dir;

    private Store store;
    private MemoryBudget budget;
    private Values values;
    private ServerSocketChannel listener;
    private final List<AutoCloseable> connections = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        BlockDevice device = BlockDevice.open(DeviceOptions.of(dir.resolve("store.img")).withCreateSize(64 * MIB)
                .withArenaBytes(32 * MIB));
        StoreFormat.format(device, new FormatOptions(0, 0, 0));
        store = Store.openOwning(device, StoreOptions.defaults().withFlush(false));
        budget = new MemoryBudget(store.memory(), 32 * MIB);
        values = new Values(store, budget, Duration.ofSeconds(5), new ServerStats());
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : connections) c.close();
        listener.close();
        store.close();
    }

    /** A connected pair: the client end, and the server end's reader. */
    private record Connection(SocketChannel client, Wire wire, RespReader reader) {
        /** Puts {@code bytes} in the reader's buffer as if they had arrived already. */
        void buffered(byte[] bytes, int from, int to) {
            ByteBuffer in = wire.in();
            in.clear();
            in.put(bytes, from, to - from);
            in.flip();
        }

        void send(byte[] bytes, int from, int to) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes, from, to - from);
            while (b.hasRemaining()) client.write(b);
        }
    }

    private Connection connect(long maxPending) throws IOException {
        SocketChannel client = SocketChannel.open(listener.getLocalAddress());
        SocketChannel server = listener.accept();
        Wire wire = new Wire(server, new ServerStats());
        connections.add(client);
        connections.add(wire);
        return new Connection(client, wire, new RespReader(wire, values, MAX_VALUE, maxPending));
    }

    private Connection connect() throws IOException {
        return connect(64 * MIB);
    }

    private static byte[] resp(byte[]... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] a : args) {
            out.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(a);
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        return out.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static List<String> texts(RespRequest r) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < r.size(); i++) out.add(new String(r.arg(i).bytes(), StandardCharsets.ISO_8859_1));
        return out;
    }

    /** Cuts {@code frame} at {@code cut}, reads one request, and checks it and that nothing is left over. */
    private List<String> readCut(Connection c, byte[] frame, int cut) throws Exception {
        c.buffered(frame, 0, cut);
        c.send(frame, cut, frame.length);
        try (RespRequest r = c.reader().read()) {
            assertNotNull(r, "cut at " + cut);
            assertFalse(c.wire().hasBuffered(), "the request was consumed exactly, cut at " + cut);
            return texts(r);
        }
    }

    @Test
    void arraysAreReadWhereverTheyAreCut() throws Exception {
        record Case(byte[] frame, List<String> args) {}
        List<Case> cases = List.of(
                new Case(resp(ascii("SET"), ascii("key"), ascii("value")), List.of("SET", "key", "value")),
                new Case(resp(ascii("GET"), new byte[0]), List.of("GET", "")),
                new Case(resp(ascii("ECHO"), ascii("a\r\nb")), List.of("ECHO", "a\r\nb")), // CRLF inside a bulk string
                new Case(ascii("*0\r\n"), List.of()),
                new Case(ascii("GET  k\t v\r\n"), List.of("GET", "k", "v")),
                new Case(ascii("PING\n"), List.of("PING")),
                new Case(ascii("\r\n"), List.of()));
        Connection c = connect();
        for (Case k : cases) {
            for (int cut = 0; cut <= k.frame().length; cut++) {
                assertEquals(k.args(), readCut(c, k.frame(), cut), new String(k.frame(), StandardCharsets.ISO_8859_1));
            }
        }
    }

    @Test
    void aLargeBulkStringGoesToAValueBufferWhereverItIsCut() throws Exception {
        byte[] value = new byte[RespReader.LARGE_BULK + 3];
        new Random(1).nextBytes(value);
        byte[] frame = resp(ascii("SET"), ascii("k"), value, ascii("EX"), ascii("10"));
        Connection c = connect();
        List<Integer> cuts = new ArrayList<>();
        for (int cut = 0; cut <= frame.length; cut++) {
            if (cut < 40 || cut > frame.length - 40 || cut % 1013 == 0) cuts.add(cut);
        }
        for (int cut : cuts) {
            c.buffered(frame, 0, cut);
            c.send(frame, cut, frame.length);
            try (RespRequest r = c.reader().read()) {
                assertEquals(5, r.size());
                assertTrue(r.arg(2).segment().isNative(), "an aligned value buffer, not the heap");
                assertArrayEquals(value, r.arg(2).bytes(), "cut at " + cut);
                assertEquals("10", r.arg(4).text());
                assertTrue(budget.used() > 0);
            }
            assertEquals(0, budget.used(), "closing the request gives the buffer back");
        }
    }

    @Test
    void aLargePlainSetIsWrittenToTheStoreAsItArrives() throws Exception {
        byte[] value = new byte[(int) (RespReader.STREAMED_BULK + 12345)];
        new Random(2).nextBytes(value);
        byte[] frame = resp(ascii("set"), ascii("big"), value);
        Connection c = connect();
        for (int cut : new int[] {0, 7, 20, 5000, frame.length / 2, frame.length - 1, frame.length}) {
            c.buffered(frame, 0, Math.min(cut, 60_000)); // the buffer holds 64 KiB at most
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    c.send(frame, Math.min(cut, 60_000), frame.length);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            try (RespRequest r = c.reader().read()) {
                assertNotNull(r.arg(2).streamed(), "streamed, cut at " + cut);
                assertEquals(value.length, r.arg(2).length());
                assertEquals(PutResult.STORED, r.arg(2).streamed().commit());
            }
            sender.join();
            MemorySegment back = MemorySegment.ofArray(new byte[value.length]);
            assertEquals(value.length, store.loadMany(List.of(ascii("big")), List.of(back))[0]);
            assertArrayEquals(value, back.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void aRequestIsKnownToBeBufferedOnlyWhenAllOfItIs() throws Exception {
        byte[] two = resp(ascii("GET"), ascii("key"));
        Connection c = connect();
        for (int cut = 0; cut < two.length; cut++) {
            c.buffered(two, 0, cut);
            assertFalse(c.reader().nextRequestBuffered(), "cut at " + cut);
        }
        c.buffered(two, 0, two.length);
        assertTrue(c.reader().nextRequestBuffered());
        c.buffered(ascii("GET key\r\n"), 0, 9);
        assertFalse(c.reader().nextRequestBuffered(), "inline commands are not batched");
        byte[] large = resp(ascii("SET"), ascii("k"), new byte[RespReader.LARGE_BULK]);
        c.buffered(large, 0, 1000);
        assertFalse(c.reader().nextRequestBuffered(), "a large value is not batched");
    }

    @Test
    void twoRequestsInOneBufferAreReadInTurn() throws Exception {
        byte[] a = resp(ascii("GET"), ascii("a")), b = ascii("PING\r\n");
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        Connection c = connect();
        c.buffered(both, 0, both.length);
        try (RespRequest first = c.reader().read(); RespRequest second = c.reader().read()) {
            assertEquals(List.of("GET", "a"), texts(first));
            assertEquals(List.of("PING"), texts(second));
        }
    }

    @Test
    void badFramesAreProtocolErrorsThatNameTheProblem() throws Exception {
        record Bad(String frame, String message) {}
        List<Bad> bad = List.of(
                new Bad("*abc\r\n", "invalid multibulk length '*abc'"),
                new Bad("*\r\n", "invalid multibulk length"),
                new Bad("*2\r\n+OK\r\n", "expected '$', got '+OK'"),
                new Bad("*1\r\n$-1\r\n", "invalid bulk length -1"),
                new Bad("*1\r\n$3\r\nabcXY", "expected CRLF after a bulk string"),
                new Bad("*" + (RespReader.MAX_ARGS + 1) + "\r\n", "invalid multibulk length " + (RespReader.MAX_ARGS + 1)),
                new Bad("*1\r\n$123456789012345678901\r\n", "invalid bulk length"),
                new Bad("*1\r\n$1x\r\n", "invalid bulk length '$1x'"),
                new Bad("*1\r\n$-\r\n", "invalid bulk length"));
        for (Bad b : bad) {
            Connection c = connect();
            c.send(ascii(b.frame()), 0, b.frame().length());
            ProtocolException e = assertThrows(ProtocolException.class, () -> c.reader().read(), b.frame());
            assertTrue(e.getMessage().contains(b.message()), "'" + e.getMessage() + "' for " + b.frame());
        }
    }

    /** A value over max-value-size is read to its end and refused: the connection stays in step for the next request. */
    @Test
    void aValueOverTheLimitIsReadWholeAndRefusedThenTheNextRequestIsRead() throws Exception {
        Connection c = connect();
        byte[] tooLarge = resp(ascii("SET"), ascii("k"), new byte[(int) MAX_VALUE + 1]);
        byte[] next = resp(ascii("GET"), ascii("k"));
        Thread sender = Thread.ofPlatform().start(() -> {
            try {
                c.send(tooLarge, 0, tooLarge.length);
                c.send(next, 0, next.length);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        RequestRefusedException e = assertThrows(RequestRefusedException.class, () -> c.reader().read());
        assertTrue(e.getMessage().contains("larger than max-value-size"), e.getMessage());
        try (RespRequest r = c.reader().read()) {
            assertEquals(List.of("GET", "k"), texts(r));
        }
        sender.join();
        assertEquals(0, budget.used());
    }

    @Test
    void aRequestLargerThanThePendingLimitIsRefusedBeforeItsBytesAreRead() throws Exception {
        Connection c = connect(100);
        byte[] frame = resp(ascii("SET"), ascii("k"), new byte[98]);
        c.send(frame, 0, frame.length);
        ProtocolException e = assertThrows(ProtocolException.class, () -> c.reader().read());
        assertTrue(e.getMessage().contains("max-pending"), e.getMessage());
    }

    @Test
    void aValueBufferIsGivenBackWhenItsRequestTurnsOutBad() throws Exception {
        Connection c = connect();
        byte[] frame = resp(ascii("SET"), ascii("k"), new byte[RespReader.LARGE_BULK * 2]);
        frame[frame.length - 2] = 'X'; // no CRLF after the value
        c.send(frame, 0, frame.length);
        assertThrows(ProtocolException.class, () -> c.reader().read());
        assertEquals(0, budget.used());
    }

    @Test
    void theEndOfTheStreamIsNullBetweenRequestsAndAnErrorInsideOne() throws Exception {
        Connection between = connect();
        between.client().shutdownOutput();
        assertNull(between.reader().read());

        for (String partial : List.of("*2\r\n$3\r\nGE", "*2\r\n", "GET k", "*1\r\n$20000\r\n" + "x".repeat(100))) {
            Connection c = connect();
            c.send(ascii(partial), 0, partial.length());
            c.client().shutdownOutput();
            assertThrows(EOFException.class, () -> c.reader().read(), partial);
            assertEquals(0, budget.used());
        }
    }

    @Test
    void aLineThatFillsTheBufferIsAProtocolError() throws Exception {
        Connection c = connect();
        byte[] endless = new byte[80_000];
        Arrays.fill(endless, (byte) 'a');
        Thread sender = Thread.ofPlatform().start(() -> {
            try {
                c.send(endless, 0, endless.length);
            } catch (IOException ignored) {
                // the reader gave up first
            }
        });
        ProtocolException e = assertThrows(ProtocolException.class, () -> c.reader().read());
        assertTrue(e.getMessage().contains("a line longer than"), e.getMessage());
        c.wire().close();
        sender.join();
    }
}
