package dev.rbon.lab;

import dev.rbon.select.Method;
import dev.rbon.select.Prune;
import dev.rbon.select.RewardNormalization;
import dev.rbon.select.Scores;
import dev.rbon.select.Selector;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Speculative rejection replayed on a fully sampled pool. In the service each candidate draws from its own seeded
 * generator, so pruning some candidates never changes another's tokens: the pool sampled without pruning holds
 * exactly the tokens the survivors would have decoded, and replaying the decisions on its prefixes is exact.
 *
 * <p>A candidate of length L is running at decision point d iff L > d and finished iff L <= d. At each d (a multiple
 * of {@code every}, while more than one candidate runs) the alive pool is the finished candidates with their full
 * scores and the running ones with their first d tokens' scores (length d); the method's objective over it ranks
 * the running ones and {@link Prune#decodeOn} keeps the best. A pruned candidate decoded d tokens, a finished one
 * L. The final selection runs over the finished candidates alone, with their full scores. A running candidate's
 * self-certainty is that of its first d tokens. bop is not replayed (the lab skips its pruned forms).
 */
final class Pruning {

    /**
     * @param distribution the selection distribution over the pool's candidates, zero on the pruned ones
     * @param decodedTokens tokens decoded over all candidates
     * @param pruned which candidates were pruned
     */
    record Outcome(double[] distribution, int decodedTokens, boolean[] pruned) {}

    private Pruning() {}

    static Outcome select(Method method, double beta, Pool pool, String proxy, Prune prune) {
        if (method == Method.BOP) {
            throw new IllegalArgumentException("bop's pruned form is not replayed");
        }
        int n = pool.size();
        int[] lengths = pool.lengths();
        boolean[] pruned = new boolean[n];
        int[] decoded = lengths.clone();
        for (int d = prune.every(); ; d += prune.every()) {
            int at = d;
            int[] alive = IntStream.range(0, n).filter(i -> !pruned[i]).toArray();
            boolean[] running = new boolean[alive.length];
            int runningCount = 0;
            for (int k = 0; k < alive.length; k++) {
                running[k] = lengths[alive[k]] > at;
                runningCount += running[k] ? 1 : 0;
            }
            if (runningCount <= 1) {
                break;
            }
            double[] objectives = Selector.select(method, beta, RewardNormalization.NONE,
                    aliveScores(method, pool, proxy, alive, running, d), new SplittableRandom(0)).objectives();
            boolean[] on = prune.decodeOn(objectives, running);
            for (int k = 0; k < alive.length; k++) {
                if (running[k] && !on[k]) {
                    pruned[alive[k]] = true;
                    decoded[alive[k]] = d;
                }
            }
        }
        int[] finished = IntStream.range(0, n).filter(i -> !pruned[i]).toArray();
        double[] p = Sweep.distribution(method, beta, finishedScores(method, pool, proxy, finished));
        double[] distribution = new double[n];
        for (int k = 0; k < finished.length; k++) {
            distribution[finished[k]] = p[k];
        }
        return new Outcome(distribution, IntStream.of(decoded).sum(), pruned);
    }

    /** The alive pool at decision point d: finished candidates' full scores, running ones' partial scores. */
    private static Scores aliveScores(Method method, Pool pool, String proxy, int[] alive, boolean[] running, int d) {
        Partials partials = pool.partials();
        int[] runningIds = IntStream.range(0, alive.length).filter(k -> running[k]).map(k -> alive[k]).toArray();
        double[] partialRewards = partials.rewards(proxy, runningIds, d);
        double[] rewards = new double[alive.length];
        double[] logprobs = new double[alive.length];
        int[] lengths = new int[alive.length];
        double[] selfCertainty = new double[alive.length];
        for (int k = 0, r = 0; k < alive.length; k++) {
            int i = alive[k];
            rewards[k] = running[k] ? partialRewards[r++] : pool.rewards().get(proxy)[i];
            logprobs[k] = running[k] ? partials.logprob(i, d) : pool.logprobs()[i];
            lengths[k] = running[k] ? d : pool.lengths()[i];
            selfCertainty[k] = running[k] ? partials.selfCertainty(i, d) : pool.selfCertainty()[i];
        }
        double[][] similarity = method.needsSimilarity() ? partials.similarity(alive, d) : null;
        return new Scores(rewards, logprobs, lengths, similarity, selfCertainty);
    }

    private static Scores finishedScores(Method method, Pool pool, String proxy, int[] finished) {
        double[] rewards = IntStream.of(finished).mapToDouble(i -> pool.rewards().get(proxy)[i]).toArray();
        double[] logprobs = IntStream.of(finished).mapToDouble(i -> pool.logprobs()[i]).toArray();
        int[] lengths = IntStream.of(finished).map(i -> pool.lengths()[i]).toArray();
        double[] selfCertainty = IntStream.of(finished).mapToDouble(i -> pool.selfCertainty()[i]).toArray();
        double[][] similarity = null;
        if (method.needsSimilarity()) {
            similarity = new double[finished.length][];
            for (int a = 0; a < finished.length; a++) {
                double[] row = pool.similarity()[finished[a]];
                similarity[a] = IntStream.of(finished).mapToDouble(b -> row[b]).toArray();
            }
        }
        return new Scores(rewards, logprobs, lengths, similarity, selfCertainty);
    }
}
