package dev.rbon.select;

/**
 * What a rule chose and the per-candidate numbers that explain the choice (index i = candidate i).
 *
 * @param chosen            the selected candidate's index
 * @param objectives        what the method maximises, per candidate (see {@link Selector} for each method's)
 * @param probabilities     p_i for the stochastic methods (srbon_kl, srbon_wd, random); null for the others
 * @param meanSimilarity    (1/N) sum_j S_ij (j over all N, i included); null when no similarity was given
 * @param normalizedRewards the rewards the rule read, after the reward normalization
 */
public record Selection(
        int chosen,
        double[] objectives,
        double[] probabilities,
        double[] meanSimilarity,
        double[] normalizedRewards) {
}
