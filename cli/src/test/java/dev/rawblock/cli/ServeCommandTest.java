package dev.rawblock.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code rawblock serve} as a process: created on first start, SIGTERM stops it with exit 0 and a
 * checkpoint, the next start recovers what was stored; a config file sets options; bad options fail.
 */
class ServeCommandTest {
    @TempDir
    Path dir;


    @Test
    void createsServesStopsOnSigtermAndRecoversOnRestart() throws Exception {
        Path store = dir.resolve("data").resolve("s.img");
        int port = ServeProcess.freePort();
        List<String> args = List.of("--path", store.toString(), "--capacity", "256m", "--port", Integer.toString(port),
                "--lm-port", "-1");
        try (ServeProcess first = ServeProcess.launch(args)) {
            first.await("ready");
            assertTrue(first.log.stream().anyMatch(l -> l.contains("created and formatted " + store)), first.log.toString());
            assertTrue(first.log.stream().anyMatch(l -> l.contains("listening for RESP on 127.0.0.1:" + port)));
            assertEquals("+OK\r\n", Resp.request(port, "SET", "kept", "across restarts"));
            assertEquals(0, first.stop(), first.log.toString());
            assertTrue(first.log.stream().anyMatch(l -> l.contains("checkpoint written")), first.log.toString());
        }
        try (ServeProcess second = ServeProcess.launch(args)) {
            second.await("ready");
            assertTrue(second.log.stream().anyMatch(l -> l.contains("recovered 1 entries")), second.log.toString());
            assertTrue(second.log.stream().noneMatch(l -> l.contains("created")), "an existing store is never formatted");
            assertEquals("$15\r\nacross restarts\r\n", Resp.request(port, "GET", "kept"));
            assertEquals(0, second.stop());
        }
    }

    @Test
    void servesMetricsWhenAsked() throws Exception {
        int port = ServeProcess.freePort(), metricsPort = ServeProcess.freePort();
        try (ServeProcess served = ServeProcess.launch(List.of("--path", dir.resolve("m.img").toString(), "--capacity", "256m",
                "--port", Integer.toString(port), "--lm-port", "-1", "--metrics-port", Integer.toString(metricsPort)))) {
            served.await("metrics on http://127.0.0.1:" + metricsPort + "/metrics");
            served.await("ready");
            assertEquals("+OK\r\n", Resp.request(port, "SET", "k", "v"));
            HttpResponse<String> scrape;
            try (HttpClient client = HttpClient.newHttpClient()) {
                scrape = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                        .build(), HttpResponse.BodyHandlers.ofString());
            }
            assertEquals(200, scrape.statusCode());
            assertTrue(scrape.body().contains("\nrawblock_requests_total{protocol=\"resp\",op=\"set\"} 1\n"), scrape.body());
            assertTrue(scrape.body().contains("\nrawblock_entries 1\n"), scrape.body());
            assertEquals(0, served.stop());
        }
    }

    @Test
    void aConfigFileSetsOptionsAndFlagsWin() throws Exception {
        int port = ServeProcess.freePort();
        Path config = dir.resolve("rawblock.properties");
        Files.writeString(config, "path=" + dir.resolve("c.img") + "\ncapacity=256m\nport=1\nlm-port=-1\nrequirepass=pw\n");
        try (ServeProcess served = ServeProcess.launch(List.of("--config", config.toString(), "--port", Integer.toString(port)))) {
            served.await("ready");
            assertEquals("-NOAUTH Authentication required.\r\n", Resp.request(port, "PING"));
            assertEquals(0, served.stop());
        }
    }

    @Test
    void badOptionsAreOneLineUsageErrors() throws Exception {
        Path config = dir.resolve("bad.properties");
        Files.writeString(config, "prot=6390\n");
        InProcess.Run typo = InProcess.rawblock("serve", "--config", config.toString());
        assertEquals(2, typo.exitCode());
        assertTrue(typo.err().contains("unknown option 'prot' in " + config), typo.err());

        InProcess.Run port = InProcess.rawblock("serve", "--path",
                dir.resolve("p.img").toString(), "--capacity", "256m", "--port", "70000");
        assertEquals(2, port.exitCode());
        assertTrue(port.err().contains("--port must be 0..65535, got 70000"), port.err());

        InProcess.Run metrics = InProcess.rawblock("serve", "--path",
                dir.resolve("p.img").toString(), "--capacity", "256m", "--metrics-port", "-2");
        assertEquals(2, metrics.exitCode());
        assertTrue(metrics.err().contains("--metrics-port must be 0..65535 (or -1 for off), got -2"), metrics.err());

        byte[] junkBytes = new byte[1 << 20];
        junkBytes[100] = 1; // all zero would be formatted: a first start cut short leaves that
        Path notAStore = Files.write(dir.resolve("junk.img"), junkBytes);
        InProcess.Run junk = InProcess.rawblock("serve", "--path", notAStore.toString(),
                "--port", "0", "--lm-port", "-1");
        assertEquals(1, junk.exitCode());
        assertTrue(junk.err().contains(notAStore + " holds non-zero data at offset 100 and is not a rawblock store"),
                junk.err());
    }
}
