package dev.rbon.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * Every method on small pools worked out by hand. The main pool, N = 3:
 * <pre>
 *   R = [1.0, 2.0, 1.5]   l = [-2, -6, -3]   L = [4, 10, 6]
 *   S = [[1.0, 0.5, 0.8],      m = (1/3) sum_j S_ij = [2.3/3, 1.7/3, 2.0/3] = [0.7667, 0.5667, 0.6667]
 *        [0.5, 1.0, 0.2],      C = 1 - S = [[0.0, 0.5, 0.2],
 *        [0.8, 0.2, 1.0]]                   [0.5, 0.0, 0.8],
 *                                           [0.2, 0.8, 0.0]]
 * </pre>
 */
class SelectorExamplesTest {

    private static final double EPS = 1e-12;

    private static final Scores POOL = new Scores(
            new double[] {1.0, 2.0, 1.5},
            new double[] {-2, -6, -3},
            new int[] {4, 10, 6},
            new double[][] {{1.0, 0.5, 0.8}, {0.5, 1.0, 0.2}, {0.8, 0.2, 1.0}});

    private static final double[] MEAN_SIMILARITY = {2.3 / 3, 1.7 / 3, 2.0 / 3};

    private static Selection select(Method method, double beta, RandomGenerator rng) {
        return Selector.select(method, beta, RewardNormalization.NONE, POOL, rng);
    }

    private static Selection deterministic(Method method, double beta) {
        Selection s = select(method, beta, Rngs.forbidden());
        assertNull(s.probabilities(), "deterministic methods report no probabilities");
        assertArrayEquals(MEAN_SIMILARITY, s.meanSimilarity(), EPS);
        assertArrayEquals(POOL.rewards(), s.normalizedRewards(), 0.0);
        return s;
    }

    @Test
    void bonPicksTheHighestReward() {
        // objective = R = [1.0, 2.0, 1.5] -> 1, whatever beta is
        Selection s = deterministic(Method.BON, 123.0);
        assertEquals(1, s.chosen());
        assertArrayEquals(new double[] {1.0, 2.0, 1.5}, s.objectives(), EPS);
    }

    @Test
    void rbonKlAddsBetaTimesTheReferenceLogprob() {
        // beta 0.1:  R + 0.1 l  = [1 - 0.2, 2 - 0.6, 1.5 - 0.3]  = [0.8, 1.4, 1.2]  -> 1
        Selection small = deterministic(Method.RBON_KL, 0.1);
        assertArrayEquals(new double[] {0.8, 1.4, 1.2}, small.objectives(), EPS);
        assertEquals(1, small.chosen());
        // beta 0.25: R + 0.25 l = [1 - 0.5, 2 - 1.5, 1.5 - 0.75] = [0.5, 0.5, 0.75] -> 2
        Selection larger = deterministic(Method.RBON_KL, 0.25);
        assertArrayEquals(new double[] {0.5, 0.5, 0.75}, larger.objectives(), EPS);
        assertEquals(2, larger.chosen());
        // beta 0.5:  R + 0.5 l  = [1 - 1, 2 - 3, 1.5 - 1.5]      = [0, -1, 0] (exact) -> tie of 0 and 2 -> 0
        assertEquals(0, deterministic(Method.RBON_KL, 0.5).chosen());
    }

    @Test
    void rbonWdAddsBetaTimesTheMeanSimilarity() {
        // beta 3: R + 3 m = [1 + 2.3, 2 + 1.7, 1.5 + 2.0] = [3.3, 3.7, 3.5] -> 1
        Selection three = deterministic(Method.RBON_WD, 3);
        assertArrayEquals(new double[] {3.3, 3.7, 3.5}, three.objectives(), EPS);
        assertEquals(1, three.chosen());
        // beta 6: R + 6 m = [1 + 4.6, 2 + 3.4, 1.5 + 4.0] = [5.6, 5.4, 5.5] -> 0
        Selection six = deterministic(Method.RBON_WD, 6);
        assertArrayEquals(new double[] {5.6, 5.4, 5.5}, six.objectives(), EPS);
        assertEquals(0, six.chosen());
    }

    @Test
    void mbrPicksTheHighestMeanSimilarity() {
        // objective = m = [0.7667, 0.5667, 0.6667] -> 0, whatever beta is
        Selection s = deterministic(Method.MBR, -5);
        assertArrayEquals(MEAN_SIMILARITY, s.objectives(), EPS);
        assertEquals(0, s.chosen());
    }

    @Test
    void rbonLenSubtractsBetaTimesTheLength() {
        // beta 0.1:  R - 0.1 L  = [1 - 0.4, 2 - 1.0, 1.5 - 0.6] = [0.6, 1.0, 0.9] -> 1
        Selection small = deterministic(Method.RBON_LEN, 0.1);
        assertArrayEquals(new double[] {0.6, 1.0, 0.9}, small.objectives(), EPS);
        assertEquals(1, small.chosen());
        // beta 0.2:  R - 0.2 L  = [1 - 0.8, 2 - 2.0, 1.5 - 1.2] = [0.2, 0.0, 0.3] -> 2
        Selection larger = deterministic(Method.RBON_LEN, 0.2);
        assertArrayEquals(new double[] {0.2, 0.0, 0.3}, larger.objectives(), EPS);
        assertEquals(2, larger.chosen());
        // beta 0.25: R - 0.25 L = [1 - 1, 2 - 2.5, 1.5 - 1.5]   = [0, -0.5, 0] (exact) -> tie of 0 and 2 -> 0
        assertEquals(0, deterministic(Method.RBON_LEN, 0.25).chosen());
    }

    @Test
    void srbonKlIsASoftmaxOfLogprobPlusRewardOverBeta() {
        // beta 1: logits l + R = [-1, -4, -1.5]; relative to the max: [0, -3, -0.5]
        // Z = 1 + e^-3 + e^-0.5 = 1.656318; p = [1, e^-3, e^-0.5] / Z = [0.603749, 0.030059, 0.366192]
        // CDF = [0.603749, 0.633808, 1]
        double z = 1 + Math.exp(-3) + Math.exp(-0.5);
        double[] p = {1 / z, Math.exp(-3) / z, Math.exp(-0.5) / z};
        Selection s = select(Method.SRBON_KL, 1, Rngs.fixed(0.60));
        assertArrayEquals(new double[] {-1, -4, -1.5}, s.objectives(), EPS);
        assertArrayEquals(p, s.probabilities(), EPS);
        assertEquals(0, s.chosen()); // u = 0.60 < 0.603749
        assertEquals(1, select(Method.SRBON_KL, 1, Rngs.fixed(0.62)).chosen()); // 0.603749 <= 0.62 < 0.633808
        assertEquals(2, select(Method.SRBON_KL, 1, Rngs.fixed(0.64)).chosen()); // 0.633808 <= 0.64
        // beta 0.5: logits l + 2R = [0, -2, 0]; p = [1, e^-2, 1] / (2 + e^-2) = [0.468311, 0.063379, 0.468311]
        double z2 = 2 + Math.exp(-2);
        Selection half = select(Method.SRBON_KL, 0.5, Rngs.fixed(0.5));
        assertArrayEquals(new double[] {1 / z2, Math.exp(-2) / z2, 1 / z2}, half.probabilities(), EPS);
        assertEquals(1, half.chosen()); // 0.468311 <= 0.5 < 0.531689
    }

    @Test
    void srbonWdSendsEachReferenceSampleToItsBestCandidate() {
        // beta 1, gains R_i - C_ij per column j:
        //   j = 0: [1 - 0.0, 2 - 0.5, 1.5 - 0.2] = [1.0, 1.5, 1.3] -> 1
        //   j = 1: [1 - 0.5, 2 - 0.0, 1.5 - 0.8] = [0.5, 2.0, 0.7] -> 1
        //   j = 2: [1 - 0.2, 2 - 0.8, 1.5 - 0.0] = [0.8, 1.2, 1.5] -> 2
        // p = [0, 2/3, 1/3]; shares = [0, (1.5 + 2.0)/3, 1.5/3]; total 5/3 = E_p[R] 5.5/3 - W1 0.5/3
        Selection s = select(Method.SRBON_WD, 1, Rngs.fixed(0.0));
        assertArrayEquals(new double[] {0, 2.0 / 3, 1.0 / 3}, s.probabilities(), EPS);
        assertArrayEquals(new double[] {0, 3.5 / 3, 1.5 / 3}, s.objectives(), EPS);
        assertEquals(1, s.chosen()); // u = 0 skips candidate 0, whose p is 0
        assertEquals(2, select(Method.SRBON_WD, 1, Rngs.fixed(0.7)).chosen()); // CDF [0, 2/3, 1]
        // beta 3, gains R_i - 3 C_ij: j = 0: [1.0, 0.5, 0.9] -> 0; j = 1: [-0.5, 2.0, -0.9] -> 1;
        // j = 2: [0.4, -0.4, 1.5] -> 2. Each j keeps its own mass: p uniform, shares R_j / 3
        Selection three = select(Method.SRBON_WD, 3, Rngs.fixed(0.5));
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}, three.probabilities(), EPS);
        assertArrayEquals(new double[] {1.0 / 3, 2.0 / 3, 1.5 / 3}, three.objectives(), EPS);
        // beta 0: every j goes to argmax R = 1; p = [0, 1, 0], share of 1 = (2 + 2 + 2)/3 = 2
        Selection zero = select(Method.SRBON_WD, 0, Rngs.fixed(0.99));
        assertArrayEquals(new double[] {0, 1, 0}, zero.probabilities(), EPS);
        assertArrayEquals(new double[] {0, 2, 0}, zero.objectives(), EPS);
        assertEquals(1, zero.chosen());
    }

    @Test
    void srbonWdBreaksATieBetweenDestinationsTowardTheLowestIndex() {
        // R = [1, 1.5], S = [[1, 0.5], [0.5, 1]], beta 1. j = 0: gains [1 - 0, 1.5 - 0.5] = [1, 1] -> tie -> 0;
        // j = 1: gains [1 - 0.5, 1.5 - 0] = [0.5, 1.5] -> 1. p = [1/2, 1/2]
        Scores tie = new Scores(new double[] {1, 1.5}, null, null, new double[][] {{1, 0.5}, {0.5, 1}});
        Selection s = Selector.select(Method.SRBON_WD, 1, RewardNormalization.NONE, tie, Rngs.fixed(0.25));
        assertArrayEquals(new double[] {0.5, 0.5}, s.probabilities(), EPS);
        assertArrayEquals(new double[] {0.5, 0.75}, s.objectives(), EPS);
        assertEquals(0, s.chosen());
    }

    @Test
    void randomIsUniformWithAZeroObjective() {
        // N = 4: p = 1/4 each, CDF [0.25, 0.5, 0.75, 1]; u = 0.5 -> 2 (u < CDF is strict), u = 0.3 -> 1
        Scores four = Scores.ofRewards(9, 8, 7, 6);
        Selection s = Selector.select(Method.RANDOM, 0, RewardNormalization.NONE, four, Rngs.fixed(0.5));
        assertArrayEquals(new double[] {0.25, 0.25, 0.25, 0.25}, s.probabilities(), 0.0);
        assertArrayEquals(new double[4], s.objectives(), 0.0);
        assertNull(s.meanSimilarity());
        assertEquals(2, s.chosen());
        assertEquals(1, Selector.select(Method.RANDOM, 0, RewardNormalization.NONE, four, Rngs.fixed(0.3)).chosen());
    }

    @Test
    void zscoreChangesWhatBetaMeans() {
        // R = [1, 2, 3], l = [-1, -3, -5], beta 0.5. Raw: R + 0.5 l = [0.5, 0.5, 0.5] (exact) -> tie -> 0.
        // zscore: mean 2, population std sqrt(2/3), z = [-sqrt(1.5), 0, sqrt(1.5)] = [-1.2247, 0, 1.2247];
        // z + 0.5 l = [-1.7247, -1.5, -1.2753] -> 2
        Scores pool = new Scores(new double[] {1, 2, 3}, new double[] {-1, -3, -5}, null, null);
        Selection raw = Selector.select(Method.RBON_KL, 0.5, RewardNormalization.NONE, pool, null);
        assertEquals(0, raw.chosen());
        Selection z = Selector.select(Method.RBON_KL, 0.5, RewardNormalization.ZSCORE, pool, null);
        double r = Math.sqrt(1.5);
        assertArrayEquals(new double[] {-r, 0, r}, z.normalizedRewards(), EPS);
        assertArrayEquals(new double[] {-r - 0.5, -1.5, r - 2.5}, z.objectives(), EPS);
        assertEquals(2, z.chosen());
        assertArrayEquals(new double[] {1, 2, 3}, pool.rewards(), 0.0, "the input is not modified");
    }

    @Test
    void aSingleCandidateIsAlwaysChosen() {
        Scores one = new Scores(new double[] {-3}, new double[] {-7}, new int[] {5}, new double[][] {{1}},
                new double[] {2});
        for (Method m : Method.values()) {
            double beta = m.beta() == Method.Beta.POSITIVE ? 0.5 : 0.0;
            Selection s = Selector.select(m, beta, RewardNormalization.ZSCORE, one, Rngs.fixed(0.9));
            assertEquals(0, s.chosen(), m.wireName());
            assertArrayEquals(new double[] {0}, s.normalizedRewards(), 0.0, "one reward z-scores to 0");
            if (m.stochastic()) {
                assertArrayEquals(new double[] {1}, s.probabilities(), 0.0, m.wireName());
            }
        }
    }

    @Test
    void softBonIsTheSoftmaxOfTheRewardsOverBeta() {
        Scores pool = Scores.ofRewards(1, 2, 4);
        // beta 1: exp(1), exp(2), exp(4) over their sum = 0.0420, 0.1142, 0.8438
        Selection s = Selector.select(Method.SOFT_BON, 1, RewardNormalization.NONE, pool, Rngs.fixed(0.1));
        assertArrayEquals(new double[] {1, 2, 4}, s.objectives(), 0.0);
        assertArrayEquals(new double[] {0.04201, 0.11420, 0.84379}, s.probabilities(), 1e-5);
        assertEquals(1, s.chosen(), "0.042 <= 0.1 < 0.156");
        double[] sharp = Selector.select(Method.SOFT_BON, 1e-3, RewardNormalization.NONE, pool, Rngs.fixed(0.5))
                .probabilities();
        assertArrayEquals(new double[] {0, 0, 1}, sharp, 1e-12, "beta -> 0 is BoN");
        double[] flat = Selector.select(Method.SOFT_BON, 1e9, RewardNormalization.NONE, pool, Rngs.fixed(0.5))
                .probabilities();
        assertArrayEquals(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, flat, 1e-8, "beta -> infinity is uniform");
    }
}
