package dev.rbon.select;

import java.util.Arrays;
import java.util.List;

/**
 * HedgeTune (Khalaf et al. 2025): the parameter of bon (n), soft_bon (lambda) or bop (mu) at the hacking threshold,
 * the point past which optimising the proxy harder lowers the gold score, from calibration pools that carry both.
 *
 * <p>Each pool is N candidates drawn from the policy, with proxy rewards r and gold scores g. A method with
 * parameter theta picks candidate i of a pool with probability P_theta(i), so the expected gold is
 * G(theta) = mean over pools of sum_i P_theta(i) g_i, and its slope is
 * dG/dtheta = E[g psi], psi = d/dtheta log P_theta(i): the root of E[r_gold(u) psi(u, theta)] that HedgeTune
 * bisects, here on the pools' own empirical distribution, so no density is fitted. With the candidates ranked by
 * proxy (ties share their span), rank k of N has quantile span ((k - 1) / N, k / N] and
 * <ul>
 *   <li>bon: P_n(k) = F_n(k / N) - F_n((k - 1) / N), F_n(x) = x^n (n draws with replacement, the best kept);
 *       dF/dn = x^n log x, so psi -> 1 / n + log u, the score of the density n u^(n - 1);</li>
 *   <li>bop: F_mu(x) = sum_k w_k x^k with w_k = P(n' = k) capped by the pool's N ({@link BestOfPoisson#sizes}),
 *       dw_k/dmu = p_(k-2) - p_(k-1) (p_j the Poisson(mu) pmf, p_-1 = 0) and dw_N/dmu = p_(N-2); uncapped, the
 *       density (1 + mu u) e^(mu (u - 1)) has the score psi = u / (1 + mu u) - (1 - u), derived from the density;</li>
 *   <li>soft_bon: P_lambda(i) = softmax(r / lambda)_i, dP_i/dlambda = -P_i (r_i - E_P[r]) / lambda^2; it
 *       optimises harder as lambda falls.</li>
 * </ul>
 * The threshold is the first root met as the optimisation strengthens from its weakest end (n = 1, mu = 0, the
 * largest lambda): the strongest parameter of the range over which the gold keeps rising. A slope that never turns
 * gives the strongest end of the range; one that falls from the start, the weakest end. The ranges: n in
 * [1, largest N], mu in [0, 2 largest N + 50] (bop decodes at most the pool), lambda in [1e-3, 1e3] times the
 * proxy's mean within-pool standard deviation. Deterministic: the same pools give the same parameter.
 */
public final class HedgeTune {

    /** One calibration pool: each candidate's proxy reward and gold score. */
    public record Pool(double[] rewards, double[] gold) {
        public Pool {
            if (rewards.length == 0 || rewards.length != gold.length) {
                throw new IllegalArgumentException("a pool needs as many gold scores as rewards, at least one");
            }
        }
    }

    /** The parameter at the threshold and the expected gold there, G(parameter). */
    public record Result(Method method, double parameter, double predictedGold) {}

    private static final int GRID = 200;
    private static final int BISECTION_STEPS = 60;

    private HedgeTune() {}

    /** @throws IllegalArgumentException for a method other than bon, soft_bon or bop, or no pools */
    public static Result tune(Method method, List<Pool> pools) {
        if (pools.isEmpty()) {
            throw new IllegalArgumentException("at least one pool is needed");
        }
        Family family = family(method, pools);
        int largest = pools.stream().mapToInt(p -> p.rewards().length).max().orElseThrow();
        double[] range = family.range(largest);
        // t in [0, 1] runs from the weakest to the strongest end, log-spaced in the parameter where it is positive
        double previous = 0;
        if (slope(family, pools, at(range, 0)) <= 0) {
            return result(method, family, pools, at(range, 0));
        }
        for (int i = 1; i <= GRID; i++) {
            double t = (double) i / GRID;
            if (slope(family, pools, at(range, t)) <= 0) {
                double low = previous;
                double high = t;
                for (int step = 0; step < BISECTION_STEPS; step++) {
                    double mid = 0.5 * (low + high);
                    if (slope(family, pools, at(range, mid)) > 0) {
                        low = mid;
                    } else {
                        high = mid;
                    }
                }
                return result(method, family, pools, at(range, low));
            }
            previous = t;
        }
        return result(method, family, pools, at(range, 1));
    }

    /** G(theta): the expected gold of the method at this parameter over the pools. */
    public static double expectedGold(Method method, List<Pool> pools, double parameter) {
        return gold(family(method, pools), pools, parameter);
    }

    /** The one-parameter family of bon, soft_bon or bop; IllegalArgumentException for any other method. */
    private static Family family(Method method, List<Pool> pools) {
        return switch (method) {
            case BON -> new BestOfN();
            case BOP -> new Poisson();
            case SOFT_BON -> new Soft(pools);
            default -> throw new IllegalArgumentException("HedgeTune tunes bon, soft_bon and bop, not "
                    + method.wireName());
        };
    }

    private static Result result(Method method, Family family, List<Pool> pools, double parameter) {
        return new Result(method, parameter, gold(family, pools, parameter));
    }

    /**
     * range = {weakest, strongest, log?}: log-spaced between them when both are positive; bop's mu starts at 0, so
     * it runs through log(1 + mu).
     */
    private static double at(double[] range, double t) {
        double from = range[0];
        double to = range[1];
        if (range[2] == 1) {
            return Math.exp(Math.log(from) + t * (Math.log(to) - Math.log(from)));
        }
        return Math.expm1(Math.log1p(from) + t * (Math.log1p(to) - Math.log1p(from)));
    }

    private static double gold(Family family, List<Pool> pools, double theta) {
        double sum = 0;
        for (Pool pool : pools) {
            double[] p = family.probabilities(pool.rewards(), theta);
            for (int i = 0; i < p.length; i++) {
                sum += p[i] * pool.gold()[i];
            }
        }
        return sum / pools.size();
    }

    /** dG/d(strength): dG/dtheta, negated for soft_bon whose strength grows as lambda falls. */
    private static double slope(Family family, List<Pool> pools, double theta) {
        double sum = 0;
        for (Pool pool : pools) {
            double[] dp = family.derivatives(pool.rewards(), theta);
            for (int i = 0; i < dp.length; i++) {
                sum += dp[i] * pool.gold()[i];
            }
        }
        return family.strengthSign() * sum / pools.size();
    }

    /** A one-parameter selection rule on a pool: its P_theta(i) and dP_theta(i)/dtheta. */
    private interface Family {
        double[] range(int largestPool);

        double[] probabilities(double[] rewards, double theta);

        double[] derivatives(double[] rewards, double theta);

        default double strengthSign() {
            return 1;
        }
    }

    /**
     * A rule that keeps the best of k draws with replacement, k distributed as the family says: the chosen rank's
     * CDF is F(x) = E[x^k], read on the grid x = j / N. The grid of the last (theta, N) is kept, since every pool of
     * a calibration set usually has the same N.
     */
    private abstract static class RankBased implements Family {
        private double gridTheta = Double.NaN;
        private int gridSize;
        private boolean gridDerivative;
        private double[] grid;

        /** F(j / n) for j = 0..n, or its derivative in theta. */
        abstract double[] cdf(double theta, int n, boolean derivative);

        @Override
        public double[] probabilities(double[] rewards, double theta) {
            return byRank(rewards, grid(theta, rewards.length, false));
        }

        @Override
        public double[] derivatives(double[] rewards, double theta) {
            return byRank(rewards, grid(theta, rewards.length, true));
        }

        private double[] grid(double theta, int n, boolean derivative) {
            if (theta != gridTheta || n != gridSize || derivative != gridDerivative) {
                grid = cdf(theta, n, derivative);
                gridTheta = theta;
                gridSize = n;
                gridDerivative = derivative;
            }
            return grid;
        }

        /** Each tie group at ranks (a, b] of N gets (h[b] - h[a]) shared equally among its members. */
        private static double[] byRank(double[] rewards, double[] h) {
            int n = rewards.length;
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(rewards[a], rewards[b]));
            double[] out = new double[n];
            for (int from = 0; from < n; ) {
                int to = from;
                while (to + 1 < n && rewards[order[to + 1]] == rewards[order[from]]) {
                    to++;
                }
                double mass = h[to + 1] - h[from];
                for (int k = from; k <= to; k++) {
                    out[order[k]] = mass / (to - from + 1);
                }
                from = to + 1;
            }
            return out;
        }

        /** sum_k c[k - 1] x^k at x = j / n, j = 0..n. */
        static double[] powerSeries(double[] c, int n) {
            double[] out = new double[n + 1];
            for (int j = 1; j <= n; j++) {
                double x = (double) j / n;
                double power = x;
                double sum = 0;
                for (double ck : c) {
                    sum += ck * power;
                    power *= x;
                }
                out[j] = sum;
            }
            return out;
        }
    }

    private static final class BestOfN extends RankBased {
        @Override
        public double[] range(int largestPool) {
            return new double[] {1, Math.max(1, largestPool), 1};
        }

        @Override
        double[] cdf(double n, int size, boolean derivative) {
            double[] out = new double[size + 1];
            for (int j = 1; j <= size; j++) {
                double x = (double) j / size;
                out[j] = derivative ? Math.pow(x, n) * Math.log(x) : Math.pow(x, n);
            }
            return out;
        }
    }

    private static final class Poisson extends RankBased {
        @Override
        public double[] range(int largestPool) {
            return new double[] {0, 2.0 * largestPool + 50, 0};
        }

        @Override
        double[] cdf(double mu, int size, boolean derivative) {
            if (!derivative) {
                return powerSeries(BestOfPoisson.sizes(mu, size), size);
            }
            double[] p = BestOfPoisson.sizes(mu, size + 1); // p[j] is the Poisson pmf at j for j < size
            double[] dw = new double[size];
            for (int k = 1; k <= size; k++) {
                double before = k >= 2 ? p[k - 2] : 0;
                dw[k - 1] = k < size ? before - p[k - 1] : before;
            }
            return powerSeries(dw, size);
        }
    }

    private static final class Soft implements Family {
        private final double scale;

        Soft(List<Pool> pools) {
            double sum = 0;
            for (Pool pool : pools) {
                double[] r = pool.rewards();
                double mean = Arrays.stream(r).average().orElse(0);
                sum += Math.sqrt(Arrays.stream(r).map(v -> (v - mean) * (v - mean)).sum() / r.length);
            }
            double meanStd = sum / pools.size();
            this.scale = meanStd > 0 ? meanStd : 1;
        }

        @Override
        public double[] range(int largestPool) {
            return new double[] {1e3 * scale, 1e-3 * scale, 1};
        }

        @Override
        public double[] probabilities(double[] rewards, double lambda) {
            double[] logits = new double[rewards.length];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = rewards[i] / lambda;
            }
            return Selector.softmax(logits);
        }

        @Override
        public double[] derivatives(double[] rewards, double lambda) {
            double[] p = probabilities(rewards, lambda);
            double mean = 0;
            for (int i = 0; i < p.length; i++) {
                mean += p[i] * rewards[i];
            }
            double[] d = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                d[i] = -p[i] * (rewards[i] - mean) / (lambda * lambda);
            }
            return d;
        }

        @Override
        public double strengthSign() {
            return -1;
        }
    }
}
