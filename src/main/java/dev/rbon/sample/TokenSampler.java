package dev.rbon.sample;

import java.util.random.RandomGenerator;

// The last step of transformers' sampling loop (generation/utils.py): softmax, then torch.multinomial or argmax.

/** Picks the next token from processed scores, and scores a token under the raw logits. */
public final class TokenSampler {

    private TokenSampler() {
    }

    /**
     * One draw from the softmax of the processed scores (float32, as {@link Softmax#softmax}), by inverse CDF: a
     * uniform {@code u} in [0, total) from {@code rng}, then the first token whose cumulative probability exceeds it.
     * The cumulative sum runs in double and {@code total} is the sum of the same float32 probabilities, so the draw
     * follows them exactly, whatever their rounding; a removed token ({@code -inf}, probability 0) is never drawn.
     * Same scores and same generator state give the same token.
     *
     * @throws IllegalArgumentException if no token is left (every score {@code -inf}) or a score is NaN or +inf
     */
    public static int sample(float[] processedScores, RandomGenerator rng) {
        float[] probabilities = Softmax.softmax(processedScores);
        double total = 0;
        for (float p : probabilities) {
            total += p;
        }
        if (!(total > 0) || !Double.isFinite(total)) {
            throw new IllegalArgumentException("no token can be sampled: every score is -inf, or one is NaN or +inf");
        }
        double u = rng.nextDouble() * total;
        double cumulative = 0;
        int lastPossible = -1;
        for (int i = 0; i < probabilities.length; i++) {
            if (probabilities[i] > 0) {
                cumulative += probabilities[i];
                lastPossible = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        return lastPossible; // only if u * total rounded up to total
    }

    /** Greedy choice: the index of the highest score, the lowest index on ties (as torch.argmax). */
    public static int argmax(float[] scores) {
        if (scores.length == 0) {
            throw new IllegalArgumentException("cannot take the argmax of an empty row");
        }
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * log softmax of the raw logits (temperature 1, no truncation): what a token's recorded log-probability is.
     * Computed as {@code x - max - log(sum(exp(x - max)))} with the sum and logarithm in double, then rounded to
     * float32: the exact value rounded once, so it differs from torch's float32 log_softmax only by torch's own
     * float32 rounding (a few ulps: ~1e-6 for log-probabilities near -10), well inside the 1e-5 of the golden tests.
     *
     * @throws IllegalArgumentException if the row is empty or its maximum is not finite
     */
    public static float[] logSoftmax(float[] rawLogits) {
        double[] maxAndLogSum = maxAndLogSumExp(rawLogits);
        float[] logProbabilities = new float[rawLogits.length];
        for (int i = 0; i < rawLogits.length; i++) {
            logProbabilities[i] = (float) (rawLogits[i] - maxAndLogSum[0] - maxAndLogSum[1]);
        }
        return logProbabilities;
    }

    /** The natural-log probability of {@code token} under the raw logits, as {@link #logSoftmax}, in double. */
    public static double logProb(float[] rawLogits, int token) {
        if (token < 0 || token >= rawLogits.length) {
            throw new IllegalArgumentException("token " + token + " is outside the row of size " + rawLogits.length);
        }
        double[] maxAndLogSum = maxAndLogSumExp(rawLogits);
        return rawLogits[token] - maxAndLogSum[0] - maxAndLogSum[1];
    }

    private static double[] maxAndLogSumExp(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) {
            max = Math.max(max, x);
        }
        if (!Double.isFinite(max)) {
            throw new IllegalArgumentException("logits must be non-empty with a finite maximum, got max " + max);
        }
        double sum = 0;
        for (float x : logits) {
            sum += Math.exp(x - max);
        }
        return new double[] {max, Math.log(sum)};
    }
}
