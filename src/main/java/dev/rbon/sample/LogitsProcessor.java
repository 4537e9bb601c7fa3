package dev.rbon.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;

/**
 * One step of the logits-processing chain, as transformers' {@code LogitsProcessor} (generation/logits_process.py),
 * over a whole batch of rows where the logits live (tensor ops on their device), each row with its own parameter.
 *
 * <p>Implementations are pure: they never modify {@code scores} and return a new array (its manager is that of
 * {@code scores}, so a decoding step's temporaries die with the step). A removed token is {@code -inf},
 * transformers' {@code filter_value}. A row whose parameter is neutral (temperature 1, top_k 0, top_p 1,
 * epsilon 0, no_repeat_ngram_size 0, or a greedy row for the warpers) comes out bit for bit unchanged, which is
 * what transformers' skipping the processor gives.
 */
public interface LogitsProcessor {

    /**
     * @param batch each row's parameters and unpadded history
     * @param scores (B, vocab) float32: raw logits, or the output of the previous processor
     * @return a new (B, vocab) array of processed scores
     */
    NDArray apply(SamplingBatch batch, NDArray scores);

    /**
     * A copy of {@code scores} with {@code -inf} where {@code remove} is true: torch's {@code masked_fill}, as one
     * elementwise {@code where} (DJL's masked {@code set} indexes through the mask's nonzero ids, 10x slower).
     */
    static NDArray removed(NDArray scores, NDArray remove) { // (B, V), (B, V) bool -> (B, V)
        try (NDArray filter = scores.getManager().create(Float.NEGATIVE_INFINITY);
                NDArray filled = filter.broadcast(scores.getShape())) {                          // a view
            return NDArrays.where(remove, filled, scores);
        }
    }
}
