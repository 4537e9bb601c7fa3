package dev.rbon.api;

import dev.rbon.decode.DecodeMetrics;
import dev.rbon.decode.FieldException;
import dev.rbon.worker.NotReadyException;
import dev.rbon.worker.QueueFullException;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One HTTP call around its work, written once for every route: the clock starts with the call, a client that
 * disconnects cancels the work (the worker abandons it at the batch's next step), and the outcome and duration are
 * counted in rbon_requests by endpoint, method and outcome.
 */
public final class CallLifecycle {

    private final DecodeMetrics metrics;
    private final String endpoint;
    private final HttpServerRequest http;
    private final long start = System.nanoTime();

    private CallLifecycle(DecodeMetrics metrics, String endpoint, HttpServerRequest http) {
        this.metrics = metrics;
        this.endpoint = endpoint;
        this.http = http;
    }

    /** Starts the clock of a call to {@code endpoint} (the metrics' endpoint tag). */
    public static CallLifecycle start(DecodeMetrics metrics, String endpoint, HttpServerRequest http) {
        return new CallLifecycle(metrics, endpoint, http);
    }

    /** Runs the validation; a refusal is counted under the method tag "invalid" and rethrown. */
    public <T> T validate(Supplier<T> validation) {
        try {
            return validation.get();
        } catch (RuntimeException e) {
            record("invalid", e);
            throw e;
        }
    }

    /**
     * The work's answer: a disconnect cancels {@code work}, and the answer's outcome (the work's, or the shaping's)
     * is counted under {@code method}, which is only ever a known method name or "none" (clients cannot mint series).
     */
    public <T, R> CompletableFuture<R> run(CompletableFuture<T> work, String method, Function<T, R> answer) {
        http.response().closeHandler(closed -> work.cancel(false));
        return work.thenApply(answer).whenComplete((response, error) -> record(method, error));
    }

    private void record(String method, Throwable error) {
        metrics.request(endpoint, method, outcome(error), Duration.ofNanos(System.nanoTime() - start));
    }

    /** The outcome tag of a call that ended with {@code error} (null: ok). */
    static String outcome(Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e == null) {
            return "ok";
        } else if (e instanceof InvalidRequestException || e instanceof FieldException) {
            return "invalid";
        } else if (e instanceof QueueFullException) {
            return "rejected";
        } else if (e instanceof NotReadyException) {
            return "unavailable";
        } else if (e instanceof TimeoutException) {
            return "timeout";
        } else if (e instanceof CancellationException) {
            return "cancelled";
        }
        return "error";
    }
}
