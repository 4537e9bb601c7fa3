package dev.rbon.sample;

import java.util.Arrays;

/**
 * The lowest probability top-p keeps in one row, found without sorting the row: transformers keeps a token iff its
 * ascending cumulative probability, {@code total - mass ranked above it}, rounded to float32, exceeds {@code 1 -
 * top_p}; the mass above falls as the probability rises, so the kept tokens are those down to an edge probability.
 * (transformers ranks by score; the softmax keeps that order, and scores tied in probability only are rare enough
 * to be sorted with the other ties.)
 *
 * <p>One pass adds each probability to a bucket of its top 16 bits (exponent and 7 bits of mantissa, in value
 * order: the probabilities of a bfloat16 model's scores fall into few buckets, one a score). Walking the buckets
 * from the top finds the one the edge lies in; only its tokens are sorted, and walked value by value. Reused across
 * the rows of a step.
 */
final class NucleusEdge {

    private static final int BUCKETS = 1 << 16;

    private final double[] mass = new double[BUCKETS];
    private final int[] count = new int[BUCKETS];

    /**
     * The edge of row {@code [from, from + vocab)} of {@code probabilities} (softmaxed rows): tokens whose
     * probability is at least it are kept. When tied tokens straddle the edge (transformers keeps some of them,
     * which ones its sort decides) the result is their probability if {@code tiesKept}, else NaN: the row needs the
     * full sort.
     *
     * @param threshold {@code 1 - top_p} in float32, not {@code -inf}
     */
    float edge(float[] probabilities, int from, int vocab, float threshold, boolean tiesKept) {
        Arrays.fill(mass, 0);
        Arrays.fill(count, 0);
        double total = 0;
        for (int i = from; i < from + vocab; i++) {
            int bucket = bucket(probabilities[i]);
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
            return edgeWithin(bucket, probabilities, from, vocab, threshold, tiesKept, total, above, top);
        }
        return 0; // every token stays: only a threshold below 0 does that
    }

    /**
     * The bucket's tokens, walked by descending probability, equal ones as a group. A token just below the bucket
     * would be removed, so the edge is inside it, or at its lowest probability.
     */
    private float edgeWithin(int bucket, float[] probabilities, int from, int vocab,
            float threshold, boolean tiesKept, double total, double above, boolean top) {
        long[] tokens = new long[count[bucket]];
        int n = 0;
        for (int i = from; i < from + vocab; i++) {
            if (bucket(probabilities[i]) == bucket) {
                tokens[n++] = (long) Float.floatToRawIntBits(probabilities[i]) << 32 | (i - from); // by value
            }
        }
        Arrays.sort(tokens);
        float lowest = Float.NaN;
        for (int end = tokens.length; end > 0; ) {
            int start = end - 1;
            while (start > 0 && tokens[start - 1] >> 32 == tokens[end - 1] >> 32) {
                start--;
            }
            float probability = probabilities[from + (int) tokens[end - 1]];
            int kept = 0;
            for (int k = end - 1; k >= start; k--) {
                if ((float) (total - above) > threshold || top) {
                    kept++;
                }
                above += probabilities[from + (int) tokens[k]];
                top = false;
            }
            if (kept == 0) {
                return Math.nextUp(probability); // the tokens above this group stay, it goes
            }
            if (kept < end - start) {
                return tiesKept ? probability : Float.NaN;
            }
            lowest = probability;
            end = start;
        }
        return lowest;
    }

    /** The top 16 bits of a probability: a non-negative float's bits order as its value does. */
    private static int bucket(float probability) {
        return Float.floatToRawIntBits(probability) >>> 16;
    }
}
