package dev.rbon.lab;

import dev.rbon.select.Method;
import dev.rbon.select.RewardNormalization;
import dev.rbon.select.Scores;
import dev.rbon.select.Selection;
import dev.rbon.select.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.DoubleStream;

/**
 * Every method over the beta grid on the same pools, plus the oracle (argmax gold). A stochastic method is scored
 * by its expectation over its selection distribution (sum_i p_i gold_i), not by one draw: the same mean with less
 * noise. The win rate against BoN counts a tie as half.
 */
final class Sweep {

    /** The paper's beta grid. */
    static final double[] PAPER_BETAS = {1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1};
    /** Extended upward: rewards here span a few units while l_i spans tens of nats and m_i tenths. */
    static final double[] EXTRA_BETAS = {2, 5, 10, 20, 50, 100, 200, 500, 1000};
    static final String ORACLE = "oracle";

    /** One row of results: a method at one beta (NaN where beta is ignored) over a set of pools. */
    record Row(String proxy, int n, String method, double beta, double goldMean, double goldSe, double proxyMean,
            double winRateVsBon, int prompts) {}

    private Sweep() {}

    static double[] betas() {
        return DoubleStream.concat(DoubleStream.of(PAPER_BETAS), DoubleStream.of(EXTRA_BETAS)).toArray();
    }

    static List<Row> run(List<Pool> pools, String proxy, int n) {
        List<Pool> prefixes = pools.stream().map(p -> p.prefix(n)).toList();
        double[] bonGold = new double[prefixes.size()];
        List<Row> rows = new ArrayList<>();
        for (Method method : Method.values()) {
            double[] grid = method.usesBeta() ? betas() : new double[] {Double.NaN};
            for (double beta : grid) {
                double[][] outcomes = new double[3][prefixes.size()]; // gold, proxy, win vs bon
                for (int k = 0; k < prefixes.size(); k++) {
                    Pool pool = prefixes.get(k);
                    double[] p = distribution(method, Double.isNaN(beta) ? 0 : beta, pool, proxy);
                    outcomes[0][k] = dot(p, pool.gold());
                    outcomes[1][k] = dot(p, pool.rewards().get(proxy));
                    if (method == Method.BON) {
                        bonGold[k] = outcomes[0][k];
                    }
                    outcomes[2][k] = winProbability(p, pool.gold(), bonGold[k]);
                }
                rows.add(row(proxy, n, method.wireName(), beta, outcomes));
            }
        }
        double[][] oracle = new double[3][prefixes.size()];
        for (int k = 0; k < prefixes.size(); k++) {
            Pool pool = prefixes.get(k);
            int best = Selector.argmaxLowestIndex(pool.gold());
            oracle[0][k] = pool.gold()[best];
            oracle[1][k] = pool.rewards().get(proxy)[best];
            oracle[2][k] = oracle[0][k] > bonGold[k] ? 1 : oracle[0][k] == bonGold[k] ? 0.5 : 0;
        }
        rows.add(row(proxy, n, ORACLE, Double.NaN, oracle));
        return rows;
    }

    /** The selection distribution: one-hot at the pick for deterministic methods, p for stochastic ones. */
    static double[] distribution(Method method, double beta, Pool pool, String proxy) {
        Scores scores = new Scores(pool.rewards().get(proxy), pool.logprobs(), pool.lengths(), pool.similarity());
        Selection s = Selector.select(method, beta, RewardNormalization.NONE, scores, new SplittableRandom(0));
        if (s.probabilities() != null) {
            return s.probabilities();
        }
        double[] p = new double[pool.size()];
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

    private static Row row(String proxy, int n, String method, double beta, double[][] outcomes) {
        int m = outcomes[0].length;
        double mean = mean(outcomes[0]);
        double var = 0;
        for (double g : outcomes[0]) {
            var += (g - mean) * (g - mean);
        }
        double se = m > 1 ? Math.sqrt(var / (m - 1) / m) : 0;
        return new Row(proxy, n, method, beta, mean, se, mean(outcomes[1]), mean(outcomes[2]), m);
    }

    static double mean(double[] x) {
        return x.length == 0 ? Double.NaN : DoubleStream.of(x).sum() / x.length;
    }

    private static double dot(double[] p, double[] x) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            s += p[i] * x[i];
        }
        return s;
    }
}
