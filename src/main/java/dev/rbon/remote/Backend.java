package dev.rbon.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rbon.RbonConfig;
import dev.rbon.remote.BackendException.Kind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One remote engine (vLLM, SGLang, TGI or another rbon): JSON over HTTP/1.1 with the JDK's HttpClient, at most
 * {@code max-connections} calls in flight, each bounded by the request's deadline ({@link CallContext}) and the
 * configured timeout, retried where that is safe, every failure turned into a {@link BackendException} and counted
 * per backend ({@code rbon_backend_requests_total{backend, route, outcome}}, {@code rbon_backend_request_duration_seconds},
 * {@code rbon_backend_retries_total}, {@code rbon_backend_in_flight}).
 */
public final class Backend {

    /** Whether a failed call may be repeated (docs/remote.md, "Retries"). */
    public enum Retry {
        /** Scoring and embeddings: no side effects, the same answer again; also retried after 5xx and dropped connections. */
        IDEMPOTENT,
        /** Sampling: retried only when the connection failed, so the engine never started on it. */
        UNSENT_ONLY
    }

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    static final int DEFAULT_RETRIES = 2;
    static final int DEFAULT_MAX_CONNECTIONS = 32;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final long POLL_MS = 50;

    private final String role;
    private final URI base;
    private final RbonConfig.ModelPath config;
    private final Duration connectTimeout;
    private final Duration timeout;
    private final int maxRetries;
    private final int maxConnections;
    private final HttpClient http;
    private final Semaphore slots;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final MeterRegistry registry;
    private final Counter retries;

    public Backend(String role, RbonConfig.ModelPath config, MeterRegistry registry) {
        this.role = role;
        this.config = config;
        String url = config.url().orElseThrow().toString();
        this.base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        this.connectTimeout = config.connectTimeout().orElse(DEFAULT_CONNECT_TIMEOUT);
        this.timeout = config.timeout().orElse(DEFAULT_TIMEOUT);
        this.maxRetries = config.retries().orElse(DEFAULT_RETRIES);
        this.maxConnections = config.maxConnections().orElse(DEFAULT_MAX_CONNECTIONS);
        if (maxRetries < 0 || maxConnections < 1) {
            throw new IllegalArgumentException("rbon.models." + role + ": retries must be >= 0 and max-connections >= 1");
        }
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER).build();
        this.slots = new Semaphore(maxConnections, true);
        this.registry = registry;
        this.retries = Counter.builder("rbon.backend.retries").description("Calls to a remote engine repeated after a failure")
                .tag("backend", role).register(registry);
        registry.gauge("rbon.backend.in.flight", Tags.of("backend", role), inFlight);
    }

    public String role() {
        return role;
    }

    public URI url() {
        return base;
    }

    /** The model name to send, if configured. */
    public Optional<String> model() {
        return config.model();
    }

    /** A request body with {@code model} set when it is configured. */
    public ObjectNode body() {
        ObjectNode body = JSON.createObjectNode();
        config.model().ifPresent(m -> body.put("model", m));
        return body;
    }

    /** POSTs {@code body} to {@code route} (relative to the url) and returns the parsed 2xx answer. */
    public JsonNode post(String route, JsonNode body, Retry retry) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Timer.Sample timer = Timer.start(registry);
        String outcome = "ok";
        try {
            for (int attempt = 0; ; attempt++) {
                try {
                    return parse(route, once(route, bytes));
                } catch (BackendException e) {
                    Duration backoff = FIRST_BACKOFF.multipliedBy(1L << attempt);
                    if (attempt >= maxRetries || !retryable(e.kind(), retry)
                            || CallContext.current().remaining().compareTo(backoff.multipliedBy(2)) < 0) {
                        throw e;
                    }
                    retries.increment();
                    sleep(backoff);
                }
            }
        } catch (BackendException e) {
            outcome = e.kind().tag();
            throw e;
        } catch (CancellationException e) {
            outcome = "cancelled";
            throw e;
        } finally {
            Counter.builder("rbon.backend.requests").description("Calls to remote engines by backend, route and outcome")
                    .tags("backend", role, "route", route, "outcome", outcome).register(registry).increment();
            timer.stop(Timer.builder("rbon.backend.request.duration").description("Latency of calls to remote engines")
                    .tags("backend", role, "route", route).publishPercentileHistogram().register(registry));
        }
    }

    private static boolean retryable(Kind kind, Retry retry) {
        return kind == Kind.UNREACHABLE
                || retry == Retry.IDEMPOTENT && (kind == Kind.FAILED || kind == Kind.UNAVAILABLE);
    }

    /** One attempt: a free connection slot, then the exchange, both within the remaining deadline. */
    private HttpResponse<byte[]> once(String route, byte[] body) {
        CallContext context = CallContext.current();
        Duration budget = min(timeout, context.remaining());
        if (budget.isNegative() || budget.isZero()) {
            throw new BackendException(Kind.TIMEOUT, role, "the request's deadline passed before the " + role
                    + " engine was called");
        }
        long start = System.nanoTime();
        try {
            if (!slots.tryAcquire(budget.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new BackendException(Kind.TIMEOUT, role, "all " + maxConnections + " connections to the "
                        + role + " engine " + base + " stayed busy until the deadline");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for a connection");
        }
        inFlight.incrementAndGet();
        try {
            Duration left = budget.minusNanos(System.nanoTime() - start);
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + route))
                    .timeout(left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left)
                    .header("Content-Type", "application/json").header("Accept", "application/json")
                    // rbon backends shorten their own deadline to this; vLLM aborts when the connection closes
                    .header(DEADLINE_HEADER, Long.toString(Math.max(1, left.toMillis())))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            config.apiKey().ifPresent(key -> request.header("Authorization", "Bearer " + key));
            return await(http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray()), context, left);
        } finally {
            inFlight.decrementAndGet();
            slots.release();
        }
    }

    /** The header that carries the time a call may take, in milliseconds (rbon's own routes honour it). */
    public static final String DEADLINE_HEADER = "X-Request-Timeout-Ms";

    /** Waits for the answer, giving up (and aborting the exchange) when the caller has gone or the time is up. */
    private HttpResponse<byte[]> await(CompletableFuture<HttpResponse<byte[]>> exchange, CallContext context,
            Duration budget) {
        long end = System.nanoTime() + budget.toNanos();
        try {
            while (true) {
                try {
                    return exchange.get(Math.min(POLL_MS, Math.max(1, (end - System.nanoTime()) / 1_000_000)),
                            TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    // past the deadline the caller has gone too: that is the engine's timeout, not a cancellation
                    if (System.nanoTime() >= end || context.remaining().isNegative()) {
                        throw timeout(budget);
                    }
                    context.checkCancelled();
                }
            }
        } catch (ExecutionException e) {
            throw failure(e.getCause(), budget);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for the " + role + " engine");
        } finally {
            exchange.cancel(true); // a no-op once it completed; otherwise it closes the connection
        }
    }

    private BackendException timeout(Duration budget) {
        return new BackendException(Kind.TIMEOUT, role, "the " + role + " engine " + base + " did not answer within "
                + budget.toMillis() + " ms");
    }

    private BackendException failure(Throwable cause, Duration budget) {
        if (cause instanceof HttpConnectTimeoutException) {
            return new BackendException(Kind.UNREACHABLE, role, "the " + role + " engine " + base
                    + " did not accept a connection within " + connectTimeout.toMillis() + " ms", cause);
        }
        if (cause instanceof HttpTimeoutException) {
            return timeout(budget);
        }
        if (cause instanceof ConnectException || cause instanceof UnresolvedAddressException
                || cause != null && cause.getCause() instanceof UnresolvedAddressException) {
            String why = cause instanceof UnresolvedAddressException || cause.getCause() instanceof UnresolvedAddressException
                    ? "its host name does not resolve" : "it refused the connection";
            return new BackendException(Kind.UNREACHABLE, role, "the " + role + " engine " + base + " is unreachable: "
                    + why, cause);
        }
        return new BackendException(Kind.FAILED, role, "the " + role + " engine " + base + " dropped the call: "
                + (cause == null ? "unknown error" : cause.getMessage()), cause);
    }

    /** A 2xx body as JSON; any other status as the {@link Kind} it stands for, with the engine's own message. */
    private JsonNode parse(String route, HttpResponse<byte[]> response) {
        int status = response.statusCode();
        if (status / 100 == 2) {
            try {
                JsonNode json = JSON.readTree(response.body());
                if (json == null || !json.isObject()) {
                    throw malformed(route, "the answer is not a JSON object");
                }
                return json;
            } catch (IOException e) {
                throw malformed(route, "the answer is not JSON (" + e.getMessage() + ")");
            }
        }
        String message = EngineErrors.message(response.body());
        String said = "the " + role + " engine " + base + " answered " + status + " to " + route
                + (message.isEmpty() ? "" : ": " + message);
        Kind kind = switch (status) {
            case 400, 413, 422 -> Kind.REFUSED;
            case 401, 403, 404, 405 -> Kind.MISCONFIGURED;
            case 408, 504 -> Kind.TIMEOUT;
            case 429 -> Kind.BUSY;
            case 503 -> Kind.UNAVAILABLE;
            default -> Kind.FAILED;
        };
        throw new BackendException(kind, role, kind == Kind.REFUSED
                ? "the " + role + " engine refused the request: " + (message.isEmpty() ? "status " + status : message)
                : said);
    }

    /** The answer's shape is not what the route documents. */
    BackendException malformed(String route, String what) {
        return new BackendException(Kind.MALFORMED, role, "the " + role + " engine " + base + " gave a malformed answer to "
                + route + ": " + what);
    }

    /** GET {@code route}: true when the engine answers 2xx within {@code timeout}. */
    public boolean probe(String route, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + route)).timeout(timeout).GET();
        config.apiKey().ifPresent(key -> request.header("Authorization", "Bearer " + key));
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode() / 100 == 2;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void sleep(Duration backoff) {
        try {
            Thread.sleep(backoff.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted between retries");
        }
    }
}
