package dev.rawblock.server.resp;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * What {@code CLIENT INFO} and {@code CLIENT LIST} say about one RESP connection. Its own session
 * writes the fields; any other connection may read them for {@code CLIENT LIST}, so the ones
 * that change are volatile.
 *
 * <p>The line has Redis 7.2's fields in Redis's order, so tools that split it on spaces and
 * {@code =} find every key they expect. Fields that describe machinery rawblock does not have
 * are constant: no pub/sub ({@code sub=0}), no MULTI ({@code multi=-1}), no client-side caching
 * ({@code redir=-1}), one database ({@code db=0}). The socket's descriptor is not visible from
 * Java, so {@code fd=-1}. Buffer sizes are the connection's fixed 64 KiB input and output
 * buffers; bytes waiting in them are not tracked ({@code qbuf=0}, {@code obl=0}).
 */
final class RespClient {
    /** A connection's two fixed buffers (see {@code Wire}). */
    private static final int BUFFER_BYTES = 64 << 10;

    private final long id;
    private final String addr;
    private final String laddr;
    private final long connectedNanos = System.nanoTime();
    private volatile long lastCommandNanos = connectedNanos;
    private volatile String lastCommand = "NULL";
    private volatile byte[] name;
    private volatile String libName = "";
    private volatile String libVer = "";
    private volatile int protocol = 2;

    RespClient(long id, InetSocketAddress remote, InetSocketAddress local) {
        this.id = id;
        this.addr = address(remote);
        this.laddr = address(local);
    }

    /** {@code host:port} as Redis writes it: an IPv6 host in brackets. */
    static String address(InetSocketAddress a) {
        if (a == null) return "?:0";
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        int zone = host.indexOf('%');
        if (zone >= 0) host = host.substring(0, zone);
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    long id() {
        return id;
    }

    /** Notes the command being run ({@code cmd=} in the line: {@code get}, {@code client|list}). */
    void running(String fullName) {
        lastCommand = fullName;
        lastCommandNanos = System.nanoTime();
    }

    /** The connection's name, or null when it has none. */
    byte[] name() {
        return name;
    }

    /** Sets the name; an empty one removes it, as in Redis. */
    void name(byte[] newName) {
        name = newName == null || newName.length == 0 ? null : newName;
    }

    void libName(String value) {
        libName = value;
    }

    void libVer(String value) {
        libVer = value;
    }

    void protocol(int version) {
        protocol = version;
    }

    /**
     * Whether {@code value} may be a name or library attribute: printable ASCII without spaces,
     * so that the CLIENT LIST line can still be split on spaces (Redis's rule).
     */
    static boolean printableWord(byte[] value) {
        for (byte b : value) if (b < '!' || b > '~') return false;
        return true;
    }

    /** The CLIENT INFO / CLIENT LIST line for this connection, without its trailing newline. */
    String line() {
        long now = System.nanoTime();
        byte[] n = name;
        return "id=" + id
                + " addr=" + addr
                + " laddr=" + laddr
                + " fd=-1"
                + " name=" + (n == null ? "" : new String(n, StandardCharsets.US_ASCII))
                + " age=" + seconds(now - connectedNanos)
                + " idle=" + seconds(now - lastCommandNanos)
                + " flags=N db=0 sub=0 psub=0 ssub=0 multi=-1"
                + " qbuf=0 qbuf-free=" + BUFFER_BYTES + " argv-mem=0 multi-mem=0"
                + " rbs=" + BUFFER_BYTES + " rbp=0 obl=0 oll=0 omem=0"
                + " tot-mem=" + 2 * BUFFER_BYTES
                + " events=r cmd=" + lastCommand
                + " user=default redir=-1 resp=" + protocol
                + " lib-name=" + libName
                + " lib-ver=" + libVer;
    }

    private static long seconds(long nanos) {
        return nanos / 1_000_000_000L;
    }
}
