package dev.rbon.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * srbon_wd's closed form against brute force, for N <= 5.
 *
 * <p>max_p E_p[R] - beta W1(p, q) = max over p and over transport plans T with column sums q_j = 1/N of
 * sum_ij T_ij (R_i - beta C_ij): a linear program whose optimum is at a vertex, where each reference sample j sends
 * all its mass to one candidate. So if no such plan (N^N of them) beats the closed form, and the closed form's
 * value is E_p[R] - beta W1(p, q) with the exact W1, the closed form's p is optimal.
 */
class SrbonWdOptimalityTest {

    private static final double EPS = 1e-12;

    @Test
    void noDeterministicTransportPlanBeatsTheClosedForm() {
        int checked = 0;
        for (long seed = 0; seed < 400; seed++) {
            Scores pool = pool(seed);
            if (pool.size() > 5) {
                continue;
            }
            double beta = seed % 7 == 0 ? 0 : Math.pow(10, -2 + 3 * new SplittableRandom(seed).nextDouble());
            Selection s = Selector.select(Method.SRBON_WD, beta, RewardNormalization.NONE, pool, Rngs.fixed(0.5));
            double ours = sum(s.objectives());
            double best = bestPlanValue(pool, beta);
            assertTrue(best <= ours + EPS, "seed " + seed + ": a plan reaches " + best + " > " + ours);
            assertEquals(best, ours, EPS, "seed " + seed + ": the closed form is itself a plan");
            assertEquals(ours, expectedReward(s.probabilities(), pool) - beta * exactW1(s.probabilities(), pool),
                    EPS, "seed " + seed + ": the shares must add up to E_p[R] - beta W1(p, q)");
            checked++;
        }
        assertTrue(checked > 300, "checked only " + checked + " pools");
    }

    /** Continuous pools, tied pools, and pools with an asymmetric S in [-1, 1] (the rule needs neither property). */
    private static Scores pool(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 1 + rng.nextInt(5);
        return switch ((int) (seed % 3)) {
            case 0 -> Pools.random(rng, n);
            case 1 -> Pools.tied(seed);
            default -> asymmetric(rng, n);
        };
    }

    private static Scores asymmetric(SplittableRandom rng, int n) {
        double[] rewards = new double[n];
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) {
            rewards[i] = rng.nextGaussian();
            for (int j = 0; j < n; j++) {
                s[i][j] = -1 + 2 * rng.nextDouble();
            }
        }
        return new Scores(rewards, null, null, s);
    }

    /** max over the N^N plans "sample j goes to candidate to[j]" of (1/N) sum_j (R_to[j] - beta C_to[j],j). */
    private static double bestPlanValue(Scores pool, double beta) {
        int n = pool.size();
        int[] to = new int[n];
        double best = Double.NEGATIVE_INFINITY;
        do {
            double value = 0;
            for (int j = 0; j < n; j++) {
                value += (pool.rewards()[to[j]] - beta * (1 - pool.similarity()[to[j]][j])) / n;
            }
            best = Math.max(best, value);
        } while (nextPlan(to, n));
        return best;
    }

    /** Counts to[] up in base n; false once every plan was visited. */
    private static boolean nextPlan(int[] to, int n) {
        for (int j = 0; j < to.length; j++) {
            if (++to[j] < n) {
                return true;
            }
            to[j] = 0;
        }
        return false;
    }

    private static double expectedReward(double[] p, Scores pool) {
        double e = 0;
        for (int i = 0; i < p.length; i++) {
            e += p[i] * pool.rewards()[i];
        }
        return e;
    }

    /**
     * W1(p, q) for p with masses k_i / N: split p into N atoms of mass 1/N (candidate i repeated k_i times); between
     * two measures of N equal atoms an optimal plan is a permutation (Birkhoff), so try all N! of them.
     */
    private static double exactW1(double[] p, Scores pool) {
        int n = p.length;
        int[] atoms = new int[n];
        int next = 0;
        for (int i = 0; i < n; i++) {
            long k = Math.round(p[i] * n);
            assertEquals(k, p[i] * n, 1e-9, "p must be a multiple of 1/N");
            for (int c = 0; c < k; c++) {
                atoms[next++] = i;
            }
        }
        assertEquals(n, next, "p must sum to 1");
        return minAssignment(atoms, new boolean[n], 0, pool.similarity()) / n;
    }

    /** min over the ways to give atoms[u..] distinct unused reference samples j of sum_u (1 - S_atoms[u], j). */
    private static double minAssignment(int[] atoms, boolean[] used, int u, double[][] s) {
        if (u == atoms.length) {
            return 0;
        }
        double best = Double.POSITIVE_INFINITY;
        for (int j = 0; j < atoms.length; j++) {
            if (!used[j]) {
                used[j] = true;
                best = Math.min(best, (1 - s[atoms[u]][j]) + minAssignment(atoms, used, u + 1, s));
                used[j] = false;
            }
        }
        return best;
    }

    private static double sum(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum;
    }
}
