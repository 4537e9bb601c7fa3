package dev.rbon.select;

/**
 * How rewards are rescaled within the pool before any rule reads them. Reward scales differ between reward models,
 * so a beta tuned for one is meaningless for another; {@link #ZSCORE} and {@link #QUANTILE} make beta portable. The
 * paper uses none.
 */
public enum RewardNormalization {
    /** Rewards as the reward model gave them (the default, as in the paper). */
    NONE("none"),
    /** (R_i - mean) / std with the population std (divide by N); a pool of equal rewards becomes all zeros. */
    ZSCORE("zscore"),
    /**
     * The reward's rank within the pool scaled to [0, 1], ties averaged: (rank - 1) / (N - 1) with ranks from 1 (a
     * pool of one, or of equal rewards, gives 0.5). The empirical quantile InfAlign (ICML 2025) calibrates rewards
     * to: any increasing map of the rewards gives the same values.
     */
    QUANTILE("quantile");

    private final String wireName;

    RewardNormalization(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** The normalization with this exact wire name; IllegalArgumentException otherwise. */
    public static RewardNormalization fromWire(String name) {
        for (RewardNormalization n : values()) {
            if (n.wireName.equals(name)) {
                return n;
            }
        }
        throw new IllegalArgumentException("unknown reward_normalization '" + name
                + "'; expected one of none, zscore, quantile");
    }

    /** A new array with the normalized rewards; the input is not modified. */
    public double[] apply(double[] rewards) {
        return switch (this) {
            case NONE -> rewards.clone();
            case ZSCORE -> zscore(rewards);
            case QUANTILE -> quantile(rewards);
        };
    }

    /** (average rank - 1) / (N - 1) per reward; 0.5 for every reward of a pool of one. */
    static double[] quantile(double[] rewards) {
        int n = rewards.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(rewards[a], rewards[b]));
        double[] q = new double[n];
        for (int from = 0; from < n; ) {
            int to = from; // [from, to] is a run of equal rewards: each gets the run's average rank
            while (to + 1 < n && rewards[order[to + 1]] == rewards[order[from]]) {
                to++;
            }
            double rank = (from + to) / 2.0; // 0-based average rank
            for (int k = from; k <= to; k++) {
                q[order[k]] = n == 1 ? 0.5 : rank / (n - 1);
            }
            from = to + 1;
        }
        return q;
    }

    /**
     * z_i = (R_i - mean) / std, population std. Equal rewards give zeros rather than 0/0. The rewards are first
     * scaled by a power of two (exact) so that no step overflows, and shifted by their minimum (exact for rewards
     * close to each other, Sterbenz) so that a tight pool is not lost to cancellation; z is invariant to both.
     */
    static double[] zscore(double[] rewards) {
        int n = rewards.length;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double r : rewards) {
            min = Math.min(min, r);
            max = Math.max(max, r);
        }
        if (min == max) {
            return new double[n];
        }
        double scale = Math.scalb(1.0, -Math.getExponent(Math.max(Math.abs(min), Math.abs(max))));
        double[] d = new double[n]; // shifted and scaled rewards, each in [0, 4)
        double mean = 0;
        for (int i = 0; i < n; i++) {
            d[i] = rewards[i] * scale - min * scale;
            mean += d[i];
        }
        mean /= n;
        double sumSquares = 0;
        for (int i = 0; i < n; i++) {
            d[i] -= mean;
            sumSquares += d[i] * d[i];
        }
        double std = Math.sqrt(sumSquares / n);
        for (int i = 0; i < n; i++) {
            d[i] /= std;
        }
        return d;
    }
}
