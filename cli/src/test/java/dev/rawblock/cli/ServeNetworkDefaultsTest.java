package dev.rawblock.cli;

import dev.rawblock.cli.InProcess.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.rawblock.cli.ServeProcess.freePort;
import static dev.rawblock.cli.Resp.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code rawblock serve}'s network defaults, through the real command: protected mode (a wide
 * --bind needs --requirepass or --protected-mode no; lm:// stays on loopback with a password),
 * idle connections kept unless --idle-timeout says otherwise, and network flags checked before
 * anything is created.
 */
class ServeNetworkDefaultsTest {
    @TempDir
    Path dir;

    /** --path in a directory that does not exist yet: a refusal must create neither. */
    private Path store() {
        return dir.resolve("data").resolve("s.img");
    }

    private List<String> args(String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("--path", store().toString(), "--capacity", "256m",
                "--port", Integer.toString(freePort()), "--lm-port", Integer.toString(freePort())));
        args.addAll(List.of(extra));
        return args;
    }

    private Run refused(String... extra) throws IOException {
        Run run = InProcess.rawblock(serve(args(extra)).toArray(String[]::new));
        assertEquals(2, run.exitCode(), run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
        assertFalse(Files.exists(dir.resolve("data")), "nothing created: " + run.err());
        return run;
    }

    private static List<String> serve(List<String> args) {
        List<String> withCommand = new ArrayList<>(args);
        withCommand.addFirst("serve");
        return withCommand;
    }

    @Test
    void aNonLoopbackBindWithoutAPasswordIsRefusedBeforeAnythingIsCreated() throws Exception {
        for (String bind : new String[] {"0.0.0.0", "::"}) {
            Run run = refused("--bind", bind);
            assertTrue(run.err().contains("--bind " + (bind.equals("::") ? "0:0:0:0:0:0:0:0" : bind)
                    + " is not a loopback address and there is no password, so anyone who can reach it could read "
                    + "and overwrite the store: set --requirepass, or --protected-mode no to serve it without one"),
                    run.err());
        }
    }

    @Test
    void networkFlagsThatCannotWorkAreUsageErrorsBeforeTheStoreExists() throws Exception {
        assertTrue(refused("--bind", "not-a-host.invalid").err()
                .contains("--bind not-a-host.invalid does not resolve to an address"));
        assertTrue(refused("--idle-timeout", "99999999999").err()
                .contains("--idle-timeout must be 0 (never) or 0.1..31536000 seconds, got 99999999999"));
        assertTrue(refused("--idle-timeout", "0.01").err()
                .contains("--idle-timeout must be 0 (never) or 0.1..31536000 seconds, got 0.01"));
        for (String notSeconds : new String[] {"NaN", "-1", "1e3", "five"}) {
            assertTrue(refused("--idle-timeout", notSeconds).err()
                    .contains("invalid seconds '" + notSeconds + "': it is not a number of seconds"));
        }
        assertTrue(refused("--request-wait", "0").err()
                .contains("--request-wait must be 0.1..3600 seconds, got 0"));
        assertTrue(refused("--protected-mode", "off").err().contains("expected yes or no, got 'off'"));
    }

    @Test
    void aWideBindWithAPasswordServesRespEverywhereAndLmOnLoopbackOnly() throws Exception {
        List<String> args = args("--bind", "0.0.0.0", "--requirepass", "pw");
        int port = Integer.parseInt(args.get(args.indexOf("--port") + 1));
        int lmPort = Integer.parseInt(args.get(args.indexOf("--lm-port") + 1));
        try (ServeProcess served = ServeProcess.launch(args)) {
            served.await("ready");
            assertTrue(served.log.stream().anyMatch(l -> l.endsWith("rawblock serve: lm:// has no authentication: "
                    + "serving it on 127.0.0.1 only because --requirepass is set (--protected-mode no serves it on "
                    + "0.0.0.0 too)")), served.log.toString());
            assertTrue(served.log.stream().anyMatch(l -> l.endsWith("listening for RESP on 0.0.0.0:" + port)));
            assertTrue(served.log.stream().anyMatch(l -> l.endsWith("listening for lm:// on 127.0.0.1:" + lmPort)));
            assertEquals("-NOAUTH Authentication required.\r\n", request(port, "PING"));
            new Socket("127.0.0.1", lmPort).close();
            InetAddress outside = nonLoopbackAddress();
            if (outside != null) {
                new Socket(outside, port).close();
                assertThrows(ConnectException.class, () -> new Socket(outside, lmPort).close());
            }
            assertEquals(0, served.stop(), served.log.toString());
        }
    }

    @Test
    void protectedModeNoFromAConfigFileServesAWideBindWithoutAPassword() throws Exception {
        Path config = Files.writeString(dir.resolve("wide.properties"), "bind=0.0.0.0\nprotected-mode=no\n");
        List<String> args = args("--config", config.toString());
        int port = Integer.parseInt(args.get(args.indexOf("--port") + 1));
        int lmPort = Integer.parseInt(args.get(args.indexOf("--lm-port") + 1));
        try (ServeProcess served = ServeProcess.launch(args)) {
            served.await("ready");
            assertTrue(served.log.stream().anyMatch(l -> l.endsWith("RESP has no password and --protected-mode is no: "
                    + "anyone who can reach 0.0.0.0:" + port + " can read and overwrite the store")), served.log.toString());
            assertTrue(served.log.stream().anyMatch(l -> l.endsWith("listening for lm:// on 0.0.0.0:" + lmPort)),
                    served.log.toString());
            assertEquals("+PONG\r\n", request(port, "PING"));
            assertEquals(0, served.stop(), served.log.toString());
        }
    }

    @Test
    void idleConnectionsStayOpenByDefaultAndCloseAfterAConfiguredTimeout() throws Exception {
        List<String> keeping = args();
        Path second = dir.resolve("other").resolve("s.img");
        List<String> closing = new ArrayList<>(List.of("--path", second.toString(), "--capacity", "256m", "--port",
                Integer.toString(freePort()), "--lm-port", "-1", "--idle-timeout", "1"));
        try (ServeProcess keeps = ServeProcess.launch(keeping); ServeProcess closes = ServeProcess.launch(closing)) {
            keeps.await("ready");
            closes.await("ready");
            try (Socket idle = connect(keeping); Socket timed = connect(closing)) {
                Thread.sleep(3_000); // three times the configured timeout
                idle.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("+PONG\r\n", new String(idle.getInputStream().readNBytes(7), StandardCharsets.US_ASCII),
                        "still open after 3 s without a timeout");
                assertEquals(-1, timed.getInputStream().read(), "closed by --idle-timeout 1");
            }
            assertEquals(0, keeps.stop(), keeps.log.toString());
            assertEquals(0, closes.stop(), closes.log.toString());
        }
    }

    private static Socket connect(List<String> args) throws IOException {
        Socket s = new Socket("127.0.0.1", Integer.parseInt(args.get(args.indexOf("--port") + 1)));
        s.setSoTimeout(20_000);
        return s;
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
