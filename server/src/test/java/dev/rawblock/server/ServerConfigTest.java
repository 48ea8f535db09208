package dev.rawblock.server;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
