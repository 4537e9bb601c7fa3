package dev.rbon.remote;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rbon.RbonConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A JDK HttpServer that answers each call as a test scripts it: a replay of an engine's documented answer, or a
 * fault (a status, garbage, a stall) that a real engine cannot be made to produce on demand. It records what it
 * was sent and how many calls ran at once.
 */
final class FakeEngine implements AutoCloseable {

    /** What to answer: status, body, delay before answering. */
    record Answer(int status, String body, Duration delay) {
        static Answer json(String body) {
            return new Answer(200, body, Duration.ZERO);
        }
    }

    /** One call as received. */
    record Call(String method, String path, String body, Map<String, List<String>> headers) {}

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    final List<Call> calls = new CopyOnWriteArrayList<>();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger mostAtOnce = new AtomicInteger();
    volatile Answer answer = Answer.json("{}");

    FakeEngine() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        int now = running.incrementAndGet();
        mostAtOnce.accumulateAndGet(now, Math::max);
        try {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            calls.add(new Call(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), body,
                    Map.copyOf(exchange.getRequestHeaders())));
            Answer a = answer;
            if (!a.delay().isZero()) {
                Thread.sleep(a.delay().toMillis());
            }
            byte[] bytes = a.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(a.status(), bytes.length == 0 ? -1 : bytes.length);
            exchange.getResponseBody().write(bytes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client gave up and closed the connection
        } finally {
            running.decrementAndGet();
            exchange.close();
        }
    }

    String url(String suffix) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + suffix;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** A remote model's configuration as RbonConfig maps it. */
    static RbonConfig.ModelPath config(String url, Optional<String> model, Optional<String> apiKey, int retries,
            int maxConnections, Duration timeout) {
        return new RbonConfig.ModelPath() {
            @Override
            public Optional<Path> path() {
                return Optional.empty();
            }

            @Override
            public Optional<URI> url() {
                return Optional.of(URI.create(url));
            }

            @Override
            public Optional<String> model() {
                return model;
            }

            @Override
            public Optional<String> apiKey() {
                return apiKey;
            }

            @Override
            public Optional<Duration> connectTimeout() {
                return Optional.of(Duration.ofSeconds(1));
            }

            @Override
            public Optional<Duration> timeout() {
                return Optional.of(timeout);
            }

            @Override
            public Optional<Integer> retries() {
                return Optional.of(retries);
            }

            @Override
            public Optional<Integer> maxConnections() {
                return Optional.of(maxConnections);
            }
        };
    }

    static String read(String resource) {
        try (var in = FakeEngine.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
