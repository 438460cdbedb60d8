package dev.molt.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves {@link MoltMetrics} at {@code GET /metrics} over plain HTTP with the JDK's server: 404 for
 * any other path, 405 for any other method, 500 naming the problem when the store cannot be read.
 * One thread: a scrape every few seconds is the whole load.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MetricsServer.class.getName());
    static final String PATH = "/metrics";

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Listens on {@code address} (port 0 picks a free one: see {@link #address()}). */
    public static MetricsServer start(InetSocketAddress address, MoltMetrics metrics) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(address, 0);
        } catch (IOException e) {
            throw new IOException("cannot serve metrics on " + address + " (metrics.listen): " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metrics-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(exchange, metrics));
        server.start();
        return new MetricsServer(server, executor);
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void handle(HttpExchange exchange, MoltMetrics metrics) throws IOException {
        try (exchange) {
            if (!exchange.getRequestURI().getPath().equals(PATH)) {
                send(exchange, 404, "text/plain; charset=utf-8", "not found: moltd serves only " + PATH + "\n");
                return;
            }
            if (!exchange.getRequestMethod().equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                send(exchange, 405, "text/plain; charset=utf-8", PATH + " answers GET only\n");
                return;
            }
            MoltMetrics.Scrape scrape;
            try {
                scrape = metrics.scrape(exchange.getRequestHeaders().getFirst("Accept"));
            } catch (RuntimeException e) {
                // The store failed or closed under the scrape: say so rather than drop the connection.
                LOG.log(Level.WARNING, "metrics: cannot read the store", e);
                send(exchange, 500, "text/plain; charset=utf-8", "cannot read Molt's store: " + e.getMessage() + "\n");
                return;
            }
            send(exchange, 200, scrape.contentType(), scrape.body());
        }
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        send(exchange, status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Stops at once: a scrape under way is cut off (the store is closed next). */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
