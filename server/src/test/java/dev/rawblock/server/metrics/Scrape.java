package dev.rawblock.server.metrics;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One scrape of {@code /metrics} as Prometheus makes it, checked line by line against the text
 * format, with its samples by {@code name{labels}} as written.
 */
public record Scrape(String text, Map<String, Double> samples) {
    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final String LABEL = "[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"";
    private static final Pattern SAMPLE = Pattern.compile(
            "(" + NAME + ")(\\{" + LABEL + "(?:," + LABEL + ")*})? (-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|[-+]Inf|NaN)");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") \\S.*");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");

    public static HttpResponse<String> get(InetSocketAddress address, String path, String method) throws Exception {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build()) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address.getHostString() + ":"
                            + address.getPort() + path)).timeout(Duration.ofSeconds(20))
                    .method(method, HttpRequest.BodyPublishers.noBody()).build();
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    /** GETs {@code /metrics}, asserting a 200 in the Prometheus text format. */
    public static Scrape of(InetSocketAddress address) throws Exception {
        HttpResponse<String> response = get(address, "/metrics", "GET");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", response.headers().firstValue("Content-Type").orElse(null));
        return parse(response.body());
    }

    /**
     * Parses exposition text, asserting every line is a HELP, TYPE or sample line, every family is
     * declared once (HELP then TYPE) before its samples, and every sample belongs to the family
     * declared last (a histogram's with _bucket, _sum or _count).
     */
    static Scrape parse(String text) {
        assertTrue(text.endsWith("\n"), "the text ends with a newline");
        Map<String, Double> samples = new LinkedHashMap<>();
        Set<String> families = new LinkedHashSet<>();
        String family = null, type = null;
        for (String line : text.split("\n")) {
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                assertTrue(families.add(m.group(1)), "family declared twice: " + line);
                family = m.group(1);
                type = null;
            } else if ((m = TYPE.matcher(line)).matches()) {
                assertEquals(family, m.group(1), "TYPE follows its HELP: " + line);
                type = m.group(2);
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                assertNotNull(type, "a sample before any family: " + line);
                String name = m.group(1);
                boolean ofFamily = name.equals(family) || type.equals("histogram")
                        && (name.equals(family + "_bucket") || name.equals(family + "_sum") || name.equals(family + "_count"));
                assertTrue(ofFamily, "a sample outside its family " + family + ": " + line);
                String key = name + (m.group(2) == null ? "" : m.group(2));
                assertEquals(null, samples.put(key, Double.parseDouble(m.group(3).replace("Inf", "Infinity"))),
                        "sample written twice: " + line);
            } else {
                throw new AssertionError("not a line of the Prometheus text format: '" + line + "'");
            }
        }
        return new Scrape(text, samples);
    }

    /** The sample {@code key} ({@code name{labels}} exactly as written); fails if absent. */
    public double value(String key) {
        Double v = samples.get(key);
        assertNotNull(v, key + " missing from:\n" + text);
        return v;
    }

    /** The samples whose key starts with {@code prefix}. */
    public Map<String, Double> starting(String prefix) {
        Map<String, Double> out = new LinkedHashMap<>();
        samples.forEach((k, v) -> {
            if (k.startsWith(prefix)) out.put(k, v);
        });
        return out;
    }
}
