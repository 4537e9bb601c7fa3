package dev.rbon.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ChoiceStatsTest {

    @Test
    void rankCountsTheStrictlyBetterRewards() {
        double[] r = {0.5, 2, 2, -1};
        assertEquals(0, ChoiceStats.rank(r, 1));
        assertEquals(0, ChoiceStats.rank(r, 2), "ties share the rank");
        assertEquals(2, ChoiceStats.rank(r, 0));
        assertEquals(3, ChoiceStats.rank(r, 3));
    }

    @Test
    void bestOfNsKl() {
        assertEquals(0, ChoiceStats.bestOfN(1), 0.0);
        assertEquals(Math.log(2) - 0.5, ChoiceStats.bestOfN(2), 1e-15);
        assertEquals(Math.log(16) - 15.0 / 16, ChoiceStats.bestOfN(16), 1e-15);
    }

    @ParameterizedTest
    @EnumSource(Method.class)
    void everyRuleReportsARankInRangeAndAKlWithinLogN(Method method) {
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            Scores pool = Pools.random(seed);
            double beta = method.beta() == Method.Beta.POSITIVE ? 0.3 : 2;
            Selection s = Selector.select(method, beta, RewardNormalization.NONE, pool, new SplittableRandom(seed));
            ChoiceStats stats = ChoiceStats.of(method, beta, pool, s, pool.size());
            assertTrue(stats.rewardRank() >= 0 && stats.rewardRank() < pool.size(), "seed " + seed);
            if (method == Method.BON || method == Method.BOP) {
                assertEquals(0, stats.rewardRank(), "seed " + seed);
            }
            double logN = Math.log(pool.size());
            // KL(p ‖ p_ref) <= max_i -log p_ref_i; to uniform, log N
            double bound = method == Method.SRBON_KL
                    ? -Math.log(Pools.min(Oracle.softmax(pool.refLogprobs()))) : logN;
            assertTrue(stats.kl() >= 0 && stats.kl() <= bound + 1e-9, method + " seed " + seed + ": " + stats.kl());
        }
    }

    @Test
    void theKlOfEachKindOfRule() {
        Scores pool = Pools.random(new SplittableRandom(4), 8);
        double beta = 0.7;
        assertEquals(ChoiceStats.bestOfN(8), kl(Method.BON, beta, pool), 1e-15);
        assertEquals(ChoiceStats.bestOfN(8), kl(Method.RBON_KL, beta, pool), 1e-15);
        assertEquals(ChoiceStats.bestOfN(8), kl(Method.SELF_CERTAINTY, beta, pool), 1e-15);
        assertEquals(Math.log(8), kl(Method.RBON_WD, beta, pool), 1e-15, "the bound of any pick from 8");
        assertEquals(BestOfPoisson.kl(beta, 8), kl(Method.BOP, beta, pool), 1e-15);
        assertEquals(0, kl(Method.RANDOM, beta, pool), 1e-12, "uniform over the pool");
        double[] p = Selector.select(Method.SOFT_BON, beta, RewardNormalization.NONE, pool, Rngs.fixed(0.5))
                .probabilities();
        double entropy = 0;
        for (double pi : p) {
            entropy -= pi * Math.log(pi);
        }
        assertEquals(Math.log(8) - entropy, kl(Method.SOFT_BON, beta, pool), 1e-12, "KL to uniform");
        double[] q = Selector.select(Method.SRBON_KL, beta, RewardNormalization.NONE, pool, Rngs.fixed(0.5))
                .probabilities();
        double[] ref = Oracle.softmax(pool.refLogprobs());
        double expected = 0;
        for (int i = 0; i < q.length; i++) {
            expected += q[i] * Math.log(q[i] / ref[i]);
        }
        assertEquals(expected, kl(Method.SRBON_KL, beta, pool), 1e-9, "KL to p_ref");
    }

    private static double kl(Method method, double beta, Scores pool) {
        Selection s = Selector.select(method, beta, RewardNormalization.NONE, pool, new SplittableRandom(1));
        return ChoiceStats.of(method, beta, pool, s, pool.size()).kl();
    }
}
