package dev.rbon.decode;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * When a request must be answered: the client's timeout, capped by rbon.limits.request-timeout, from its arrival.
 *
 * @param timeout how long the request may take
 * @param nanos the deadline on {@link System#nanoTime()}'s clock, for the calls the worker makes (remote engines)
 */
public record RequestDeadline(Duration timeout, long nanos) {

    /** From now: {@code asked} (null: the limit), never past {@code limit}. */
    public static RequestDeadline of(Duration asked, Duration limit) {
        Duration timeout = asked == null || asked.compareTo(limit) > 0 ? limit : asked;
        return new RequestDeadline(timeout, System.nanoTime() + timeout.toNanos());
    }

    /** Fails {@code result} with a TimeoutException once the deadline passes (which also abandons its job). */
    public <T> CompletableFuture<T> bound(CompletableFuture<T> result) {
        return result.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
