package dev.rbon.sample;

import java.util.Arrays;

/**
 * The lowest score top-p keeps in one row, found without sorting the row: transformers keeps a token iff its
 * ascending cumulative probability, {@code total - mass ranked above it}, rounded to float32, exceeds {@code 1 -
 * top_p}; the mass above falls as the score rises, so the kept tokens are the scores down to an edge value.
 *
 * <p>One pass adds each token's probability to a bucket of its score's top 16 bits (sign, exponent and 7 bits of
 * mantissa, in score order: a bfloat16 score is a bucket of its own). Walking the buckets from the top finds the
 * one the edge lies in; only its tokens are sorted, and walked value by value. Reused across the rows of a step.
 */
final class NucleusEdge {

    private static final int BUCKETS = 1 << 16;

    private final double[] mass = new double[BUCKETS];
    private final int[] count = new int[BUCKETS];

    /**
     * The edge of row {@code [from, from + vocab)}: tokens scoring at least it are kept. When tied scores straddle
     * the edge (transformers keeps some of them, which ones its sort decides) the result is that score if
     * {@code tiesKept}, else NaN: the row needs the full sort.
     *
     * @param probabilities the row's softmax, in the same layout as {@code scores}
     * @param threshold {@code 1 - top_p} in float32, not {@code -inf}
     */
    float edge(float[] scores, float[] probabilities, int from, int vocab, float threshold, boolean tiesKept) {
        Arrays.fill(mass, 0);
        Arrays.fill(count, 0);
        double total = 0;
        for (int i = from; i < from + vocab; i++) {
            int bucket = bucket(scores[i]);
            mass[bucket] += probabilities[i];
            count[bucket]++;
            total += probabilities[i];
        }
        double above = 0;
        boolean top = true; // the highest token always stays
        for (int bucket = BUCKETS - 1; bucket >= 0; bucket--) {
            if (count[bucket] == 0) {
                continue;
            }
            if ((float) (total - above - mass[bucket]) > threshold) {
                above += mass[bucket]; // even a token just below this bucket would stay
                top = false;
                continue;
            }
            return edgeWithin(bucket, scores, probabilities, from, vocab, threshold, tiesKept, total, above, top);
        }
        return Float.NEGATIVE_INFINITY; // every token stays: only a threshold below 0 does that
    }

    /**
     * The bucket's tokens, walked by descending score, equal scores as one group. A token just below the bucket
     * would be removed, so the edge is inside it, or at its lowest score.
     */
    private float edgeWithin(int bucket, float[] scores, float[] probabilities, int from, int vocab,
            float threshold, boolean tiesKept, double total, double above, boolean top) {
        long[] tokens = new long[count[bucket]];
        int n = 0;
        for (int i = from; i < from + vocab; i++) {
            if (bucket(scores[i]) == bucket) {
                tokens[n++] = (long) ordered(scores[i]) << 32 | (i - from); // by score, then by index
            }
        }
        Arrays.sort(tokens);
        float lowest = Float.NaN;
        for (int end = tokens.length; end > 0; ) {
            int start = end - 1;
            while (start > 0 && tokens[start - 1] >> 32 == tokens[end - 1] >> 32) {
                start--;
            }
            float score = scores[from + (int) tokens[end - 1]];
            int kept = 0;
            for (int k = end - 1; k >= start; k--) {
                if ((float) (total - above) > threshold || top) {
                    kept++;
                }
                above += probabilities[from + (int) tokens[k]];
                top = false;
            }
            if (kept == 0) {
                return Math.nextUp(score); // the scores above this group stay, it goes
            }
            if (kept < end - start) {
                return tiesKept ? score : Float.NaN;
            }
            lowest = score;
            end = start;
        }
        return lowest;
    }

    /** The score's bits as an int that orders as the scores do (negative scores' magnitude bits flipped). */
    private static int ordered(float score) {
        int bits = Float.floatToRawIntBits(score);
        return bits ^ (bits >> 31 & 0x7fffffff);
    }

    /** The top 16 bits of the ordered int, from 0 for the lowest scores. */
    private static int bucket(float score) {
        return (ordered(score) ^ Integer.MIN_VALUE) >>> 16;
    }
}
