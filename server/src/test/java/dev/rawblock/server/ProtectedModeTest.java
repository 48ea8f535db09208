package dev.rawblock.server;

import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Where the listeners really are: with a password and a wide bind, RESP faces the network and
 * lm:// (which has no authentication) only loopback; protected mode off lets lm:// follow bind.
 */
class ProtectedModeTest extends ServerFixture {
    private static final InetAddress ANY = InetAddress.ofLiteral("0.0.0.0");

    @Test
    void withAPasswordLmIsOnLoopbackOnlyWhileRespFollowsBind() throws Exception {
        start(512 * MIB, c -> c.withRequirePass("pw").withBind(ANY, true));
        assertTrue(server.respAddress().getAddress().isAnyLocalAddress(), server.respAddress().toString());
        assertEquals(InetAddress.ofLiteral("127.0.0.1"), server.lmAddress().getAddress());
        assertTrue(log.contains("lm:// has no authentication: serving it on 127.0.0.1 only because --requirepass is set "
                + "(--protected-mode no serves it on 0.0.0.0 too)"), log.toString());
        assertTrue(log.contains("listening for lm:// on 127.0.0.1:" + server.lmAddress().getPort()), log.toString());
        assertTrue(log.stream().noneMatch(l -> l.contains("anyone who can reach")), log.toString());

        try (Socket lm = connect(server.lmAddress())) {
            assertTrue(lm.isConnected(), "LMCache on the same host still reaches lm://");
        }
        InetAddress outside = nonLoopbackAddress();
        assumeTrue(outside != null, "this host has no non-loopback IPv4 address to connect through");
        try (Socket resp = connect(new InetSocketAddress(outside, server.respAddress().getPort()))) {
            send(resp, command("PING"));
            assertEquals("-NOAUTH Authentication required.", line(resp), "RESP answers beyond loopback");
        }
        assertThrows(ConnectException.class, () -> connect(new InetSocketAddress(outside, server.lmAddress().getPort())),
                "lm:// is not reachable beyond loopback");
    }

    @Test
    void withProtectedModeOffLmFollowsBindAndTheLogSaysWhoCanReachIt() throws Exception {
        start(512 * MIB, c -> c.withBind(ANY, false));
        assertTrue(server.lmAddress().getAddress().isAnyLocalAddress(), server.lmAddress().toString());
        assertTrue(log.contains("RESP has no password and --protected-mode is no: anyone who can reach 0.0.0.0:"
                + server.respAddress().getPort() + " can read and overwrite the store"), log.toString());
        assertTrue(log.contains("lm:// has no authentication and --protected-mode is no: anyone who can reach 0.0.0.0:"
                + server.lmAddress().getPort() + " can read and overwrite the store"), log.toString());
        InetAddress outside = nonLoopbackAddress();
        assumeTrue(outside != null, "this host has no non-loopback IPv4 address to connect through");
        try (Socket lm = connect(new InetSocketAddress(outside, server.lmAddress().getPort()))) {
            assertTrue(lm.isConnected());
        }
    }

    @Test
    void aLoopbackBindKeepsLmWithItWhateverTheMode() throws Exception {
        InetAddress other = InetAddress.ofLiteral("127.0.0.2"); // all of 127/8 is loopback on Linux
        start(512 * MIB, c -> c.withRequirePass("pw").withBind(other, true));
        assertEquals(other, server.respAddress().getAddress());
        assertEquals(other, server.lmAddress().getAddress());
        assertTrue(log.stream().noneMatch(l -> l.contains("has no authentication")), log.toString());
    }

    /** An IPv4 address of this host that is not loopback (nor link-local), or null. */
    private static InetAddress nonLoopbackAddress() throws SocketException {
        for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
            if (!nic.isUp() || nic.isLoopback()) continue;
            for (InetAddress a : nic.inetAddresses().toList()) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) return a;
            }
        }
        return null;
    }
}
