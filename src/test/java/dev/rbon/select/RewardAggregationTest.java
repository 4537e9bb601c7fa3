package dev.rbon.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RewardAggregationTest {

    private static final RewardAggregation[] ALL = RewardAggregation.values();

    /**
     * K in 1..6 members scoring the same seeded pool (Pools.random's rewards): each member is the pool's rewards
     * times a positive scale plus an offset plus noise, as different reward models of one task disagree.
     */
    static double[][] ensemble(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] base = Pools.random(seed).rewards();
        int k = 1 + rng.nextInt(6);
        double[][] byMember = new double[k][base.length];
        for (int m = 0; m < k; m++) {
            double scale = 0.25 + 2 * rng.nextDouble();
            double offset = -3 + 6 * rng.nextDouble();
            for (int i = 0; i < base.length; i++) {
                byMember[m][i] = scale * base[i] + offset + 0.5 * rng.nextGaussian();
            }
        }
        return byMember;
    }

    /** The textbook two-pass formulas, for comparison. */
    private static double[] naive(double[][] byMember, int i) {
        int k = byMember.length;
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        for (double[] member : byMember) {
            sum += member[i];
            min = Math.min(min, member[i]);
        }
        double mean = sum / k;
        double squares = 0;
        for (double[] member : byMember) {
            squares += (member[i] - mean) * (member[i] - mean);
        }
        return new double[] {mean, min, Math.sqrt(squares / k)};
    }

    @Test
    void wireNames() {
        assertSame(RewardAggregation.MEAN, RewardAggregation.fromWire("mean"));
        assertSame(RewardAggregation.MIN, RewardAggregation.fromWire("min"));
        assertSame(RewardAggregation.MEAN_MINUS_STD, RewardAggregation.fromWire("mean_minus_std"));
        assertEquals("mean_minus_std", RewardAggregation.MEAN_MINUS_STD.wireName());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RewardAggregation.fromWire("MEAN"));
        assertEquals("unknown reward_aggregation 'MEAN'; expected one of mean, min, mean_minus_std", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RewardAggregation.fromWire(null));
        assertTrue(RewardAggregation.MEAN_MINUS_STD.readsStdWeight());
        assertTrue(!RewardAggregation.MEAN.readsStdWeight() && !RewardAggregation.MIN.readsStdWeight());
    }

    @Test
    void threeMembersByHand() {
        // one candidate scored 1, 2, 3: mean 2, min 1, population std sqrt(2/3)
        double[][] byMember = {{1, 10}, {2, 10}, {3, 10}};
        assertArrayEquals(new double[] {2, 10}, RewardAggregation.MEAN.apply(byMember, 5), 0.0);
        assertArrayEquals(new double[] {1, 10}, RewardAggregation.MIN.apply(byMember, 5), 0.0);
        assertArrayEquals(new double[] {2 - 0.5 * Math.sqrt(2.0 / 3), 10},
                RewardAggregation.MEAN_MINUS_STD.apply(byMember, 0.5), 1e-15);
    }

    @Test
    void oneMemberIsItsOwnRewardsExactlyUnderEveryAggregation() {
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            double[] rewards = Pools.random(seed).rewards();
            double w = new SplittableRandom(seed).nextDouble() * 1e6;
            for (RewardAggregation a : ALL) {
                assertArrayEquals(rewards, a.apply(new double[][] {rewards}, w), 0.0, a + " seed " + seed);
            }
        }
    }

    @Test
    void equalMembersGiveTheirValueExactlyAndNoPenalty() {
        double[] tenths = {0.1, -0.7, 1e-300, 1e300, -0.0};
        for (int k = 1; k <= 7; k++) {
            double[][] byMember = new double[k][];
            for (int m = 0; m < k; m++) {
                byMember[m] = tenths.clone();
            }
            for (RewardAggregation a : ALL) {
                assertArrayEquals(tenths, a.apply(byMember, 3), 0.0, a + " with " + k + " equal members");
            }
        }
    }

    @Test
    void meanMinAndStdMatchTheTextbookFormulas() {
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            double[][] byMember = ensemble(seed);
            double w = 4 * new SplittableRandom(~seed).nextDouble();
            double[] mean = RewardAggregation.MEAN.apply(byMember, w);
            double[] min = RewardAggregation.MIN.apply(byMember, w);
            double[] penalised = RewardAggregation.MEAN_MINUS_STD.apply(byMember, w);
            for (int i = 0; i < mean.length; i++) {
                double[] expected = naive(byMember, i);
                assertEquals(expected[0], mean[i], 1e-12, "seed " + seed);
                assertEquals(expected[1], min[i], 0.0, "seed " + seed);
                assertEquals(expected[0] - w * expected[2], penalised[i], 1e-12, "seed " + seed);
            }
        }
    }

    @Test
    void orderedLimits() {
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            double[][] byMember = ensemble(seed);
            double[] mean = RewardAggregation.MEAN.apply(byMember, 0);
            double[] min = RewardAggregation.MIN.apply(byMember, 0);
            double[] wZero = RewardAggregation.MEAN_MINUS_STD.apply(byMember, 0);
            double[] wOne = RewardAggregation.MEAN_MINUS_STD.apply(byMember, 1);
            double[] wTwo = RewardAggregation.MEAN_MINUS_STD.apply(byMember, 2);
            assertArrayEquals(mean, wZero, 0.0, "w = 0 is the mean, seed " + seed);
            for (int i = 0; i < mean.length; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (double[] member : byMember) {
                    max = Math.max(max, member[i]);
                }
                assertTrue(min[i] <= mean[i] && mean[i] <= max, "min <= mean <= max, seed " + seed);
                assertTrue(wTwo[i] <= wOne[i] && wOne[i] <= mean[i], "the penalty grows with w, seed " + seed);
                // std <= (max - min) / 2 for any population, so the mean - std never falls below the min by more
                assertTrue(wOne[i] >= mean[i] - (max - min[i]) / 2 - 1e-12, "seed " + seed);
            }
        }
    }

    /** R -> a R + b (a > 0) commutes with every aggregation; the order of the members does not matter. */
    @Test
    void equivariantToPositiveAffineMapsAndInvariantToMemberOrder() {
        for (long seed = 0; seed < Pools.COUNT; seed++) {
            double[][] byMember = ensemble(seed);
            SplittableRandom rng = new SplittableRandom(seed + 1);
            double a = Math.pow(10, -2 + 4 * rng.nextDouble());
            double b = -50 + 100 * rng.nextDouble();
            int k = byMember.length;
            double[][] mapped = new double[k][];
            double[][] reversed = new double[k][];
            for (int m = 0; m < k; m++) {
                mapped[m] = java.util.Arrays.stream(byMember[m]).map(r -> a * r + b).toArray();
                reversed[m] = byMember[k - 1 - m];
            }
            for (RewardAggregation agg : ALL) {
                double[] plain = agg.apply(byMember, 1.5);
                double[] after = agg.apply(mapped, 1.5);
                for (int i = 0; i < plain.length; i++) {
                    assertEquals(a * plain[i] + b, after[i], 1e-9 * Math.max(1, Math.abs(after[i])),
                            agg + " seed " + seed);
                }
                assertArrayEquals(plain, agg.apply(reversed, 1.5), 1e-12, agg + " seed " + seed);
            }
        }
    }

    @Test
    void extremeMagnitudesDoNotOverflowUntilTheWeightDoes() {
        double[][] byMember = {{1.5e308}, {-1.5e308}};
        assertArrayEquals(new double[] {0}, RewardAggregation.MEAN.apply(byMember, 1), 0.0);
        assertArrayEquals(new double[] {-1.5e308}, RewardAggregation.MEAN_MINUS_STD.apply(byMember, 1), 1e294);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RewardAggregation.MEAN_MINUS_STD.apply(byMember, 2));
        assertTrue(e.getMessage().startsWith("reward_std_weight 2.0 x the members' std"), e.getMessage());
        double[][] tiny = {{1e-300}, {3e-300}};
        assertArrayEquals(new double[] {2e-300 - 1e-300}, RewardAggregation.MEAN_MINUS_STD.apply(tiny, 1), 1e-312);
    }

    @Test
    void applyReturnsANewArrayAndLeavesItsInputAlone() {
        double[] only = {3, 1, 2};
        double[][] byMember = {only, {0, 0, 0}};
        for (RewardAggregation a : ALL) {
            assertNotSame(only, a.apply(new double[][] {only}, 1));
            a.apply(byMember, 1);
            assertArrayEquals(new double[] {3, 1, 2}, byMember[0], 0.0);
            assertArrayEquals(new double[] {0, 0, 0}, byMember[1], 0.0);
        }
    }

    @Test
    void refusesBadShapesNonFiniteRewardsAndBadWeights() {
        assertThrows(IllegalArgumentException.class, () -> RewardAggregation.MEAN.apply(new double[0][], 1));
        assertThrows(IllegalArgumentException.class, () -> RewardAggregation.MEAN.apply(new double[][] {{}}, 1));
        assertThrows(IllegalArgumentException.class,
                () -> RewardAggregation.MIN.apply(new double[][] {{1, 2}, {1}}, 1));
        assertEquals("rewards[1][0] is NaN", assertThrows(IllegalArgumentException.class,
                () -> RewardAggregation.MEAN.apply(new double[][] {{1}, {Double.NaN}}, 1)).getMessage());
        for (double w : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class,
                    () -> RewardAggregation.MEAN_MINUS_STD.apply(new double[][] {{1}, {2}}, w));
            // the others do not read w (a request validates it before any of them runs)
            assertArrayEquals(new double[] {1.5}, RewardAggregation.MEAN.apply(new double[][] {{1}, {2}}, w), 0.0);
        }
    }
}
