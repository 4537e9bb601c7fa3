package dev.rbon.remote;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The deadline and cancellation of the request a worker thread is serving, so that a remote call made deep in a
 * scorer (an embedder's {@code embed(texts)} has no room for them) waits no longer than the request may, and gives
 * up when its caller has gone. Set around one worker task; outside one, calls have no deadline of their own.
 */
public final class CallContext {

    private static final ThreadLocal<CallContext> CURRENT = new ThreadLocal<>();
    private static final CallContext NONE = new CallContext(Long.MAX_VALUE, () -> false);

    private final long deadlineNanos;
    private final BooleanSupplier cancelled;

    private CallContext(long deadlineNanos, BooleanSupplier cancelled) {
        this.deadlineNanos = deadlineNanos;
        this.cancelled = cancelled;
    }

    /** {@code part}, run as {@link #during} runs it: a scoring pass that may call an engine. */
    public static Runnable around(long deadlineNanos, BooleanSupplier cancelled, Runnable part) {
        return () -> during(deadlineNanos, cancelled, () -> {
            part.run();
            return null;
        });
    }

    /** Runs {@code work} on this thread with the deadline {@code deadlineNanos} (a {@link System#nanoTime()}). */
    public static <T> T during(long deadlineNanos, BooleanSupplier cancelled, Supplier<T> work) {
        CallContext outer = CURRENT.get();
        CURRENT.set(new CallContext(deadlineNanos, cancelled));
        try {
            return work.get();
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    static CallContext current() {
        CallContext context = CURRENT.get();
        return context != null ? context : NONE;
    }

    /** Time left before the deadline; zero or negative once it has passed. */
    Duration remaining() {
        return deadlineNanos == Long.MAX_VALUE ? Duration.ofDays(1) : Duration.ofNanos(deadlineNanos - System.nanoTime());
    }

    /** Throws the worker's abandonment signal once nobody awaits the result. */
    void checkCancelled() {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("request abandoned while waiting for a remote engine");
        }
    }
}
