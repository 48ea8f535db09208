package dev.rawblock.server;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.IoBuffer;
import dev.rawblock.device.IoOp;
import dev.rawblock.store.FormatOptions;
import dev.rawblock.store.PutResult;
import dev.rawblock.store.PutStream;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreFormat;
import dev.rawblock.store.StoreOptions;
import dev.rawblock.store.ValueReader;
import dev.rawblock.testkit.device.FaultInjectingDevice;
import dev.rawblock.uring.Errno;
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
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Large values between a real socket and a real store in pieces: the receiver writes what arrives,
 * the sender never completes a reply with a wrong byte, and neither leaks a slot or a buffer.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PieceTransferTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private BlockDevice raw;
    private FaultInjectingDevice device;
    private Store store;
    private MemoryBudget budget;
    private Values values;
    private ServerSocketChannel listener;
    private SocketChannel client;
    private Wire wire;

    @BeforeEach
    void start() throws IOException {
        raw = BlockDevice.open(DeviceOptions.of(dir.resolve("store.img")).withCreateSize(128 * MIB).withArenaBytes(32 * MIB));
        device = new FaultInjectingDevice(raw);
        StoreFormat.format(device, new FormatOptions(0, 0, 0));
        store = Store.open(device, StoreOptions.defaults().withFlush(false));
        budget = new MemoryBudget(store.memory(), 32 * MIB);
        values = new Values(store, budget, Duration.ofSeconds(5), new ServerStats());
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        client = SocketChannel.open(listener.getLocalAddress());
        wire = new Wire(listener.accept(), new ServerStats());
    }

    @AfterEach
    void stop() throws IOException {
        wire.close();
        client.close();
        listener.close();
        store.close();
        device.close();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Sends {@code bytes} from the client on a thread of its own (the socket buffer holds less than a value). */
    private CompletableFuture<Void> sendFromClient(byte[] bytes, int length, boolean thenClose) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                ByteBuffer b = ByteBuffer.wrap(bytes, 0, length);
                while (b.hasRemaining()) client.write(b);
                if (thenClose) client.shutdownOutput();
                done.complete(null);
            } catch (IOException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** Reads from the client until the server side closes. */
    private CompletableFuture<byte[]> receiveAtClient() {
        CompletableFuture<byte[]> got = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer b = ByteBuffer.allocate(1 << 16);
            try {
                while (client.read(b.clear()) >= 0) out.write(b.array(), 0, b.position());
            } catch (IOException e) {
                // a reset also ends what was received
            }
            got.complete(out.toByteArray());
        });
        return got;
    }

    private byte[] load(String key, int length) {
        MemorySegment dst = MemorySegment.ofArray(new byte[length]);
        long n = store.loadMany(List.of(key.getBytes()), List.of(dst))[0];
        return n < 0 ? null : dst.asSlice(0, n).toArray(JAVA_BYTE);
    }

    private void assertNothingLeaked() {
        assertEquals(0, budget.used(), "value buffers");
        long entries = store.stats().entries();
        long slots = store.stats().classes().stream().mapToLong(c -> c.usedSlots()).sum();
        assertEquals(entries, slots, "one used slot per entry");
    }

    private static final PieceSender.Framing BULK = new PieceSender.Framing() {
        @Override
        public int skip() {
            return 0;
        }

        @Override
        public byte[] header(MemorySegment prefix, long bodyLength) {
            return ("$" + bodyLength + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public byte[] trailer() {
            return "\r\n".getBytes(StandardCharsets.US_ASCII);
        }
    };

    @Test
    void aValueInPiecesIsWrittenAsItArrivesAndCommitted() throws Exception {
        byte[] value = random((int) (3 * MIB + 12345), 1); // neither whole pieces nor whole blocks
        CompletableFuture<Void> sent = sendFromClient(value, value.length, false);
        PutStream put = new PieceReceiver(values).receive("big".getBytes(), value.length, wire);
        assertNotNull(put);
        assertEquals(PutResult.STORED, put.commit());
        put.close();
        sent.get(10, TimeUnit.SECONDS);
        assertArrayEquals(value, load("big", value.length));
        assertNothingLeaked();
    }

    @Test
    void aValueThatCannotBeStoredIsNotReadFromTheSocket() throws Exception {
        long tooLarge = store.maxValueBytes() + 1;
        assertNull(new PieceReceiver(values).receive("huge".getBytes(), tooLarge, wire));
        assertFalse(wire.hasBuffered(), "nothing was read: the caller deals with the bytes");
        assertNothingLeaked();
    }

    @Test
    void aClientThatGoesAwayMidValueLeavesNothingBehind() throws Exception {
        byte[] value = random((int) (3 * MIB), 2);
        sendFromClient(value, (int) (MIB + 100), true);
        assertThrows(EOFException.class, () -> new PieceReceiver(values).receive("gone".getBytes(), value.length, wire));
        assertNull(load("gone", value.length));
        assertEquals(0, store.stats().entries());
        assertNothingLeaked();
    }

    @Test
    void aValueGoesOutWithItsFramingByteForByte() throws Exception {
        byte[] value = random((int) (3 * MIB + 777), 3);
        assertTrue(store.putMany(List.of("v".getBytes()), List.of(MemorySegment.ofArray(value)))[0].stored());
        CompletableFuture<byte[]> got = receiveAtClient();
        try (ValueReader reader = values.openReader("v".getBytes())) {
            assertTrue(new PieceSender(values).send(reader, wire, BULK));
        }
        wire.flush();
        wire.close();
        byte[] expected = concat(("$" + value.length + "\r\n").getBytes(), value, "\r\n".getBytes());
        assertArrayEquals(expected, got.get(10, TimeUnit.SECONDS));
        assertNothingLeaked();
    }

    /** A byte of the last piece rots on the device: the reply stops short, and the entry is dropped. */
    @Test
    void aCorruptValueIsNeverSentWhole() throws Exception {
        byte[] value = random((int) (3 * MIB + 777), 4);
        assertTrue(store.putMany(List.of("rot".getBytes()), List.of(MemorySegment.ofArray(value)))[0].stored());
        corrupt(value, value.length - 10);
        CompletableFuture<byte[]> got = receiveAtClient();
        try (ValueReader reader = values.openReader("rot".getBytes())) {
            assertThrows(PieceSender.AbandonedReply.class, () -> new PieceSender(values).send(reader, wire, BULK));
        }
        wire.close();
        byte[] sent = got.get(10, TimeUnit.SECONDS);
        int header = ("$" + value.length + "\r\n").length();
        assertEquals(header + 3 * MIB, sent.length, "the first three pieces went out, the last (corrupt) one never did");
        assertNull(load("rot", value.length), "the corrupt entry is gone");
        assertEquals(1, store.stats().checksumFailures());
        assertNothingLeaked();
    }

    @Test
    void aReadErrorAfterSendingBeganAbandonsTheReply() throws Exception {
        byte[] value = random((int) (6 * MIB), 5);
        assertTrue(store.putMany(List.of("e".getBytes()), List.of(MemorySegment.ofArray(value)))[0].stored());
        long payloadAt = find(value);
        // The fifth piece's read fails: the first pieces are out by then.
        device.failNext(1, op -> op.kind() == IoOp.Kind.READ && op.offset() >= payloadAt + 4 * MIB, Errno.EIO);
        CompletableFuture<byte[]> got = receiveAtClient();
        try (ValueReader reader = values.openReader("e".getBytes())) {
            PieceSender.AbandonedReply e = assertThrows(PieceSender.AbandonedReply.class,
                    () -> new PieceSender(values).send(reader, wire, BULK));
            assertTrue(e.getMessage().contains("device read failed"), e.getMessage());
        }
        wire.close();
        assertTrue(got.get(10, TimeUnit.SECONDS).length < value.length);
        assertNothingLeaked();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** The device offset of the stored payload: the block where its first 64 bytes are. */
    private long find(byte[] value) throws IOException {
        byte[] needle = Arrays.copyOf(value, 64);
        int block = raw.alignment();
        try (IoBuffer buf = raw.buffers().allocate(4 * MIB)) {
            for (long at = 0; at < raw.size(); at += 4 * MIB) {
                MemorySegment chunk = buf.segment().asSlice(0, Math.min(4 * MIB, raw.size() - at));
                raw.submit(List.of(IoOp.read(at, chunk))).getFirst().join();
                for (long b = 0; b < chunk.byteSize(); b += block) {
                    if (Arrays.equals(needle, chunk.asSlice(b, 64).toArray(JAVA_BYTE))) return at + b;
                }
            }
        }
        throw new AssertionError("the value is not on the device");
    }

    /** Flips the stored byte {@code index} of {@code value}, behind the store's back. */
    private void corrupt(byte[] value, int index) throws IOException {
        long at = find(value) + index;
        int block = raw.alignment();
        long start = at / block * block;
        try (IoBuffer buf = raw.buffers().allocate(block)) {
            raw.submit(List.of(IoOp.read(start, buf.segment()))).getFirst().join();
            buf.segment().set(JAVA_BYTE, at - start, (byte) ~buf.segment().get(JAVA_BYTE, at - start));
            raw.submit(List.of(IoOp.write(start, buf.segment()))).getFirst().join();
        }
    }
}
