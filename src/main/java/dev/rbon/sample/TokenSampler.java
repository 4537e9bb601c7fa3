package dev.rbon.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
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
        for (int row = 0; row < rows; row++) {
            greedy[row] = batch.params(row).greedy();
        }
        NDManager manager = processed.getManager();
        double[] packed;                                                                // (B, 4)
        try (NDScope scope = new NDScope()) {
            packed = Choose.MODULE.forward(rawLogits, processed, manager.create(uniforms, new Shape(rows, 1)),
                    manager.create(greedy)).toDoubleArray();
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
     * src/test/python/make_sampling_ops.py's choose.pt, loaded once per JVM on first use: each row's token (argmax, or
     * the first token whose cumulative probability exceeds {@code u * total}, never past the first that reaches the
     * total, both counts binary searches over the sorted sums), its log-prob and the mean log-prob under the raw
     * logits' log-softmax (float32, as the scorer computes them) and whether any token was left, as (B, 4) doubles.
     */
    private static final class Choose {
        static final ScriptModule MODULE = new ScriptModule(TokenSampler.class, "choose");
    }
}
