package dev.rbon.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.rbon.model.ScriptModule;
import java.util.random.RandomGenerator;

// The last step of transformers' sampling loop (generation/utils.py): softmax, then torch.multinomial or argmax.

/**
 * Picks each row's next token from its processed scores, where the logits live, and records its log-probability
 * and the row's self-certainty under the raw logits. Only the chosen ids, their log-probs, the self-certainties and
 * a "some token was left" flag come back to the host: 4 numbers per row, whatever the vocabulary.
 *
 * <p>A greedy row takes the argmax (the lowest id on ties, as torch.argmax). A sampled row draws by inverse CDF
 * with one uniform {@code u} in [0, 1) from its own generator (DJL's engine has no multinomial, and the device's
 * generator is neither per row nor seedable per request): the float32 softmax of the processed scores, widened to
 * double and summed cumulatively, and the first token whose cumulative sum exceeds {@code u * total}. The double
 * sum follows the float32 probabilities exactly, however they round; a removed token ({@code -inf}, probability 0)
 * never adds to the sum, so it is never drawn. Same scores and same generator state give the same token.
 */
public final class TokenSampler {

    private TokenSampler() {}

    /**
     * Each row's choice; {@code token} is -1 where no token was left (every processed score {@code -inf}).
     *
     * @param logprobs log p(token) under the raw distribution p = softmax(rawLogits) (temperature 1, no truncation)
     * @param selfCertainties KL(U || p) of the same raw distribution, U uniform over the V logits: Kang et al.'s
     *     per-token self-certainty, {@code -log V - (1/V) sum_v log p(v)}; 0 for a uniform row (up to float32
     *     rounding), larger for a peakier one, and the same whatever the processors did to the row's scores.
     *     Computed for every row, one with no token left included.
     */
    public record Choices(long[] tokens, double[] logprobs, double[] selfCertainties) {}

    /**
     * @param rawLogits (B, V) float32: the model's logits, for the recorded log-probs and self-certainties
     *     (log-softmax, temperature 1, no truncation: what transformers' teacher-forced scoring computes)
     * @param processed (B, V) float32: the same rows after the processor chain
     * @param rngs each row's own generator; a sampled row draws exactly one double from it per step, a greedy row none
     */
    public static Choices choose(NDArray rawLogits, NDArray processed, SamplingBatch batch, RandomGenerator[] rngs) {
        double[] uniforms = new double[batch.size()];
        for (int row = 0; row < uniforms.length; row++) {
            uniforms[row] = batch.params(row).greedy() ? 0 : rngs[row].nextDouble();
        }
        return choose(rawLogits, processed, batch, uniforms);
    }

    /** As {@link #choose(NDArray, NDArray, SamplingBatch, RandomGenerator[])} with each sampled row's uniform drawn. */
    public static Choices choose(NDArray rawLogits, NDArray processed, SamplingBatch batch, double[] uniforms) {
        int rows = batch.size();
        boolean[] greedy = new boolean[rows];
        boolean anyGreedy = false;
        boolean anySampled = false;
        for (int row = 0; row < rows; row++) {
            greedy[row] = batch.params(row).greedy();
            anyGreedy |= greedy[row];
            anySampled |= !greedy[row];
        }
        NDManager manager = processed.getManager();
        double[] packed;
        try (NDScope scope = new NDScope()) {
            NDArray tokens;                                                                   // (B) int64
            if (!anySampled) {
                tokens = processed.argMax(1);
            } else {
                tokens = inverseCdf(processed, manager.create(uniforms, new Shape(rows, 1)));
                if (anyGreedy) {
                    tokens = NDArrays.where(manager.create(greedy), processed.argMax(1), tokens);
                }
            }
            NDArray logSoftmax = rawLogits.logSoftmax(1);                                     // (B, V)
            NDArray logprobs = logSoftmax.gather(tokens.reshape(rows, 1), 1);                 // (B, 1)
            // one float32 reduction over the row already computed; float64 would cost a (B, V) copy (docs/scoring.md)
            NDArray meanLogprob = logSoftmax.mean(new int[] {1}, true);                       // (B, 1)
            NDArray anyLeft = processed.max(new int[] {1}, true).gt(Float.NEGATIVE_INFINITY); // (B, 1)
            packed = NDArrays.concat(new NDList(tokens.reshape(rows, 1).toType(DataType.FLOAT64, false),
                    logprobs.toType(DataType.FLOAT64, false), anyLeft.toType(DataType.FLOAT64, false),
                    meanLogprob.toType(DataType.FLOAT64, false)), 1).toDoubleArray();        // (B, 4)
        }
        double logVocab = Math.log(rawLogits.getShape().get(1));
        long[] chosen = new long[rows];
        double[] logprob = new double[rows];
        double[] selfCertainty = new double[rows];
        for (int row = 0; row < rows; row++) {
            chosen[row] = packed[4 * row + 2] == 0 ? -1 : (long) packed[4 * row];
            logprob[row] = packed[4 * row + 1];
            selfCertainty[row] = -logVocab - packed[4 * row + 3];
        }
        return new Choices(chosen, logprob, selfCertainty);
    }

    /**
     * The first token whose cumulative probability exceeds {@code u * total}: the count of cumulative sums
     * {@code <= u * total}. Should {@code u * total} round up to {@code total}, the count stops at the first token
     * that reaches the total, which has a positive probability (the host sampler's "last possible token"). The sums
     * are sorted, so both counts are binary searches: one call to inverse_cdf.pt ({@link InverseCdf}).
     */
    static NDArray inverseCdf(NDArray processed, NDArray uniforms) { // (B, V), (B, 1) double -> (B) int64
        return InverseCdf.MODULE.forward(processed, uniforms);
    }

    /** src/test/python/make_inverse_cdf.py's inverse_cdf.pt, loaded once per JVM on first use. */
    private static final class InverseCdf {
        static final ScriptModule MODULE = new ScriptModule(TokenSampler.class, "inverse_cdf");
    }
}
