package dev.rbon.remote;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reverse proxy in front of a real engine that injects the faults a healthy engine will not produce on demand:
 * POSTs answered slowly, with a 500, or with garbage; GETs (the readiness probes) always pass, as an engine that is
 * up but failing its work would answer them. {@link #stop()} and {@link #start()} close and reopen its port.
 */
final class FaultProxy implements AutoCloseable {

    enum Mode { PASS, SLOW, ERROR, GARBAGE }

    final int port;
    private final String upstream;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private ExecutorService executor;
    private HttpServer server;
    volatile Mode mode = Mode.PASS;
    final AtomicInteger posts = new AtomicInteger();

    FaultProxy(int port, String upstream) {
        this.port = port;
        this.upstream = upstream;
    }

    FaultProxy start() throws IOException {
        executor = Executors.newCachedThreadPool();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
        return this;
    }

    void stop() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            boolean post = exchange.getRequestMethod().equals("POST");
            if (post) {
                posts.incrementAndGet();
            }
            Mode m = post ? mode : Mode.PASS;
            if (m == Mode.ERROR) {
                reply(exchange, 500, "{\"error\": {\"message\": \"injected failure\", \"type\": \"InternalServerError\"}}");
                return;
            }
            if (m == Mode.GARBAGE) {
                reply(exchange, 200, "{\"data\": [{\"index\": 0, \"embedding\": \"not numbers\"");
                return;
            }
            if (m == Mode.SLOW) {
                Thread.sleep(3000);
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(upstream + exchange.getRequestURI()))
                    .timeout(Duration.ofSeconds(30))
                    .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            if (type != null) {
                forward.header("Content-Type", type);
            }
            HttpResponse<byte[]> answer = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            exchange.getResponseHeaders().add("Content-Type", answer.headers().firstValue("Content-Type")
                    .orElse("application/json"));
            exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
            exchange.getResponseBody().write(answer.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the caller gave up (a deadline) or the upstream is down: nothing more to say
            try {
                reply(exchange, 502, "{\"error\": {\"message\": \"upstream: " + e + "\"}}");
            } catch (IOException ignored) {
                // the caller is gone
            }
        }
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        stop();
    }
}
