package dev.rbon.worker;

import dev.rbon.sample.SamplingRequest;
import java.util.function.Function;

/**
 * Where a worker task stands after its first part: done, or waiting for candidates that the device's scheduler
 * samples in its shared decode batch, after which {@code then} (scoring, selection) runs on the same worker thread.
 */
public sealed interface Phase<T> {

    record Done<T>(T value) implements Phase<T> {}

    record Sample<T>(SamplingRequest request, Function<SamplingRequest, T> then) implements Phase<T> {}

    static <T> Phase<T> done(T value) {
        return new Done<>(value);
    }

    static <T> Phase<T> sample(SamplingRequest request, Function<SamplingRequest, T> then) {
        return new Sample<>(request, then);
    }
}
