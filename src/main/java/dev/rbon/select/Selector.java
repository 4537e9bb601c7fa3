package dev.rbon.select;

import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The selection rules of Jinnai et al. 2024 (BoN, RBoN), Ichihara et al. 2025 (SRBoN) and their 2025 follow-ups
 * (Soft BoN, Best-of-Poisson, self-certainty), as the papers state them (see package-info for where the authors' code differs). R is the reward after normalization, l_i the
 * reference log-prob, L_i the token count, S the similarity matrix, m_i = (1/N) sum_j S_ij. Ties go to the lowest
 * index. Pure: never modifies its inputs.
 */
public final class Selector {

    /** A rule's per-candidate objective and, for the stochastic rules, the distribution to draw from. */
    private record Outcome(double[] objectives, double[] probabilities) {
        static Outcome deterministic(double[] objectives) {
            return new Outcome(objectives, null);
        }
    }

    private Selector() {
    }

    /**
     * Applies {@code method}. Deterministic methods pick the argmax of the objective and never touch {@code rng}
     * (it may be null); stochastic methods draw exactly one {@code rng.nextDouble()}, so a seeded RNG gives a
     * reproducible pick.
     *
     * @throws IllegalArgumentException when beta is invalid for the method, a score the method reads is missing,
     *                                  or beta makes an objective overflow (e.g. srbon_kl with beta = 1e-310)
     */
    public static Selection select(Method method, double beta, RewardNormalization normalization, Scores scores,
            RandomGenerator rng) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(normalization, "normalization");
        Objects.requireNonNull(scores, "scores");
        method.checkBeta(beta);
        scores.requireFor(method);
        if (method.stochastic()) {
            Objects.requireNonNull(rng, () -> "rng is required for " + method.wireName());
        }
        double[] r = normalization.apply(scores.rewards());
        double[] m = scores.similarity() == null ? null : meanSimilarity(scores.similarity());
        Outcome outcome = switch (method) {
            case BON -> Outcome.deterministic(r.clone());
            case RBON_KL -> Outcome.deterministic(rbonKl(r, scores.refLogprobs(), beta));
            case RBON_WD -> Outcome.deterministic(rbonWd(r, m, beta));
            case MBR -> Outcome.deterministic(m.clone());
            case RBON_LEN -> Outcome.deterministic(rbonLen(r, scores.lengths(), beta));
            case SRBON_KL -> srbonKl(r, scores.refLogprobs(), beta);
            case SRBON_WD -> srbonWd(r, scores.similarity(), beta);
            case RANDOM -> new Outcome(new double[r.length], uniform(r.length));
            case SOFT_BON -> softBon(r, beta);
            case BOP -> Outcome.deterministic(r.clone());
            case SELF_CERTAINTY -> Outcome.deterministic(scores.selfCertainty().clone());
        };
        requireFinite(outcome.objectives(), method, beta);
        int chosen = outcome.probabilities() == null
                ? argmaxLowestIndex(outcome.objectives())
                : sample(outcome.probabilities(), rng);
        return new Selection(chosen, outcome.objectives(), outcome.probabilities(), m, r);
    }

    /** RBoN_KL: R_i + beta * l_i, i.e. R - beta KL(1_y ‖ pi_ref) since KL(1_y ‖ pi_ref) = -log pi_ref(y|x). */
    private static double[] rbonKl(double[] r, double[] l, double beta) {
        double[] objective = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            objective[i] = r[i] + beta * l[i];
        }
        return objective;
    }

    /**
     * RBoN_WD (MBR-BoN): R_i + beta * m_i, i.e. R - beta WD(1_y, uniform over the N samples) with cost 1 - S, up to
     * the constant beta. mbr is its beta -> infinity limit and reports m_i (same argmax as sum_j S_ij).
     */
    private static double[] rbonWd(double[] r, double[] m, double beta) {
        double[] objective = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            objective[i] = r[i] + beta * m[i];
        }
        return objective;
    }

    /** RBoN_L: R_i - beta * L_i (the authors' code uses R_i - beta / L_i). */
    private static double[] rbonLen(double[] r, int[] lengths, double beta) {
        double[] objective = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            objective[i] = r[i] - beta * lengths[i];
        }
        return objective;
    }

    /**
     * Soft Best-of-N (Verdun et al. 2025): p_i = softmax(R_i / beta) over the pool, beta the temperature lambda; it
     * tends to the KL-optimal tilted distribution as N grows, to BoN as beta -> 0 and to a uniform draw as beta grows.
     * The objective reported is R_i / beta, the log of the unnormalised p_i.
     */
    private static Outcome softBon(double[] r, double beta) {
        double[] logits = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            logits[i] = r[i] / beta;
        }
        return new Outcome(logits, softmax(logits));
    }

    /**
     * SRBoN_KL: p = argmax_p E_p[R] - beta KL(p ‖ p_ref) over the candidates, p_ref_i ∝ pi_ref(y_i|x), which is
     * p_i ∝ exp(l_i + R_i / beta). The objective reported is l_i + R_i / beta, the log of the unnormalised p_i.
     */
    private static Outcome srbonKl(double[] r, double[] l, double beta) {
        double[] logits = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            logits[i] = l[i] + r[i] / beta;
        }
        return new Outcome(logits, softmax(logits));
    }

    /**
     * SRBoN_WD: p = argmax_p E_p[R] - beta W1(p, q), q uniform over the N samples, cost C_ij = 1 - S_ij. Maximising
     * jointly over p and the transport plan, each reference sample j sends its mass 1/N to
     * argmax_i (R_i - beta C_ij), ties to the lowest i; O(N^2). The objective reported is candidate i's share of the
     * optimum, sum over the j sent to i of (R_i - beta C_ij) / N; the shares sum to E_p[R] - beta W1(p, q), and a
     * candidate that receives no mass has share 0.
     */
    private static Outcome srbonWd(double[] r, double[][] s, double beta) {
        int n = r.length;
        int[] received = new int[n]; // how many reference samples j chose candidate i
        double[] share = new double[n];
        double[] gain = new double[n];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++) {
                gain[i] = r[i] - beta * (1 - s[i][j]);
            }
            int to = argmaxLowestIndex(gain);
            received[to]++;
            share[to] += gain[to];
        }
        double[] p = new double[n];
        for (int i = 0; i < n; i++) {
            p[i] = (double) received[i] / n; // counts, not sums of 1/N: a one-hot p is exactly 1
            share[i] /= n;
        }
        return new Outcome(share, p);
    }

    /** (1/N) sum_j S_ij, j over all N with i included. */
    static double[] meanSimilarity(double[][] s) {
        int n = s.length;
        double[] mean = new double[n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += s[i][j];
            }
            mean[i] = sum / n;
        }
        return mean;
    }

    /** The index of the largest value, the lowest such index on ties. */
    public static int argmaxLowestIndex(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** exp(x_i - logsumexp(x)), computed as exp(x_i - max) / sum_j exp(x_j - max) so nothing overflows. */
    static double[] softmax(double[] logits) {
        double max = logits[argmaxLowestIndex(logits)];
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static double[] uniform(int n) {
        double[] p = new double[n];
        Arrays.fill(p, 1.0 / n);
        return p;
    }

    /**
     * Inverse CDF: the first i with u < p_0 + ... + p_i, u = rng.nextDouble() in [0, 1). Never returns an index
     * with p_i = 0; if rounding leaves the total just under u, returns the last index with p_i > 0.
     */
    static int sample(double[] p, RandomGenerator rng) {
        double u = rng.nextDouble();
        double cumulative = 0;
        int lastPositive = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                cumulative += p[i];
                lastPositive = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        return lastPositive;
    }

    private static void requireFinite(double[] objectives, Method method, double beta) {
        for (int i = 0; i < objectives.length; i++) {
            if (!Double.isFinite(objectives[i])) {
                throw new IllegalArgumentException("beta " + beta + " is out of range for these scores: "
                        + method.wireName() + "'s objective for candidate " + i + " is " + objectives[i]);
            }
        }
    }
}
