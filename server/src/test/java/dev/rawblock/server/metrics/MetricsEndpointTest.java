package dev.rawblock.server.metrics;

import dev.rawblock.server.ServerFixture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /metrics} over real HTTP from a real server, after real RESP requests on a raw socket. */
class MetricsEndpointTest extends ServerFixture {
    private static final String RESP_SET = "{protocol=\"resp\",op=\"set\"}";
    private static final String RESP_GET = "{protocol=\"resp\",op=\"get\"}";

    private void startWithMetrics() throws IOException {
        start(512 * MIB, c -> c.withMetricsPort(0));
    }

    private static void request(Socket s, String expectedFirstLine, String... command) throws IOException {
        send(s, command(command));
        assertEquals(expectedFirstLine, line(s));
    }

    @Test
    void countsRequestsTimesValueBytesAndSpace() throws Exception {
        startWithMetrics();
        int[] sizes = {1000, 70_000, 3 << 20};
        try (Socket s = connect(server.respAddress())) {
            for (int i = 0; i < sizes.length; i++) {
                send(s, command("SET".getBytes(), ("k" + i).getBytes(), random(sizes[i], i)));
                assertEquals("+OK", line(s));
            }
            request(s, "$" + sizes[1], "GET", "k1");
            assertEquals(sizes[1] + 2, read(s, sizes[1] + 2).length);
            request(s, "$-1", "GET", "absent1");
            request(s, "$-1", "GET", "absent2");
            request(s, "+PONG", "PING");

            Scrape m = Scrape.of(server.metricsAddress());
            assertEquals(3, m.value("rawblock_requests_total" + RESP_SET));
            assertEquals(3, m.value("rawblock_requests_total" + RESP_GET));
            assertEquals(1, m.value("rawblock_requests_total{protocol=\"resp\",op=\"other\"}"));
            assertEquals(0, m.value("rawblock_requests_total{protocol=\"lm\",op=\"put\"}"), "lm:// is on, so listed");
            assertEquals(1000 + 70_000 + (3 << 20), m.value("rawblock_value_bytes_total{protocol=\"resp\",direction=\"in\"}"));
            assertEquals(70_000, m.value("rawblock_value_bytes_total{protocol=\"resp\",direction=\"out\"}"));
            assertEquals(2, m.value("rawblock_misses_total"));
            assertEquals(1, m.value("rawblock_hits_total"));
            assertEquals(1, m.value("rawblock_connections"), "the RESP connection is open; HTTP is not counted");
            assertEquals(1, m.value("rawblock_connections_total"));
            assertEquals(0, m.value("rawblock_protocol_errors_total"));
            assertTrue(m.value("rawblock_network_bytes_total{direction=\"in\"}") > (3 << 20));
            assertEquals(store.memory().registeredBytes(), m.value("rawblock_registered_memory_bytes"));
            assertTrue(m.value("rawblock_registered_memory_free_bytes") > 0);
            assertEquals(0, m.value("rawblock_unregistered_buffer_bytes"), "a 3 MiB value fits the registered memory");

            for (String op : new String[] {RESP_SET, RESP_GET}) assertServiceTimes(m, op, 3);
            assertServiceTimes(m, "{protocol=\"lm\",op=\"get\"}", 0);

            assertEquals(1, m.value("rawblock_store_up"));
            assertEquals(3, m.value("rawblock_entries"));
            assertEquals(store.stats().capacityBytes(), m.value("rawblock_capacity_bytes"));
            assertEquals(1000 + 70_000 + (3 << 20), m.value("rawblock_payload_bytes"));
            assertTrue(m.value("rawblock_used_slot_bytes") >= m.value("rawblock_payload_bytes"));
            String member = "{path=\"" + store.device().path() + "\"}";
            assertEquals(m.value("rawblock_payload_bytes"), m.value("rawblock_member_value_bytes" + member),
                    "one device holds every value");
            assertEquals(m.value("rawblock_capacity_bytes"), m.value("rawblock_member_capacity_bytes" + member));
            Map<String, Double> usedSlots = m.starting("rawblock_class_slots{");
            usedSlots.keySet().removeIf(k -> !k.endsWith("state=\"used\"}"));
            assertEquals(3, usedSlots.size(), "three values of different sizes take three classes: " + usedSlots);
            assertEquals(3, usedSlots.values().stream().mapToDouble(Double::doubleValue).sum());
            double classBytes = m.starting("rawblock_class_bytes{").entrySet().stream()
                    .filter(e -> e.getKey().endsWith("state=\"used\"}")).mapToDouble(Map.Entry::getValue).sum();
            assertEquals(m.value("rawblock_used_slot_bytes"), classBytes, "used slot bytes are the classes' used bytes");
            for (String counter : new String[] {"evictions", "checksum_failures", "read_errors", "write_errors",
                    "checkpoint_failures"}) {
                assertEquals(0, m.value("rawblock_" + counter + "_total"), counter);
            }
            assertTrue(m.value("rawblock_journal_fill_ratio") > 0, "three puts are in the journal");
            assertTrue(m.value("rawblock_checkpoint_age_seconds") >= 0);
            assertNotNull(m.value("rawblock_checkpoints_total"));
        }
    }

    /** The histogram of {@code op}: {@code count} requests, buckets cumulative up to +Inf = count, a positive sum. */
    private static void assertServiceTimes(Scrape m, String op, int count) {
        String labels = op.substring(0, op.length() - 1);
        String name = "rawblock_request_duration_seconds";
        assertEquals(count, m.value(name + "_count" + op));
        assertEquals(count, m.value(name + "_bucket" + labels + ",le=\"+Inf\"}"));
        Map<String, Double> buckets = m.starting(name + "_bucket" + labels + ",");
        assertEquals(MetricsReport.BUCKETS.length + 1, buckets.size());
        double previous = 0;
        for (double b : buckets.values()) {
            assertTrue(b >= previous, "buckets are cumulative: " + buckets);
            previous = b;
        }
        assertTrue(m.value(name + "_bucket" + labels + ",le=\"0.000005\"}") <= count);
        if (count > 0) {
            assertTrue(m.value(name + "_sum" + op) > 0, "service times add up to more than nothing");
            assertTrue(m.value(name + "_bucket" + labels + ",le=\"10\"}") == count, "a request on loopback takes < 10 s");
        } else {
            assertEquals(0, m.value(name + "_sum" + op));
        }
    }

    @Test
    void countersOnlyGrowAndEveryScraperSeesEverything() throws Exception {
        startWithMetrics();
        try (Socket s = connect(server.respAddress())) {
            request(s, "+OK", "SET", "k", "v");
            Scrape first = Scrape.of(server.metricsAddress());
            Scrape second = Scrape.of(server.metricsAddress());
            assertEquals(1, first.value("rawblock_request_duration_seconds_count" + RESP_SET));
            assertEquals(1, second.value("rawblock_request_duration_seconds_count" + RESP_SET),
                    "a second scrape does not lose what the first took");
            request(s, "+OK", "SET", "k", "w");
            assertEquals(2, Scrape.of(server.metricsAddress()).value("rawblock_requests_total" + RESP_SET));
        }
    }

    @Test
    void otherPathsAreNotFoundAndOtherMethodsNotAllowed() throws Exception {
        startWithMetrics();
        InetSocketAddress a = server.metricsAddress();
        assertEquals(404, Scrape.get(a, "/", "GET").statusCode());
        assertEquals(404, Scrape.get(a, "/metricsx", "GET").statusCode());
        assertEquals(404, Scrape.get(a, "/metrics/x", "GET").statusCode());
        for (String method : new String[] {"POST", "PUT", "DELETE"}) {
            HttpResponse<String> r = Scrape.get(a, "/metrics", method);
            assertEquals(405, r.statusCode(), method);
            assertEquals("GET", r.headers().firstValue("Allow").orElse(null));
        }
        assertEquals(200, Scrape.get(a, "/metrics?x=1", "GET").statusCode(), "query parameters are ignored");
    }

    @Test
    void offByDefault() throws Exception {
        start();
        assertNull(server.metricsAddress());
    }

    @Test
    void stopsWithTheServer() throws Exception {
        startWithMetrics();
        InetSocketAddress a = server.metricsAddress();
        assertEquals(200, Scrape.get(a, "/metrics", "GET").statusCode());
        server.close();
        assertThrows(ConnectException.class, () -> Scrape.get(a, "/metrics", "GET"));
    }

    @Test
    void aStoreThatCannotServeIsReportedDown() throws Exception {
        startWithMetrics();
        store.close();
        Scrape m = Scrape.of(server.metricsAddress());
        assertEquals(0, m.value("rawblock_store_up"));
        assertFalse(m.samples().containsKey("rawblock_entries"), "no store figures without a store");
        assertEquals(0, m.value("rawblock_connections"), "the server's own figures are still there");
    }
}
