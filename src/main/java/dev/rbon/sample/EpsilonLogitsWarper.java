package dev.rbon.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.rbon.model.ScriptModule;

// Mirrors transformers' EpsilonLogitsWarper (generation/logits_process.py), min_tokens_to_keep = 1.

/**
 * Epsilon sampling: takes the softmax of each row's (already warped) scores and removes every token whose
 * probability is below the row's {@code epsilon}, except the top token: a token goes only if it also scores
 * strictly below the row's maximum, so all tokens tied at the maximum stay. As in torch, the probability is
 * compared with epsilon rounded to float32. Rows at epsilon 0 (or greedy) compare against 0 and keep everything.
 */
public final class EpsilonLogitsWarper implements LogitsProcessor {

    @Override
    public NDArray apply(SamplingBatch batch, NDArray scores) { // (B, V) -> (B, V)
        float[] epsilons = new float[batch.size()];
        for (int row = 0; row < epsilons.length; row++) {
            SamplingParams p = batch.params(row);
            epsilons[row] = p.greedy() ? 0f : (float) p.epsilon();
        }
        try (NDArray epsilon = scores.getManager().create(epsilons, new Shape(epsilons.length, 1))) { // (B, 1)
            return Fused.MODULE.forward(scores, epsilon);                                       // (B, V)
        }
    }

    /** src/test/python/make_sampling_ops.py's epsilon_warp.pt: the softmax, amax, both tests and the fill. */
    private static final class Fused {
        static final ScriptModule MODULE = new ScriptModule(EpsilonLogitsWarper.class, "epsilon_warp");
    }
}
