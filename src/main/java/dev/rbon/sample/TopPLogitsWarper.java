package dev.rbon.sample;

import java.util.Arrays;

// Mirrors transformers' TopPLogitsWarper (generation/logits_process.py), min_tokens_to_keep = 1.

/**
 * Nucleus filtering exactly as transformers does it: sort the scores ascending (stable: among equal scores the lower
 * token id comes first), softmax the sorted scores, take the cumulative sum, and remove every token whose cumulative
 * probability is {@code <= 1 - topP}; the last (highest) token of the ascending order always stays. A token exactly on
 * the boundary is removed. The kept scores are not renormalised: the final softmax does that.
 *
 * <p>Float details that decide boundary cases, as torch on CPU: the cumulative sum accumulates the float32
 * probabilities in double and rounds each partial sum to float32 ({@code acc_type<float>} is double in
 * {@code cumsum_cpu_kernel}); the threshold {@code 1 - topP} is computed in double (Python) and compared as float32
 * (the scalar takes the tensor's dtype).
 */
public final class TopPLogitsWarper implements LogitsProcessor {

    private final double topP;

    public TopPLogitsWarper(double topP) {
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        this.topP = topP;
    }

    @Override
    public float[] apply(int[] inputIds, float[] scores) {
        int[] ascending = stableAscendingOrder(scores);
        float[] sortedScores = new float[scores.length];
        for (int j = 0; j < ascending.length; j++) {
            sortedScores[j] = scores[ascending[j]];
        }
        float[] sortedProbabilities = Softmax.softmax(sortedScores);
        float threshold = (float) (1.0 - topP);
        float[] processed = scores.clone();
        double cumulative = 0;
        for (int j = 0; j < ascending.length - 1; j++) { // the last one, the top token, always stays
            cumulative += sortedProbabilities[j];
            if ((float) cumulative <= threshold) {
                processed[ascending[j]] = Float.NEGATIVE_INFINITY;
            }
        }
        return processed;
    }

    /**
     * Token ids ordered by ascending score, ties by ascending id (a stable sort). Each (score, id) pair is packed into
     * one long whose signed order is that order, so a primitive sort does it without boxing a vocabulary of Integers.
     */
    static int[] stableAscendingOrder(float[] scores) {
        long[] keys = new long[scores.length];
        for (int i = 0; i < scores.length; i++) {
            keys[i] = ((long) orderedBits(scores[i]) << 32) | i;
        }
        Arrays.sort(keys);
        int[] order = new int[scores.length];
        for (int j = 0; j < keys.length; j++) {
            order[j] = (int) keys[j]; // the low 32 bits: the id
        }
        return order;
    }

    /** An int whose signed order is the float order (-0.0 counted as 0.0, NaN after +inf, as torch sorts it). */
    private static int orderedBits(float score) {
        int bits = Float.floatToIntBits(score == 0f ? 0f : score);
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }
}
