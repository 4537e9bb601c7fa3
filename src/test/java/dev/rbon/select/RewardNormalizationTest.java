package dev.rbon.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RewardNormalizationTest {

    private static final double SQRT_1_5 = Math.sqrt(1.5);

    @Test
    void zscoreOfOneTwoThree() {
        // mean 2, population variance (1 + 0 + 1) / 3 = 2/3, z = (R - 2) / sqrt(2/3) = [-sqrt(1.5), 0, sqrt(1.5)]
        double[] z = RewardNormalization.ZSCORE.apply(new double[] {1, 2, 3});
        assertArrayEquals(new double[] {-SQRT_1_5, 0, SQRT_1_5}, z, 1e-15);
    }

    static double[][] equalPools() {
        double[] many = new double[32];
        Arrays.fill(many, 7.3);
        return new double[][] {{5}, {0.1, 0.1, 0.1}, {-1e300, -1e300}, {0, 0}, many};
    }

    @ParameterizedTest
    @MethodSource("equalPools")
    void equalRewardsBecomeZeros(double[] rewards) {
        // 0.1 + 0.1 + 0.1 = 0.30000000000000004, so a naive mean is off by an ulp: zeros must not depend on it
        assertArrayEquals(new double[rewards.length], RewardNormalization.ZSCORE.apply(rewards), 0.0);
    }

    @Test
    void extremeMagnitudesNeitherOverflowNorUnderflow() {
        // squares of 1e300 overflow and squares of 1e-300 underflow in the textbook formula
        assertArrayEquals(new double[] {SQRT_1_5, -SQRT_1_5, 0},
                RewardNormalization.ZSCORE.apply(new double[] {1.5e308, -1.5e308, 0}), 1e-12);
        assertArrayEquals(new double[] {-SQRT_1_5, 0, SQRT_1_5},
                RewardNormalization.ZSCORE.apply(new double[] {1e-300, 2e-300, 3e-300}), 1e-12);
    }

    @Test
    void aTightPoolFarFromZeroKeepsItsShape() {
        double d = Math.scalb(1.0, -30); // 8 ulps of 1e6: the differences are exact
        assertArrayEquals(new double[] {-SQRT_1_5, 0, SQRT_1_5},
                RewardNormalization.ZSCORE.apply(new double[] {1e6, 1e6 + d, 1e6 + 2 * d}), 1e-12);
    }

    @Test
    void zscoreHasMeanZeroAndPopulationStdOne() {
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            SplittableRandom rng = new SplittableRandom(seed);
            int n = 2 + rng.nextInt(31);
            double scale = Math.pow(10, -6 + 12 * rng.nextDouble());
            double shift = -1e3 + 2e3 * rng.nextDouble();
            double[] r = new double[n];
            for (int i = 0; i < n; i++) {
                r[i] = shift + scale * rng.nextGaussian();
            }
            double[] z = RewardNormalization.ZSCORE.apply(r);
            double mean = 0;
            double squares = 0;
            for (double v : z) {
                mean += v / n;
                squares += v * v / n;
            }
            assertEquals(0, mean, 1e-9, "seed " + seed);
            assertEquals(1, Math.sqrt(squares - mean * mean), 1e-9, "seed " + seed);
        }
    }

    @Test
    void zscoreIsInvariantToPositiveAffineMapsAndOddUnderNegation() {
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            double[] r = Pools.random(seed).rewards();
            SplittableRandom rng = new SplittableRandom(seed);
            double a = Math.pow(10, -3 + 6 * rng.nextDouble());
            double b = -50 + 100 * rng.nextDouble();
            double[] mapped = new double[r.length];
            double[] negated = new double[r.length];
            for (int i = 0; i < r.length; i++) {
                mapped[i] = a * r[i] + b;
                negated[i] = -r[i];
            }
            double[] z = RewardNormalization.ZSCORE.apply(r);
            assertArrayEquals(z, RewardNormalization.ZSCORE.apply(mapped), 1e-8, "seed " + seed);
            double[] zNegated = RewardNormalization.ZSCORE.apply(negated);
            for (int i = 0; i < r.length; i++) {
                assertEquals(-z[i], zNegated[i], 1e-12, "seed " + seed);
            }
        }
    }

    @Test
    void applyReturnsANewArrayAndLeavesItsInputAlone() {
        double[] r = {3, 1, 2};
        double[] none = RewardNormalization.NONE.apply(r);
        assertArrayEquals(r, none, 0.0);
        assertNotSame(r, none);
        RewardNormalization.ZSCORE.apply(r);
        assertArrayEquals(new double[] {3, 1, 2}, r, 0.0);
    }

    @Test
    void quantileIsTheRankScaledToZeroOneWithTiesAveraged() {
        assertArrayEquals(new double[] {0.5, 0, 1}, RewardNormalization.QUANTILE.apply(new double[] {2, -7, 40}), 0.0);
        // ranks 0, 1.5, 1.5, 3 (0-based) of 4: ties share their average
        assertArrayEquals(new double[] {1, 0.5, 0, 0.5},
                RewardNormalization.QUANTILE.apply(new double[] {9, 3, 1, 3}), 0.0);
        assertArrayEquals(new double[] {0.5}, RewardNormalization.QUANTILE.apply(new double[] {5}), 0.0);
        assertArrayEquals(new double[] {0.5, 0.5, 0.5},
                RewardNormalization.QUANTILE.apply(new double[] {0.1, 0.1, 0.1}), 0.0);
    }

    /** Any increasing map of the rewards gives the same quantiles; they lie in [0, 1], and the order is kept. */
    @Test
    void quantileIsInvariantToIncreasingMapsAndKeepsTheOrder() {
        SplittableRandom random = new SplittableRandom(9);
        for (int seed = 0; seed < 500; seed++) {
            int n = 1 + random.nextInt(40);
            double[] r = new double[n];
            for (int i = 0; i < n; i++) {
                r[i] = random.nextInt(4) == 0 ? random.nextInt(3) : random.nextDouble(-1e6, 1e6);
            }
            double[] q = RewardNormalization.QUANTILE.apply(r);
            double[] mapped = Arrays.stream(r).map(v -> Math.exp(v / 1e6) * 3 + 1).toArray();
            assertArrayEquals(q, RewardNormalization.QUANTILE.apply(mapped), 0.0, "seed " + seed);
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += q[i];
                for (int j = 0; j < n; j++) {
                    assertEquals(Double.compare(r[i], r[j]), Double.compare(q[i], q[j]), "seed " + seed);
                }
                assertEquals(true, q[i] >= 0 && q[i] <= 1, "seed " + seed);
            }
            assertEquals(n / 2.0, sum, 1e-9, "seed " + seed + ": the ranks average to the middle");
        }
    }
}
