package dev.rbon.select;

/**
 * What a response reports about its choice, for watching reward hacking: where the chosen candidate stands by
 * reward, and how far the selection moved from the policy.
 *
 * @param rewardRank how many candidates have a strictly higher reward: 0 is the best by reward, BoN's pick (ties
 *                   share)
 * @param kl         in nats. For a rule that picks the argmax of each candidate's own score (bon, rbon_kl, rbon_len,
 *                   self_certainty), the KL of best-of-N to the policy, log N - (N - 1) / N (Beirami et al. 2024:
 *                   exact for a continuous score, a bound otherwise); for bop, that of Best-of-Poisson at its mu and
 *                   cap n ({@link BestOfPoisson#kl}); for rbon_wd and mbr, whose score depends on the pool, the
 *                   bound of any pick from N, log N; for the stochastic rules, the exact KL of their selection
 *                   distribution to the pool's reference (p_ref ∝ pi_ref(y_i|x) for srbon_kl, uniform otherwise)
 */
public record ChoiceStats(int rewardRank, double kl) {

    /**
     * @param rewards the rewards ranked (the aggregate the rule read, before normalization: normalizations keep
     *                the order)
     * @param n       the request's n (bop's cap); the pool may be smaller
     */
    public static ChoiceStats of(Method method, double beta, Scores scores, Selection selection, int n) {
        return new ChoiceStats(rank(scores.rewards(), selection.chosen()), kl(method, beta, scores, selection, n));
    }

    static int rank(double[] rewards, int chosen) {
        int above = 0;
        for (double r : rewards) {
            if (r > rewards[chosen]) {
                above++;
            }
        }
        return above;
    }

    static double kl(Method method, double beta, Scores scores, Selection selection, int n) {
        int size = scores.size();
        if (method == Method.BOP) {
            return BestOfPoisson.kl(beta, n);
        }
        if (method.argmaxOfOwnScore()) {
            return bestOfN(size);
        }
        if (!method.stochastic()) {
            return Math.log(size);
        }
        double[] logP = new double[size];
        for (int i = 0; i < size; i++) {
            logP[i] = Math.log(selection.probabilities()[i]); // -inf where p_i = 0: contributes nothing
        }
        double[] reference = method == Method.SRBON_KL ? scores.refLogprobs() : new double[size];
        return KlBudget.klOfLogits(logP, reference);
    }

    /** KL(best-of-N ‖ policy) for a continuous score: log N - (N - 1) / N. */
    public static double bestOfN(int n) {
        return Math.log(n) - (n - 1.0) / n;
    }
}
