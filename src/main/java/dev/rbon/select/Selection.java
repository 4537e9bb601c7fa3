package dev.rbon.select;

/**
 * What a rule chose and the per-candidate numbers that explain the choice (index i = candidate i).
 *
 * <p>The objective per method, R being the normalized rewards and m the mean similarity:
 * <ul>
 *   <li>bon: R_i; rbon_kl: R_i + beta l_i; rbon_wd: R_i + beta m_i; rbon_len: R_i - beta L_i;</li>
 *   <li>mbr: m_i, the mean rather than the sum of S_ij (same argmax);</li>
 *   <li>srbon_kl: l_i + R_i / beta, the log of the unnormalised p_i;</li>
 *   <li>srbon_wd: candidate i's share of the optimum E_p[R] - beta W1(p, q), i.e. the sum over the reference samples
 *       j sent to i of (R_i - beta (1 - S_ij)) / N; 0 for a candidate with p_i = 0; the shares sum to the optimum;</li>
 *   <li>random: 0;</li>
 *   <li>soft_bon: R_i / beta, the log of the unnormalised p_i = softmax(R / beta)_i;</li>
 *   <li>bop: R_i, over the 1 + Poisson(beta) candidates decoded (see {@link BestOfPoisson});</li>
 *   <li>self_certainty: the candidate's self-certainty, reward-free.</li>
 * </ul>
 * All objectives are finite.
 *
 * @param chosen            the selected candidate's index
 * @param objectives        what the method maximises, per candidate (above)
 * @param probabilities     p_i for the stochastic methods (srbon_kl, srbon_wd, random, soft_bon); null for the others
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
