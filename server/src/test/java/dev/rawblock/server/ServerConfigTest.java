package dev.rawblock.server;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What ServerConfig accepts, and what its refusals say (serve shows them as usage errors, prefixed "--"). */
class ServerConfigTest {
    private static final ServerConfig DEFAULTS = ServerConfig.defaults(1 << 20);

    @Test
    void metricsAreOffByDefaultAndTakeAnyPortOrAFreeOne() {
        assertEquals(-1, DEFAULTS.metricsPort());
        assertEquals(0, DEFAULTS.withMetricsPort(0).metricsPort());
        assertEquals(65535, DEFAULTS.withMetricsPort(65535).metricsPort());
        assertEquals(9100, DEFAULTS.withMetricsPort(9100).withPorts(0, -1).withRequirePass("p").metricsPort(),
                "the other withers keep it");
    }

    @Test
    void aMetricsPortOutOfRangeIsRefusedByName() {
        for (int port : new int[] {-2, 65536}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withMetricsPort(port));
            assertEquals("metrics-port must be 0..65535 (or -1 for off), got " + port, e.getMessage());
        }
    }

    @Test
    void theDefaultsServeLoopbackInProtectedModeAndNeverCloseIdleConnections() {
        assertEquals(InetAddress.ofLiteral("127.0.0.1"), DEFAULTS.bind());
        assertTrue(DEFAULTS.protectedMode());
        assertEquals(ServerConfig.NEVER, DEFAULTS.idleTimeout());
        assertEquals(Duration.ofSeconds(30), DEFAULTS.requestWait());
        assertEquals(DEFAULTS.bind(), DEFAULTS.lmBind());
    }

    @Test
    void aNonLoopbackBindWithoutAPasswordIsRefusedInProtectedMode() {
        for (String host : new String[] {"0.0.0.0", "::", "192.0.2.7", "fd00::2"}) {
            InetAddress address = ServerConfig.resolveBind(host);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DEFAULTS.withBind(address, true), host);
            assertEquals("bind " + ServerConfig.host(address) + " is not a loopback address and there is no password, "
                    + "so anyone who can reach it could read and overwrite the store: set --requirepass, "
                    + "or --protected-mode no to serve it without one", e.getMessage());
        }
    }

    @Test
    void withAPasswordLmMovesToIpv4LoopbackWhateverTheFamilyOfBind() {
        ServerConfig withPass = DEFAULTS.withRequirePass("pw");
        for (String host : new String[] {"0.0.0.0", "::", "192.0.2.7", "fd00::2"}) {
            ServerConfig c = withPass.withBind(ServerConfig.resolveBind(host), true);
            assertTrue(c.lmOnLoopbackOnly(), host);
            assertEquals(InetAddress.ofLiteral("127.0.0.1"), c.lmBind(), "LMCache's lm:// client is IPv4 only: " + host);
        }
    }

    @Test
    void withProtectedModeOffEverythingFollowsBind() {
        InetAddress any = ServerConfig.resolveBind("0.0.0.0");
        for (ServerConfig c : new ServerConfig[] {DEFAULTS.withBind(any, false),
                DEFAULTS.withRequirePass("pw").withBind(any, false)}) {
            assertFalse(c.lmOnLoopbackOnly());
            assertEquals(any, c.lmBind());
        }
    }

    @Test
    void aLoopbackBindIsNeverProtectedAgainstAndKeepsLmWithIt() {
        for (String host : new String[] {"127.0.0.1", "127.0.0.2", "::1", "localhost", "::ffff:127.0.0.1"}) {
            InetAddress address = ServerConfig.resolveBind(host);
            ServerConfig c = DEFAULTS.withBind(address, true);
            assertFalse(c.lmOnLoopbackOnly(), host);
            assertEquals(address, c.lmBind(), host);
        }
    }

    @Test
    void aBindThatDoesNotResolveIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.resolveBind("not-a-host.invalid"));
        assertEquals("bind not-a-host.invalid does not resolve to an address", e.getMessage());
        assertEquals("bind must be an address, got ' '",
                assertThrows(IllegalArgumentException.class, () -> ServerConfig.resolveBind(" ")).getMessage());
    }

    @Test
    void idleTimeoutIsZeroForNeverOrATenthOfASecondToAYear() {
        for (Duration ok : new Duration[] {Duration.ZERO, Duration.ofMillis(100), Duration.ofDays(365)}) {
            assertEquals(ok, idle(ok).idleTimeout());
        }
        String range = "idle-timeout must be 0 (never) or 0.1..31536000 seconds, got ";
        assertEquals(range + "0.05", assertThrows(IllegalArgumentException.class,
                () -> idle(Duration.ofMillis(50))).getMessage());
        assertEquals(range + "-1", assertThrows(IllegalArgumentException.class,
                () -> idle(Duration.ofSeconds(-1))).getMessage());
        assertEquals(range + "99999999999", assertThrows(IllegalArgumentException.class,
                () -> idle(Duration.ofSeconds(99_999_999_999L))).getMessage(), "refused before it can overflow");
        assertEquals(range + "9223372036854775807.999999999", assertThrows(IllegalArgumentException.class,
                () -> idle(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999))).getMessage());
    }

    @Test
    void requestWaitIsATenthOfASecondToAnHour() {
        assertEquals(Duration.ofHours(1), DEFAULTS.withRequestWait(Duration.ofHours(1)).requestWait());
        for (String bad : new String[] {"0", "0.099", "3600.001"}) {
            Duration d = Duration.ofNanos(new java.math.BigDecimal(bad).movePointRight(9).longValueExact());
            assertEquals("request-wait must be 0.1..3600 seconds, got " + bad,
                    assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withRequestWait(d)).getMessage());
        }
    }

    private static ServerConfig idle(Duration timeout) {
        return DEFAULTS.withLimits(DEFAULTS.maxConnections(), timeout, DEFAULTS.maxPendingBytes(), DEFAULTS.memoryBudget());
    }
}
