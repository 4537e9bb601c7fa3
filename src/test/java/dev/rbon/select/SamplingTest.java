package dev.rbon.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The inverse-CDF draw, seeded reproducibility, and a chi-square test of sampled frequencies against p. */
class SamplingTest {

    private static final int DRAWS = 20_000;

    /** Chi-square critical values at significance 0.001 for 1..10 degrees of freedom (standard table). */
    private static final double[] CHI2_CRITICAL_0_001 =
            {10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322, 26.124, 27.877, 29.588};

    /**
     * N = 6. srbon_kl at beta 1: logits l + R = [-2.5, -1.0, -3.0, -1.5, -2.0, -4.0], p from 0.019 to 0.38;
     * srbon_wd at beta 3: p = [0, 2, 1, 2, 1, 0] / 6 (worked out below).
     */
    private static final Scores POOL = new Scores(
            new double[] {0.5, 1.0, 2.0, 1.5, 0.0, -1.0},
            new double[] {-3, -2, -5, -3, -2, -3},
            null,
            new double[][] {
                {1.0, 0.9, 0.1, 0.2, 0.6, 0.3},
                {0.9, 1.0, 0.2, 0.1, 0.5, 0.2},
                {0.1, 0.2, 1.0, 0.3, 0.2, 0.1},
                {0.2, 0.1, 0.3, 1.0, 0.4, 0.8},
                {0.6, 0.5, 0.2, 0.4, 1.0, 0.3},
                {0.3, 0.2, 0.1, 0.8, 0.3, 1.0}});

    @Test
    void inverseCdfPicksTheFirstIndexWhoseCumulativeExceedsU() {
        double[] p = {0.25, 0, 0.5, 0.25};
        assertEquals(0, Selector.sample(p, Rngs.fixed(0.0)));
        assertEquals(2, Selector.sample(p, Rngs.fixed(0.25)), "u on a boundary belongs to the next candidate");
        assertEquals(2, Selector.sample(p, Rngs.fixed(0.74)));
        assertEquals(3, Selector.sample(p, Rngs.fixed(0.75)));
        assertEquals(3, Selector.sample(p, Rngs.fixed(Math.nextDown(1.0))));
        assertEquals(2, Selector.sample(new double[] {0, 0, 1}, Rngs.fixed(0.0)), "p = 0 is never drawn");
    }

    @Test
    void roundingShortOfOneFallsBackToTheLastPositiveCandidate() {
        double[] p = {0.5, 0.5 - 1e-15, 0, 0}; // sums to just under 1
        assertEquals(1, Selector.sample(p, Rngs.fixed(Math.nextDown(1.0))));
    }

    @ParameterizedTest
    @EnumSource(names = {"SRBON_KL", "SRBON_WD", "RANDOM", "SOFT_BON"})
    void sameSeedSamePick(Method method) {
        Set<Integer> picks = new HashSet<>();
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            Scores pool = Pools.random(seed);
            Selection first = Selector.select(method, 0.5, RewardNormalization.NONE, pool, new SplittableRandom(seed));
            Selection again = Selector.select(method, 0.5, RewardNormalization.NONE, pool, new SplittableRandom(seed));
            assertEquals(first.chosen(), again.chosen(), "seed " + seed);
            assertArrayEquals(first.probabilities(), again.probabilities(), 0.0, "seed " + seed);
        }
        for (long seed = 0; seed < 50; seed++) {
            picks.add(Selector.select(method, 3, RewardNormalization.NONE, POOL, new SplittableRandom(seed)).chosen());
        }
        assertTrue(picks.size() > 1, "the seed must matter: 50 seeds all picked " + picks);
    }

    @ParameterizedTest
    @EnumSource(names = {"SRBON_KL", "SRBON_WD", "RANDOM", "SOFT_BON"})
    void sampledFrequenciesMatchP(Method method) {
        double beta = method == Method.SRBON_WD ? 3 : 1;
        double[] p = Selector.select(method, beta, RewardNormalization.NONE, POOL, Rngs.fixed(0)).probabilities();
        int[] counts = draw(method, beta, new SplittableRandom(20240601L));
        double chi2 = chiSquare(counts, p);
        double critical = CHI2_CRITICAL_0_001[degreesOfFreedom(p) - 1];
        assertTrue(chi2 < critical, "chi2 " + chi2 + " >= " + critical + " for p " + Arrays.toString(p));
        for (int i = 0; i < p.length; i++) {
            assertTrue(p[i] > 0 || counts[i] == 0, "drew candidate " + i + " whose p is 0");
        }
    }

    @Test
    void theChiSquareTestRejectsTheWrongDistribution() {
        // srbon_kl's frequencies tested against uniform: the test must be able to fail
        double[] uniform = {1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6};
        int[] counts = draw(Method.SRBON_KL, 1, new SplittableRandom(20240601L));
        assertTrue(chiSquare(counts, uniform) > CHI2_CRITICAL_0_001[4]);
    }

    @Test
    void srbonWdPoolHasSeveralDistinctProbabilities() {
        // guards sampledFrequenciesMatchP(SRBON_WD) against a trivial p.
        // beta 3, column j -> argmax_i R_i - 3 (1 - S_ij):
        //   j=0 [0.5, 0.7, -0.7, -0.9, -1.2, -3.1] -> 1    j=1 [0.2, 1.0, -0.4, -1.2, -1.5, -3.4] -> 1
        //   j=2 [-2.2, -1.4, 2.0, -0.6, -2.4, -3.7] -> 2   j=3 [-1.9, -1.7, -0.1, 1.5, -1.8, -1.6] -> 3
        //   j=4 [-0.7, -0.5, -0.4, -0.3, 0.0, -3.1] -> 4   j=5 [-1.6, -1.4, -0.7, 0.9, -2.1, -1.0] -> 3
        double[] p = Selector.select(Method.SRBON_WD, 3, RewardNormalization.NONE, POOL, Rngs.fixed(0)).probabilities();
        assertArrayEquals(new double[] {0, 2.0 / 6, 1.0 / 6, 2.0 / 6, 1.0 / 6, 0}, p, 1e-15);
    }

    private static int[] draw(Method method, double beta, SplittableRandom rng) {
        int[] counts = new int[POOL.size()];
        for (int d = 0; d < DRAWS; d++) {
            counts[Selector.select(method, beta, RewardNormalization.NONE, POOL, rng).chosen()]++;
        }
        return counts;
    }

    /** Pearson's statistic over the candidates with p > 0. */
    private static double chiSquare(int[] counts, double[] p) {
        double chi2 = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                double expected = DRAWS * p[i];
                chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
            }
        }
        return chi2;
    }

    private static int degreesOfFreedom(double[] p) {
        int bins = 0;
        for (double pi : p) {
            bins += pi > 0 ? 1 : 0;
        }
        return bins - 1;
    }
}
