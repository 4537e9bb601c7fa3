package dev.rbon.worker;

import dev.rbon.sample.SamplingRequest;
import dev.rbon.score.ScoringPass;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Where a worker task stands: done; waiting for candidates that the device's scheduler samples in its shared decode
 * batch, after which {@code then} (the next phase) runs on the same worker thread; or waiting for scoring passes that
 * the scheduler runs between decoding steps, after which {@code then} (selection, the answer) runs.
 */
public sealed interface Phase<T> {

    record Done<T>(T value) implements Phase<T> {}

    record Sample<T>(SamplingRequest request, Function<SamplingRequest, Phase<T>> then) implements Phase<T> {}

    record Score<T>(List<ScoringPass> passes, Supplier<T> then) implements Phase<T> {}

    static <T> Phase<T> done(T value) {
        return new Done<>(value);
    }

    static <T> Phase<T> sample(SamplingRequest request, Function<SamplingRequest, Phase<T>> then) {
        return new Sample<>(request, then);
    }

    static <T> Phase<T> score(List<ScoringPass> passes, Supplier<T> then) {
        return new Score<>(passes, then);
    }
}
