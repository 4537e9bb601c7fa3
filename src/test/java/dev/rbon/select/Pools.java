package dev.rbon.select;

import java.util.SplittableRandom;

/** Seeded random candidate pools for the property tests. */
final class Pools {

    /** How many pools each property is checked on. */
    static final int COUNT = 500;

    private static final int EMBEDDING_DIM = 8;

    private Pools() {
    }

    /**
     * A pool of N in 1..32 with continuous scores (exact ties have probability ~0): rewards ~ N(0, 1), lengths in
     * 1..64, l_i = -L_i * U(0.5, 3) (a sum of token log-probs), S_ij = cos of random unit vectors in dimension 8,
     * symmetric with S_ii = 1 exactly and S_ij < 1 off the diagonal, self-certainty ~ U(0, 5).
     */
    static Scores random(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        return random(rng, 1 + rng.nextInt(32));
    }

    static Scores random(SplittableRandom rng, int n) {
        double[] rewards = new double[n];
        double[] refLogprobs = new double[n];
        int[] lengths = new int[n];
        double[][] unit = new double[n][];
        double[] selfCertainty = new double[n];
        for (int i = 0; i < n; i++) {
            rewards[i] = rng.nextGaussian();
            lengths[i] = 1 + rng.nextInt(64);
            refLogprobs[i] = -lengths[i] * (0.5 + 2.5 * rng.nextDouble());
            unit[i] = unitVector(rng);
        }
        for (int i = 0; i < n; i++) {
            selfCertainty[i] = 5 * rng.nextDouble(); // drawn after the others, so the pools of older seeds stand
        }
        return new Scores(rewards, refLogprobs, lengths, cosine(unit), selfCertainty);
    }

    /**
     * A pool of N in 1..8 built to tie: rewards in {0, 0.5, 1}, l in {-1, -2, -3}, L in {1, 2, 3}, and a symmetric
     * S with entries in {0, 0.5, 1} and unit diagonal, self-certainty in {1, 2}. All values and the sums of a few of them are exact in binary.
     */
    static Scores tied(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 1 + rng.nextInt(8);
        double[] rewards = new double[n];
        double[] refLogprobs = new double[n];
        int[] lengths = new int[n];
        double[][] s = new double[n][n];
        double[] selfCertainty = new double[n];
        for (int i = 0; i < n; i++) {
            selfCertainty[i] = 1 + (i * 7 + n) % 2;
            rewards[i] = 0.5 * rng.nextInt(3);
            refLogprobs[i] = -1 - rng.nextInt(3);
            lengths[i] = 1 + rng.nextInt(3);
            s[i][i] = 1;
            for (int j = 0; j < i; j++) {
                s[i][j] = 0.5 * rng.nextInt(3);
                s[j][i] = s[i][j];
            }
        }
        return new Scores(rewards, refLogprobs, lengths, s, selfCertainty);
    }

    private static double[] unitVector(SplittableRandom rng) {
        double[] v = new double[EMBEDDING_DIM];
        double norm = 0;
        for (int k = 0; k < v.length; k++) {
            v[k] = rng.nextGaussian();
            norm += v[k] * v[k];
        }
        norm = Math.sqrt(norm);
        for (int k = 0; k < v.length; k++) {
            v[k] /= norm;
        }
        return v;
    }

    private static double[][] cosine(double[][] unit) {
        int n = unit.length;
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) {
            s[i][i] = 1;
            for (int j = 0; j < i; j++) {
                double dot = 0;
                for (int k = 0; k < unit[i].length; k++) {
                    dot += unit[i][k] * unit[j][k];
                }
                s[i][j] = Math.min(dot, Math.nextDown(1.0));
                s[j][i] = s[i][j];
            }
        }
        return s;
    }

    static double max(double[] values) {
        return values[Selector.argmaxLowestIndex(values)];
    }

    static double min(double[] values) {
        double min = values[0];
        for (double v : values) {
            min = Math.min(min, v);
        }
        return min;
    }

    /** max - the second largest value (over indices); +infinity for a single value. */
    static double topGap(double[] values) {
        int best = Selector.argmaxLowestIndex(values);
        double second = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < values.length; i++) {
            if (i != best) {
                second = Math.max(second, values[i]);
            }
        }
        return values[best] - second;
    }
}
