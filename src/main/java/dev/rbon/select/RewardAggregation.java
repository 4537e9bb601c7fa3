package dev.rbon.select;

/**
 * How an ensemble of K reward models' scores becomes one R_i per candidate (Coste et al., ICLR 2024, "Reward Model
 * Ensembles Help Mitigate Overoptimization": the worst case or an uncertainty penalty over the members practically
 * eliminates overoptimisation in BoN). It runs before {@link RewardNormalization}, which rescales the aggregate.
 * With one member every aggregation gives that member's rewards exactly.
 */
public enum RewardAggregation {
    /** mean_k R_k,i (the default). */
    MEAN("mean"),
    /** min_k R_k,i: the worst-case optimisation of Coste et al. */
    MIN("min"),
    /**
     * mean_k R_k,i - w * std_k R_k,i with the population std (divide by K). Coste et al.'s uncertainty-weighted
     * optimisation penalises the variance; the std keeps the penalty in the reward's own units.
     */
    MEAN_MINUS_STD("mean_minus_std");

    /** w of {@link #MEAN_MINUS_STD} when the request gives none. */
    public static final double DEFAULT_STD_WEIGHT = 1.0;

    private final String wireName;

    RewardAggregation(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** The aggregation with this exact wire name; IllegalArgumentException otherwise. */
    public static RewardAggregation fromWire(String name) {
        for (RewardAggregation a : values()) {
            if (a.wireName.equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown reward_aggregation '" + name
                + "'; expected one of mean, min, mean_minus_std");
    }

    /** Whether the std weight is read (it is validated on every request, as beta is for the methods ignoring it). */
    public boolean readsStdWeight() {
        return this == MEAN_MINUS_STD;
    }

    /**
     * R_i of each candidate from {@code byMember[k][i]}, member k's reward of candidate i (K >= 1 members, each with
     * the same N >= 1 finite rewards); a new array, the input is not modified.
     *
     * @param stdWeight w of {@link #MEAN_MINUS_STD}, finite and >= 0; not read by the others
     * @throws IllegalArgumentException on a ragged or empty input, a non-finite reward or a w that makes R_i overflow
     */
    public double[] apply(double[][] byMember, double stdWeight) {
        int n = checkShape(byMember);
        if (readsStdWeight() && !(Double.isFinite(stdWeight) && stdWeight >= 0)) {
            throw new IllegalArgumentException("reward_std_weight must be a finite number >= 0, got " + stdWeight);
        }
        double[] out = new double[n];
        double[] column = new double[byMember.length];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < column.length; k++) {
                column[k] = byMember[k][i];
            }
            out[i] = switch (this) {
                case MEAN -> meanAndStd(column)[0];
                case MIN -> min(column);
                case MEAN_MINUS_STD -> meanMinusStd(column, stdWeight);
            };
        }
        return out;
    }

    private static double meanMinusStd(double[] column, double stdWeight) {
        double[] meanStd = meanAndStd(column);
        double penalty = stdWeight * meanStd[1];
        double r = meanStd[0] - penalty;
        if (!Double.isFinite(r)) {
            throw new IllegalArgumentException("reward_std_weight " + stdWeight + " x the members' std " + meanStd[1]
                    + " overflows");
        }
        return r;
    }

    private static double min(double[] column) {
        double min = column[0];
        for (double v : column) {
            min = Math.min(min, v);
        }
        return min;
    }

    /**
     * {mean, population std}. The values are scaled by a power of two (exact) so that no step overflows, and the
     * mean is taken as the first value plus the mean offset from it, so that equal values give themselves and std 0
     * exactly (a naive sum of 0.1 three times is not 0.3). The mean is kept within [min, max].
     */
    static double[] meanAndStd(double[] values) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (min == max) {
            return new double[] {values[0], 0};
        }
        double scale = Math.scalb(1.0, -Math.getExponent(Math.max(Math.abs(min), Math.abs(max))));
        double first = values[0] * scale;
        double offsets = 0;
        for (double v : values) {
            offsets += v * scale - first; // each scaled value is in (-2, 2): no overflow
        }
        double mean = Math.min(max * scale, Math.max(min * scale, first + offsets / values.length));
        double squares = 0;
        for (double v : values) {
            double d = v * scale - mean;
            squares += d * d;
        }
        return new double[] {mean / scale, Math.sqrt(squares / values.length) / scale};
    }

    private static int checkShape(double[][] byMember) {
        if (byMember == null || byMember.length == 0 || byMember[0] == null || byMember[0].length == 0) {
            throw new IllegalArgumentException("rewards must hold at least one member and one candidate");
        }
        int n = byMember[0].length;
        for (int k = 0; k < byMember.length; k++) {
            if (byMember[k] == null || byMember[k].length != n) {
                throw new IllegalArgumentException("rewards of member " + k + " do not hold " + n + " candidates");
            }
            for (int i = 0; i < n; i++) {
                if (!Double.isFinite(byMember[k][i])) {
                    throw new IllegalArgumentException("rewards[" + k + "][" + i + "] is " + byMember[k][i]);
                }
            }
        }
        return n;
    }
}
