package dev.rawblock.server;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.store.FormatOptions;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreFormat;
import dev.rawblock.store.StoreOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/** A real server on a store in a preallocated temp file, on free loopback ports, and raw-socket helpers. */
public abstract class ServerFixture {
    protected static final long MIB = 1 << 20;

    @TempDir
    protected Path dir;

    protected Store store;
    protected Server server;
    /** What the server logged. */
    protected final List<String> log = new CopyOnWriteArrayList<>();

    /** Starts a server on a fresh {@code capacity}-byte store; {@code tune} adjusts the default configuration. */
    protected Server start(long capacity, UnaryOperator<ServerConfig> tune) throws IOException {
        return start(capacity, 0, tune);
    }

    /** As {@link #start(long, UnaryOperator)} with regions of {@code regionBytes} (0: the default). */
    protected Server start(long capacity, long regionBytes, UnaryOperator<ServerConfig> tune) throws IOException {
        BlockDevice device = BlockDevice.open(DeviceOptions.of(dir.resolve("store.img")).withCreateSize(capacity)
                .withArenaBytes(64 * MIB));
        StoreFormat.format(device, new FormatOptions(0, regionBytes, 0));
        store = Store.openOwning(device, StoreOptions.defaults().withFlush(false));
        ServerConfig config = tune.apply(ServerConfig.defaults(store.maxValueBytes()).withPorts(0, 0)
                .withLimits(512, Duration.ofSeconds(30), 256 * MIB, 1024 * MIB));
        server = new Server(store, config, log::add).start();
        return server;
    }

    protected Server start() throws IOException {
        return start(512 * MIB, c -> c);
    }

    @AfterEach
    void stopServer() throws IOException {
        if (server != null) server.close();
        if (store != null) store.close();
    }

    protected Socket connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket(address.getAddress(), address.getPort());
        s.setSoTimeout(20_000);
        s.setTcpNoDelay(true);
        return s;
    }

    protected static void send(Socket s, String text) throws IOException {
        send(s, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    protected static void send(Socket s, byte[] bytes) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    /** Reads exactly {@code n} bytes. */
    protected static byte[] read(Socket s, int n) throws IOException {
        return s.getInputStream().readNBytes(n);
    }

    /** Reads until the server closes the connection (or the timeout). */
    protected static byte[] readToEnd(Socket s) throws IOException {
        return s.getInputStream().readAllBytes();
    }

    /** Reads one CRLF-terminated line, without the CRLF. */
    protected static String line(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n' && !sb.isEmpty() && sb.charAt(sb.length() - 1) == '\r') {
                return sb.substring(0, sb.length() - 1);
            }
            sb.append((char) c);
        }
        throw new IOException("connection closed after '" + sb + "'");
    }

    /** The RESP encoding of a command, as clients send it. */
    protected static byte[] command(byte[]... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] a : args) {
            out.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(a);
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        return out.toByteArray();
    }

    /** Sends one command and reads the first line of its reply. */
    protected static String roundTrip(Socket s, String... args) throws IOException {
        send(s, command(args));
        return line(s);
    }

    protected static byte[] command(String... args) {
        byte[][] bytes = new byte[args.length][];
        for (int i = 0; i < args.length; i++) bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
        return command(bytes);
    }

    protected static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
