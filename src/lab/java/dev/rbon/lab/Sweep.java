package dev.rbon.lab;

import dev.rbon.select.BestOfPoisson;
import dev.rbon.select.Method;
import dev.rbon.select.Prune;
import dev.rbon.select.RewardNormalization;
import dev.rbon.select.Scores;
import dev.rbon.select.Selection;
import dev.rbon.select.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;

/**
 * Every method over the beta grid on the same pools, plus the oracle (argmax gold); with a {@link Prune}, every
 * method's pruned form ({@link Pruning}) instead, and no oracle (nor bop: its pruned form is not replayed). A
 * stochastic method is scored by its expectation over its selection distribution (sum_i p_i gold_i), not by one
 * draw: the same mean with less noise. bop is scored by its exact expectation over n' = min(1 + Poisson(mu), N):
 * the pool's candidates are i.i.d. draws, so its first k are a draw of k, and bop picks candidate i with
 * probability sum_k P(n' = k) [i = argmax of the first k's proxy rewards]; it decodes the first n' candidates'
 * tokens, in expectation. The win rate against (unpruned) BoN counts a tie as half.
 */
final class Sweep {

    /** The paper's beta grid. */
    static final double[] PAPER_BETAS = {1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1};
    /** Extended upward: rewards here span a few units while l_i spans tens of nats and m_i tenths. */
    static final double[] EXTRA_BETAS = {2, 5, 10, 20, 50, 100, 200, 500, 1000};
    static final String ORACLE = "oracle";

    /**
     * One row of results: a method at one beta (NaN where beta is ignored), pruned as {@code prune} says ("" for
     * none), over a set of pools; {@code decodedTokens} is the mean over the pools of the tokens decoded for all N.
     */
    record Row(String proxy, int n, String method, String prune, double beta, double goldMean, double goldSe,
            double proxyMean, double proxySe, double winRateVsBon, double decodedTokens, int prompts) {}

    private Sweep() {}

    static double[] betas() {
        return DoubleStream.concat(DoubleStream.of(PAPER_BETAS), DoubleStream.of(EXTRA_BETAS)).toArray();
    }

    /**
     * bop's mu grid for a pool of N: 0 (one sample), 0.5, then powers of two up to 2N, where n' is N with
     * probability above 1 - 1e-6 for N >= 16.
     */
    static double[] mus(int n) {
        List<Double> mus = new ArrayList<>(List.of(0.0, 0.5));
        for (double mu = 1; mu <= 2 * n; mu *= 2) {
            mus.add(mu);
        }
        return mus.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** @param prune null for the methods as they are */
    static List<Row> run(List<Pool> pools, String proxy, int n, Prune prune) {
        List<Pool> prefixes = pools.stream().map(p -> p.prefix(n)).toList();
        double[] bonGold = prefixes.stream()
                .mapToDouble(pool -> dot(distribution(Method.BON, 0, pool, proxy), pool.gold())).toArray();
        List<Row> rows = new ArrayList<>();
        for (Method method : Method.values()) {
            if (prune != null && method == Method.BOP) {
                continue;
            }
            double[] grid = method == Method.BOP ? mus(n) : method.usesBeta() ? betas() : new double[] {Double.NaN};
            for (double beta : grid) {
                double[][] outcomes = new double[4][prefixes.size()]; // gold, proxy, win vs bon, decoded tokens
                for (int k = 0; k < prefixes.size(); k++) {
                    Pool pool = prefixes.get(k);
                    double b = Double.isNaN(beta) ? 0 : beta;
                    double[] p;
                    if (method == Method.BOP) {
                        p = bopDistribution(b, pool.rewards().get(proxy));
                        outcomes[3][k] = bopDecodedTokens(b, pool.lengths());
                    } else if (prune == null) {
                        p = distribution(method, b, pool, proxy);
                        outcomes[3][k] = IntStream.of(pool.lengths()).sum();
                    } else {
                        Pruning.Outcome pruned = Pruning.select(method, b, pool, proxy, prune);
                        p = pruned.distribution();
                        outcomes[3][k] = pruned.decodedTokens();
                    }
                    outcomes[0][k] = dot(p, pool.gold());
                    outcomes[1][k] = dot(p, pool.rewards().get(proxy));
                    outcomes[2][k] = winProbability(p, pool.gold(), bonGold[k]);
                }
                rows.add(row(proxy, n, method.wireName(), prune, beta, outcomes));
            }
        }
        if (prune == null) {
            rows.add(oracle(prefixes, proxy, n, bonGold));
        }
        return rows;
    }

    /** The argmax of gold: the ceiling any selection from these pools can reach. */
    private static Row oracle(List<Pool> pools, String proxy, int n, double[] bonGold) {
        double[][] outcomes = new double[4][pools.size()];
        for (int k = 0; k < pools.size(); k++) {
            Pool pool = pools.get(k);
            int best = Selector.argmaxLowestIndex(pool.gold());
            outcomes[0][k] = pool.gold()[best];
            outcomes[1][k] = pool.rewards().get(proxy)[best];
            outcomes[2][k] = outcomes[0][k] > bonGold[k] ? 1 : outcomes[0][k] == bonGold[k] ? 0.5 : 0;
            outcomes[3][k] = IntStream.of(pool.lengths()).sum();
        }
        return row(proxy, n, ORACLE, null, Double.NaN, outcomes);
    }

    /**
     * bop's selection distribution over a pool of N i.i.d. candidates: P(i) = sum_k P(n' = k) [i = the argmax of the
     * first k rewards, lowest index on ties], n' = min(1 + Poisson(mu), N).
     */
    static double[] bopDistribution(double mu, double[] rewards) {
        double[] sizes = BestOfPoisson.sizes(mu, rewards.length);
        double[] p = new double[rewards.length];
        int best = 0;
        for (int k = 1; k <= rewards.length; k++) {
            if (rewards[k - 1] > rewards[best]) {
                best = k - 1;
            }
            p[best] += sizes[k - 1];
        }
        return p;
    }

    /** The tokens bop decodes in expectation: sum_k P(n' = k) times the first k candidates' tokens. */
    static double bopDecodedTokens(double mu, int[] lengths) {
        double[] sizes = BestOfPoisson.sizes(mu, lengths.length);
        double expected = 0;
        int firstK = 0;
        for (int k = 1; k <= lengths.length; k++) {
            firstK += lengths[k - 1];
            expected += sizes[k - 1] * firstK;
        }
        return expected;
    }

    /**
     * The selection distribution: one-hot at the pick for deterministic methods, p for stochastic ones (bop:
     * {@link #bopDistribution}).
     */
    static double[] distribution(Method method, double beta, Pool pool, String proxy) {
        if (method == Method.BOP) {
            return bopDistribution(beta, pool.rewards().get(proxy));
        }
        return distribution(method, beta, scores(pool, proxy));
    }

    static Scores scores(Pool pool, String proxy) {
        return new Scores(pool.rewards().get(proxy), pool.logprobs(), pool.lengths(), pool.similarity(),
                pool.selfCertainty());
    }

    static double[] distribution(Method method, double beta, Scores scores) {
        Selection s = Selector.select(method, beta, RewardNormalization.NONE, scores, new SplittableRandom(0));
        if (s.probabilities() != null) {
            return s.probabilities();
        }
        double[] p = new double[scores.size()];
        p[s.chosen()] = 1;
        return p;
    }

    private static double winProbability(double[] p, double[] gold, double bon) {
        double win = 0;
        for (int i = 0; i < p.length; i++) {
            win += p[i] * (gold[i] > bon ? 1 : gold[i] == bon ? 0.5 : 0);
        }
        return win;
    }

    private static Row row(String proxy, int n, String method, Prune prune, double beta, double[][] outcomes) {
        return new Row(proxy, n, method, prune == null ? "" : prune.toString(), beta, mean(outcomes[0]),
                standardError(outcomes[0]), mean(outcomes[1]), standardError(outcomes[1]), mean(outcomes[2]),
                mean(outcomes[3]), outcomes[0].length);
    }

    /** The standard error of the mean over pools. */
    static double standardError(double[] x) {
        int m = x.length;
        double mean = mean(x);
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        return m > 1 ? Math.sqrt(var / (m - 1) / m) : 0;
    }

    static double mean(double[] x) {
        return x.length == 0 ? Double.NaN : DoubleStream.of(x).sum() / x.length;
    }

    static double dot(double[] p, double[] x) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            s += p[i] * x[i];
        }
        return s;
    }
}
