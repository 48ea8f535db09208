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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One version string everywhere: the project's version, as --version, INFO and the metrics say it. */
class VersionTest {
    @TempDir
    Path dir;

    /** The version in the parent pom, which the build filters into the jar. */
    private static String projectVersion() throws Exception {
        String pom = Files.readString(Path.of("").toAbsolutePath().getParent().resolve("pom.xml"));
        Matcher m = Pattern.compile("<artifactId>rawblock-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find(), "the parent pom names its version");
        return m.group(1);
    }

    @Test
    void versionInfoAndMetricsAgree() throws Exception {
        String version = projectVersion();
        ServeProcess cli = ServeProcess.run("--version");
        assertEquals(List.of("rawblock " + version), cli.log);

        int port = ServeProcess.freePort(), metricsPort = ServeProcess.freePort();
        try (ServeProcess served = ServeProcess.serve(dir.resolve("v.img"), port, "--capacity", "64m",
                "--metrics-port", Integer.toString(metricsPort))) {
            assertTrue(Resp.request(port, "INFO", "server").contains("rawblock_version:" + version + "\r\n"));
            try (HttpClient client = HttpClient.newHttpClient()) {
                String metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort
                        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(metrics.contains("rawblock_build_info{version=\"" + version + "\"} 1\n"), metrics);
            }
            assertEquals(0, served.stop());
        }
    }
}
