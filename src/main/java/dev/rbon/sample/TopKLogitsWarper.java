package dev.rbon.sample;

import java.util.Arrays;

// Mirrors transformers' TopKLogitsWarper (generation/logits_process.py), min_tokens_to_keep = 1.

/**
 * Keeps the {@code topK} highest scores: removes every score strictly below the k-th largest, so tokens tied with
 * the k-th all stay (more than k tokens may survive). k is capped at the vocabulary size.
 */
public final class TopKLogitsWarper implements LogitsProcessor {

    private final int topK;

    public TopKLogitsWarper(int topK) {
        if (topK < 1) {
            throw new IllegalArgumentException("top_k must be >= 1 (0 disables top-k: leave the warper out), got "
                    + topK);
        }
        this.topK = topK;
    }

    @Override
    public float[] apply(int[] inputIds, float[] scores) {
        if (scores.length == 0) {
            return new float[0];
        }
        int k = Math.min(topK, scores.length);
        float[] sorted = scores.clone();
        Arrays.sort(sorted);
        float kthLargest = sorted[scores.length - k];
        float[] processed = scores.clone();
        for (int i = 0; i < processed.length; i++) {
            if (processed[i] < kthLargest) {
                processed[i] = Float.NEGATIVE_INFINITY;
            }
        }
        return processed;
    }
}
