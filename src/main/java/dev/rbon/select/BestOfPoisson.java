package dev.rbon.select;

import java.util.random.RandomGenerator;

/**
 * Best-of-Poisson (Khalaf et al. 2025, "Inference-Time Reward Hacking in Large Language Models"): decode
 * n' = 1 + Poisson(mu) candidates, capped by the request's n, and keep the best by reward. It decodes only n'
 * candidates, and its selection density over the reward's quantile u under the policy,
 * f_mu(u) = sum_k P(n' = k) k u^(k-1), is (1 + mu u) e^(mu (u - 1)) without the cap: a near-exact approximation of
 * the reward-KL optimal (exponentially tilted) policy. mu = 0 is one sample; mu -> infinity is BoN at the cap.
 */
public final class BestOfPoisson {

    /** Points of the quadrature for the KL (log-spaced in s = -log u; see {@link #kl}). */
    private static final int KL_POINTS = 2000;
    /** Bisection steps for {@link #muForKl}: the bracket's width shrinks by 2^-60, below a double's precision. */
    private static final int BISECTION_STEPS = 60;

    private BestOfPoisson() {}

    /**
     * w[k - 1] = P(n' = k) for k = 1..cap: the Poisson(mu) probability of k - 1 for k < cap, and the rest of the mass
     * (the tail P(Poisson >= cap - 1)) at k = cap. Computed in log space, so large mu does not underflow e^-mu.
     */
    public static double[] sizes(double mu, int cap) {
        checkMu(mu);
        if (cap < 1) {
            throw new IllegalArgumentException("cap must be >= 1, got " + cap);
        }
        double[] w = new double[cap];
        double logP = -mu; // log P(Poisson = 0)
        double below = 0;
        for (int j = 0; j < cap - 1; j++) {
            w[j] = Math.exp(logP);
            below += w[j];
            logP += Math.log(mu) - Math.log(j + 1); // log P(j + 1) from log P(j); -inf for mu = 0, as it should be
        }
        w[cap - 1] = Math.max(0, 1 - below);
        return w;
    }

    /**
     * n' = min(1 + Poisson(mu), cap), drawn by inverse CDF with exactly one {@code rng.nextDouble()}, so a seeded
     * request decodes the same number of candidates every time.
     */
    public static int draw(double mu, int cap, RandomGenerator rng) {
        double[] w = sizes(mu, cap);
        double u = rng.nextDouble();
        double cumulative = 0;
        for (int k = 1; k < cap; k++) {
            cumulative += w[k - 1];
            if (u < cumulative) {
                return k;
            }
        }
        return cap;
    }

    /** f(u) = sum_k w[k - 1] k u^(k - 1): the density of the chosen candidate's quantile u under the policy. */
    static double density(double u, double[] w) {
        double f = 0;
        double power = 1; // u^(k - 1)
        for (int k = 1; k <= w.length; k++) {
            f += w[k - 1] * k * power;
            power *= u;
        }
        return f;
    }

    /**
     * KL(BoP ‖ policy) = integral over [0, 1] of f log f, for continuous rewards (no ties). The integrand is read
     * in s = -log u on a log-spaced grid from 1e-12 to 60: the mixture's component k puts its mass near s ~ 1/k, so
     * the grid resolves every k up to any cap, and what lies outside it weighs under cap log(cap) 1e-12. At mu -> infinity
     * this is BoN's log cap - (cap - 1) / cap; at mu = 0 it is 0.
     */
    public static double kl(double mu, int cap) {
        double[] w = sizes(mu, cap);
        double from = Math.log(1e-12);
        double step = (Math.log(60) - from) / (KL_POINTS - 1);
        double sum = 0;
        for (int i = 0; i < KL_POINTS; i++) {
            double s = Math.exp(from + i * step);
            double u = Math.exp(-s);
            double f = density(u, w);
            double integrand = f > 0 ? f * Math.log(f) * u * s : 0; // f log f du, du = u ds, ds = s dt
            sum += (i == 0 || i == KL_POINTS - 1 ? 0.5 : 1) * integrand;
        }
        return Math.max(0, sum * step);
    }

    /**
     * The mu whose {@link #kl} is {@code budget}, by bisection (the KL grows with mu). A budget at or above what
     * the cap allows (BoN's log cap - (cap - 1) / cap) gives the bracket's top, 2 cap + 50, where n' is the cap but
     * for a mass under 1e-12; a budget of 0 gives 0.
     */
    public static double muForKl(double budget, int cap) {
        if (!(budget >= 0) || Double.isInfinite(budget)) {
            throw new IllegalArgumentException("kl budget must be finite and >= 0, got " + budget);
        }
        double low = 0;
        double high = 2.0 * cap + 50;
        if (budget == 0 || cap == 1) {
            return 0;
        }
        if (kl(high, cap) <= budget) {
            return high;
        }
        for (int i = 0; i < BISECTION_STEPS; i++) {
            double mid = 0.5 * (low + high);
            if (kl(mid, cap) < budget) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return 0.5 * (low + high);
    }

    private static void checkMu(double mu) {
        if (!(mu >= 0) || Double.isInfinite(mu)) {
            throw new IllegalArgumentException("mu must be finite and >= 0, got " + mu);
        }
    }
}
