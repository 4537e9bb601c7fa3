package dev.rbon.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** kl_budget over {@link Pools#COUNT} seeded pools: the KL is met, as an independent computation reads it. */
class KlBudgetTest {

    /** KL(p ‖ p_ref) from the selector's own probabilities, the reference written out again. */
    private static double klOfSelection(Method method, double beta, Scores pool) {
        double[] p = Selector.select(method, beta, RewardNormalization.NONE, pool, new SplittableRandom(1))
                .probabilities();
        double[] ref = method == Method.SRBON_KL ? Oracle.softmax(pool.refLogprobs()) : uniform(pool.size());
        double kl = 0;
        for (int i = 0; i < p.length; i++) {
            kl += p[i] > 0 ? p[i] * Math.log(p[i] / ref[i]) : 0;
        }
        return kl;
    }

    private static double[] uniform(int n) {
        double[] u = new double[n];
        java.util.Arrays.fill(u, 1.0 / n);
        return u;
    }

    @ParameterizedTest
    @EnumSource(names = {"SRBON_KL", "SOFT_BON"})
    void theSolvedBetaMeetsTheBudget(Method method) {
        SplittableRandom budgets = new SplittableRandom(3);
        int met = 0;
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            Scores pool = Pools.random(seed);
            double sharpest = klOfSelection(method, 1e-9, pool);
            double budget = sharpest * budgets.nextDouble();
            KlBudget.Solved solved = KlBudget.solve(method, budget, RewardNormalization.NONE, pool);
            double reached = klOfSelection(method, solved.beta(), pool);
            assertEquals(reached, solved.kl(), 1e-9, "the KL reported is the selection's, seed " + seed);
            if (pool.size() > 1) {
                assertEquals(budget, reached, 1e-6 * Math.max(1, budget), "seed " + seed);
                met++;
            }
        }
        assertTrue(met > Pools.COUNT * 9 / 10, "pools of more than one: " + met);
    }

    @ParameterizedTest
    @EnumSource(names = {"SRBON_KL", "SOFT_BON"})
    void aLargerBudgetAllowsASmallerBeta(Method method) {
        for (long seed = 0; seed < 100; seed++) {
            Scores pool = Pools.random(new SplittableRandom(seed), 16);
            double previous = Double.POSITIVE_INFINITY;
            double sharpest = klOfSelection(method, 1e-9, pool);
            for (double budget = 0.05; budget < sharpest; budget += 0.1) {
                double beta = KlBudget.solve(method, budget, RewardNormalization.NONE, pool).beta();
                assertTrue(beta < previous, "seed " + seed + " budget " + budget);
                previous = beta;
            }
        }
    }

    @Test
    void limits() {
        Scores pool = Scores.ofRewards(0, 1, 3);
        KlBudget.Solved all = KlBudget.solve(Method.SOFT_BON, 50, RewardNormalization.NONE, pool);
        assertEquals(Math.log(3), all.kl(), 1e-9, "a budget over the argmax's KL gives the argmax");
        assertEquals(3e-6, all.beta(), 1e-15);
        KlBudget.Solved none = KlBudget.solve(Method.SOFT_BON, 0, RewardNormalization.NONE, pool);
        assertEquals(0, none.kl(), 1e-9);
        assertEquals(new KlBudget.Solved(1, 0), KlBudget.solve(Method.SOFT_BON, 0.3, RewardNormalization.NONE,
                Scores.ofRewards(2, 2, 2)), "equal rewards: KL 0 at every beta");
        Scores normalized = Scores.ofRewards(10, 20, 40);
        assertEquals(KlBudget.solve(Method.SOFT_BON, 0.4, RewardNormalization.ZSCORE, normalized).kl(),
                KlBudget.solve(Method.SOFT_BON, 0.4, RewardNormalization.ZSCORE,
                        Scores.ofRewards(1, 2, 4)).kl(), 1e-9, "the budget is met on the normalized rewards");
    }

    @Test
    void refusesOtherMethodsAndBadBudgets() {
        Scores pool = Scores.ofRewards(0, 1);
        assertThrows(IllegalArgumentException.class, () -> KlBudget.solve(Method.BON, 1, RewardNormalization.NONE,
                pool));
        assertThrows(IllegalArgumentException.class, () -> KlBudget.solve(Method.BOP, 1, RewardNormalization.NONE,
                pool));
        for (double bad : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class,
                    () -> KlBudget.solve(Method.SOFT_BON, bad, RewardNormalization.NONE, pool));
        }
        assertThrows(IllegalArgumentException.class,
                () -> KlBudget.solve(Method.SRBON_KL, 1, RewardNormalization.NONE, pool), "needs l");
    }
}
