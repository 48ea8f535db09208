package dev.rawblock.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rawblock.server.ServerContext;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves {@code GET /metrics} in Prometheus' text format on its own port, with the JDK's HTTP
 * server: a scraper needs nothing more, and a port apart from the data ports can be firewalled
 * apart. Other paths get 404, other methods 405.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private final HttpServer http;
    private final ExecutorService executor;
    private final ServerContext context;

    private MetricsEndpoint(HttpServer http, ExecutorService executor, ServerContext context) {
        this.http = http;
        this.executor = executor;
        this.context = context;
    }

    /** Binds {@code address} (port 0: a free one) and starts serving. */
    public static MetricsEndpoint start(ServerContext context, InetSocketAddress address) throws IOException {
        HttpServer http = HttpServer.create(address, 16);
        // A thread per scrape, so a slow scraper never holds up another (scrapes are rare and short).
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        MetricsEndpoint endpoint = new MetricsEndpoint(http, executor, context);
        http.createContext("/", endpoint::handle);
        http.setExecutor(executor);
        http.start();
        return endpoint;
    }

    /** The address bound (with the port picked, if 0 was asked for). */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestURI().getPath().equals("/metrics")) {
                send(exchange, 404, "not found: metrics are at /metrics\n");
            } else if (!exchange.getRequestMethod().equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                send(exchange, 405, "method not allowed: use GET\n");
            } else {
                String text;
                try {
                    text = MetricsReport.render(context);
                } catch (RuntimeException e) {
                    send(exchange, 500, "cannot render metrics: " + e + "\n");
                    return;
                }
                exchange.getResponseHeaders().set("Content-Type", Exposition.CONTENT_TYPE);
                send(exchange, 200, text);
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (status != 200) exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** Stops listening and waits for scrapes being answered. */
    @Override
    public void close() {
        http.stop(0);
        executor.close();
    }
}
