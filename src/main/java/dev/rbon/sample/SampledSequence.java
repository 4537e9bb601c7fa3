package dev.rbon.sample;

/**
 * One sampled continuation.
 *
 * @param tokenIds the generated ids, including the EOS id that ended the row, if one did
 * @param text the generated text: special tokens skipped, cut before a stop string that ended it
 * @param finishReason why the row ended; null for a row still decoding (a partial candidate)
 * @param logprob log pi(y|x) under the RAW logits (temperature 1, no truncation), summed over {@code tokenIds}:
 *     when the policy is the reference this is l_i, with no second forward pass
 * @param selfCertainty Kang et al.'s self-certainty (NeurIPS 2025): the mean over {@code tokenIds} of KL(U || p_t),
 *     p_t the RAW next-token distribution that drew token t (temperature 1, no truncation, as {@code logprob}) and
 *     U uniform over the model's V logits; larger is more confident. Read while sampling, from the logits already
 *     on the device ({@link TokenSampler}). A candidate still decoding carries the mean over its tokens so far. 0
 *     when no token was generated; NaN where rbon's sampler did not see the logits: a remote engine's candidates,
 *     and the one greedy token a plain completion reads off a prompt-scoring pass
 */
public record SampledSequence(long[] tokenIds, String text, FinishReason finishReason, double logprob,
        double selfCertainty) {

    public enum FinishReason {
        /** An EOS id or a stop string. */
        STOP,
        /** max_new_tokens reached. */
        LENGTH,
        /** Pruned at a decision point: it lost to the others on its partial text (speculative rejection). */
        PRUNED;

        public String wireName() {
            return name().toLowerCase();
        }
    }
}
