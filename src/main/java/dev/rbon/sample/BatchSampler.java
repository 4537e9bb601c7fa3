package dev.rbon.sample;

import dev.rbon.model.CausalLM;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

/**
 * Samples N continuations of one prompt on its own: a {@link DecodeBatch} that holds this one request. The prompt
 * is prefilled once and its KV cache copied to N rows; then one forward step per token for the rows still
 * running (finished rows leave the batch and stop costing work). Seeds are as {@link SamplingRequest} says.
 */
public final class BatchSampler {

    private BatchSampler() {}

    /**
     * @param rng the request's generator: it seeds the rows' generators (one {@code nextLong()} per row)
     * @param cancelled checked between decoding steps; when it answers true the request is abandoned with a
     *     {@link CancellationException}, so the worker is free for the next one
     */
    public static List<SampledSequence> sample(CausalLM lm, long[] promptIds, int n, SamplingParams params,
            RandomGenerator rng, BooleanSupplier cancelled) {
        SamplingRequest request = new SamplingRequest(lm, promptIds, n, params, rng, cancelled);
        try (DecodeBatch batch = new DecodeBatch(lm)) {
            batch.prefill(request, promptIds.length);
            while (!batch.retire().contains(request)) {
                batch.step();
            }
        } finally {
            request.closePrefill();
        }
        if (!request.finished()) {
            throw new CancellationException("request abandoned between decoding steps");
        }
        return request.sequences();
    }
}
