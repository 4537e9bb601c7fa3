package dev.rbon.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Properties of the rules over {@link Pools#COUNT} seeded random pools each; a failure names the pool's seed. */
class SelectorPropertiesTest {

    private static Selection select(Method method, double beta, Scores scores) {
        return Selector.select(method, beta, RewardNormalization.NONE, scores, new SplittableRandom(7));
    }

    @ParameterizedTest
    @EnumSource(names = {"RBON_KL", "RBON_WD", "RBON_LEN"})
    void betaZeroIsBestOfN(Method method) {
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            Scores pool = seed % 2 == 0 ? Pools.random(seed) : Pools.tied(seed);
            assertEquals(select(Method.BON, 0, pool).chosen(), select(method, 0, pool).chosen(), "seed " + seed);
        }
    }

    @Test
    void largeBetaTurnsRbonWdIntoMbrAndRbonKlIntoArgmaxLogprob() {
        double beta = 1e6;
        int sameIndex = 0;
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            Scores pool = Pools.random(seed);
            double rewardRange = Pools.max(pool.rewards()) - Pools.min(pool.rewards());
            double[] m = Selector.meanSimilarity(pool.similarity());
            double[] l = pool.refLogprobs();
            int wd = select(Method.RBON_WD, beta, pool).chosen();
            int kl = select(Method.RBON_KL, beta, pool).chosen();
            // R_c + beta x_c >= R_k + beta x_k for all k, so x_c >= max x - (R range) / beta
            assertTrue(m[wd] >= Pools.max(m) - rewardRange / beta - 1e-12, "seed " + seed);
            assertTrue(l[kl] >= Pools.max(l) - rewardRange / beta - 1e-9, "seed " + seed);
            if (Pools.topGap(m) > rewardRange / beta && Pools.topGap(l) > rewardRange / beta) {
                assertEquals(select(Method.MBR, 0, pool).chosen(), wd, "seed " + seed);
                assertEquals(Selector.argmaxLowestIndex(l), kl, "seed " + seed);
                sameIndex++;
            }
        }
        assertTrue(sameIndex > Pools.COUNT * 9 / 10, "too few pools with a clear maximiser: " + sameIndex);
    }

    @ParameterizedTest
    @EnumSource(names = {"SRBON_KL", "SRBON_WD", "RANDOM", "SOFT_BON"})
    void stochasticMethodsReturnADistributionAndDrawFromItsSupport(Method method) {
        SplittableRandom betas = new SplittableRandom(99);
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            Scores pool = seed % 5 == 0 ? Pools.tied(seed) : Pools.random(seed);
            double beta = Math.pow(10, -3 + 6 * betas.nextDouble()); // log-uniform in [1e-3, 1e3]
            Selection s = select(method, beta, pool);
            double sum = 0;
            for (double p : s.probabilities()) {
                assertTrue(p >= 0 && p <= 1, "seed " + seed + ": p = " + p);
                sum += p;
            }
            assertEquals(1.0, sum, 1e-9, "seed " + seed);
            assertTrue(s.probabilities()[s.chosen()] > 0, "seed " + seed + " drew a candidate with p = 0");
        }
    }

    @Test
    void srbonKlTendsToBestOfNAsBetaGoesToZero() {
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            Scores pool = Pools.random(seed);
            int bon = select(Method.BON, 0, pool).chosen();
            double gap = pool.size() == 1 ? 1 : Pools.topGap(pool.rewards()); // > 0: continuous rewards differ
            double logprobRange = Pools.max(pool.refLogprobs()) - Pools.min(pool.refLogprobs());
            // p_k / p_bon = exp(l_k - l_bon - (R_bon - R_k) / beta): each ratio falls as beta falls
            double previous = 0;
            for (double beta = 10; beta > gap / (logprobRange + 800); beta /= 4) {
                double pBon = select(Method.SRBON_KL, beta, pool).probabilities()[bon];
                assertTrue(pBon >= previous - 1e-15, "seed " + seed + ": p(bon) fell at beta " + beta);
                previous = pBon;
            }
            // below gap / (l range + 800) every other ratio is under e^-800, which underflows to 0
            Selection limit = select(Method.SRBON_KL, gap / (logprobRange + 800), pool);
            assertEquals(1.0, limit.probabilities()[bon], 0.0, "seed " + seed);
            assertEquals(bon, limit.chosen(), "seed " + seed);
        }
    }

    @Test
    void srbonWdAtBetaZeroPutsAllMassOnBestOfNsPick() {
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            Scores pool = seed % 2 == 0 ? Pools.random(seed) : Pools.tied(seed);
            int bon = select(Method.BON, 0, pool).chosen();
            Selection s = select(Method.SRBON_WD, 0, pool);
            assertEquals(1.0, s.probabilities()[bon], 0.0, "seed " + seed);
            assertEquals(bon, s.chosen(), "seed " + seed);
        }
    }

    @Test
    void srbonWdAtLargeBetaIsUniformWhenEachSampleIsClosestToItself() {
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            Scores pool = Pools.random(seed); // S_ii = 1, S_ij < 1 off the diagonal
            int n = pool.size();
            double minCost = Double.POSITIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    minCost = i == j ? minCost : Math.min(minCost, 1 - pool.similarity()[i][j]);
                }
            }
            // then beta C_ij > R_i - R_j for every i != j: each j keeps its own mass 1/N
            double rewardRange = Pools.max(pool.rewards()) - Pools.min(pool.rewards());
            double beta = n == 1 ? 1 : 2 * (rewardRange + 1) / minCost;
            Selection s = select(Method.SRBON_WD, beta, pool);
            for (int i = 0; i < n; i++) {
                assertEquals(1.0 / n, s.probabilities()[i], 1e-15, "seed " + seed);
                assertEquals(pool.rewards()[i] / n, s.objectives()[i], 1e-12, "seed " + seed);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"BON", "RBON_KL", "RBON_WD", "MBR", "RBON_LEN"})
    void deterministicMethodsPickTheLowestIndexOfTheMaximumObjective(Method method) {
        int ties = 0;
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            Scores pool = Pools.tied(seed);
            double beta = 0.5 * (seed % 5); // 0, 0.5, 1, 1.5, 2: every objective stays exact in binary
            Selection s = Selector.select(method, beta, RewardNormalization.NONE, pool, Rngs.forbidden());
            double[] expected = Oracle.objectives(method, beta, pool.rewards(), pool);
            assertArrayEquals(expected, s.objectives(), 0.0, "seed " + seed);
            double max = Pools.max(expected);
            int first = 0;
            while (expected[first] != max) {
                first++;
            }
            assertEquals(first, s.chosen(), "seed " + seed);
            ties += Pools.topGap(expected) == 0 ? 1 : 0;
        }
        assertTrue(ties > 50, "the tied pools should tie at the top often, did " + ties + " times");
    }

    @ParameterizedTest
    @EnumSource(Method.class)
    void objectivesMeanSimilarityAndProbabilitiesAreAsDefined(Method method) {
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            Scores pool = Pools.random(seed);
            double beta = 0.01 + seed % 7;
            Selection s = select(method, beta, pool);
            assertArrayEquals(Oracle.objectives(method, beta, pool.rewards(), pool), s.objectives(), 1e-12,
                    "seed " + seed);
            assertArrayEquals(Oracle.meanSimilarity(pool.similarity()), s.meanSimilarity(), 1e-12, "seed " + seed);
            if (method == Method.SRBON_KL || method == Method.SOFT_BON) {
                assertArrayEquals(Oracle.softmax(s.objectives()), s.probabilities(), 1e-12, "seed " + seed);
            }
            assertEquals(method.stochastic(), s.probabilities() != null, "seed " + seed);
            assertNotSame(pool.rewards(), s.normalizedRewards());
        }
    }

    /** (R, beta) -> (aR + b, a beta) with a > 0 multiplies every objective's R-part by a: nothing changes. */
    @ParameterizedTest
    @EnumSource(Method.class)
    void rawRewardsAreEquivariantUnderAffineMapsWithBetaScaled(Method method) {
        SplittableRandom affine = new SplittableRandom(5);
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            Scores pool = Pools.random(seed);
            double a = Math.pow(10, -1 + 2 * affine.nextDouble());
            double b = -10 + 20 * affine.nextDouble();
            double beta = 0.05 + 2 * affine.nextDouble();
            Selection before = select(method, beta, pool);
            Selection after = select(method, a * beta, Oracle.affine(pool, a, b));
            assertEquals(before.chosen(), after.chosen(), "seed " + seed);
            if (method.stochastic()) {
                assertArrayEquals(before.probabilities(), after.probabilities(), 1e-9, "seed " + seed);
            }
        }
    }

    /** zscore(aR + b) = zscore(R) for a > 0: with zscore, beta means the same for any reward scale. */
    @ParameterizedTest
    @EnumSource(Method.class)
    void zscoreMakesSelectionInvariantToAffineRewardMaps(Method method) {
        SplittableRandom affine = new SplittableRandom(6);
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            Scores pool = Pools.random(seed);
            double a = Math.pow(10, -2 + 4 * affine.nextDouble());
            double b = -100 + 200 * affine.nextDouble();
            double beta = 0.05 + 2 * affine.nextDouble();
            RandomGenerator rng1 = new SplittableRandom(seed);
            RandomGenerator rng2 = new SplittableRandom(seed);
            Selection before = Selector.select(method, beta, RewardNormalization.ZSCORE, pool, rng1);
            Scores mapped = Oracle.affine(pool, a, b);
            Selection after = Selector.select(method, beta, RewardNormalization.ZSCORE, mapped, rng2);
            assertEquals(before.chosen(), after.chosen(), "seed " + seed);
            assertArrayEquals(before.normalizedRewards(), after.normalizedRewards(), 1e-9, "seed " + seed);
            if (method.stochastic()) {
                assertArrayEquals(before.probabilities(), after.probabilities(), 1e-9, "seed " + seed);
            }
        }
    }
}
