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
 * order). Walking the buckets from the top finds the one the edge lies in; a second pass counts that bucket's
 * tokens by their low 16 bits, each count one value, walked the same way: no sort, however flat the row. Reused
 * across the rows of a step.
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
     * The bucket's tokens by their low 16 bits, which make each one value: a second histogram, walked from the top
     * value as the first was, tied tokens as one group. A token just below the bucket would be removed, so the edge
     * is inside it, or at its lowest value.
     */
    private float edgeWithin(int bucket, float[] probabilities, int from, int vocab,
            float threshold, boolean tiesKept, double total, double above, boolean top) {
        Arrays.fill(count, 0);
        for (int i = from; i < from + vocab; i++) {
            int bits = Float.floatToRawIntBits(probabilities[i]);
            if (bits >>> 16 == bucket) {
                count[bits & 0xffff]++;
            }
        }
        float lowest = Float.NaN;
        for (int low = BUCKETS - 1; low >= 0; low--) {
            int tied = count[low];
            if (tied == 0) {
                continue;
            }
            float probability = Float.intBitsToFloat(bucket << 16 | low);
            int kept = 0;
            for (int k = 0; k < tied; k++) {
                if ((float) (total - above) > threshold || top) {
                    kept++;
                }
                above += probability;
                top = false;
            }
            if (kept == 0) {
                return Math.nextUp(probability); // the tokens above this value stay, it goes
            }
            if (kept < tied) {
                return tiesKept ? probability : Float.NaN;
            }
            lowest = probability;
        }
        return lowest;
    }

    /** The top 16 bits of a probability: a non-negative float's bits order as its value does. */
    private static int bucket(float probability) {
        return Float.floatToRawIntBits(probability) >>> 16;
    }
}
