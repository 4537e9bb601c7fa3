package dev.rbon.sample;

/**
 * One sampled continuation.
 *
 * @param tokenIds the generated ids, including the EOS id that ended the row, if one did
 * @param text the generated text: special tokens skipped, cut before a stop string that ended it
 * @param finishReason why the row ended; null for a row still decoding (a partial candidate)
 * @param logprob log pi(y|x) under the RAW logits (temperature 1, no truncation), summed over {@code tokenIds}:
 *     when the policy is the reference this is l_i, with no second forward pass
 */
public record SampledSequence(long[] tokenIds, String text, FinishReason finishReason, double logprob) {

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
