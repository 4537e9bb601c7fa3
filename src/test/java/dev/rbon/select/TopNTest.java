package dev.rbon.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.Test;

class TopNTest {

    private static RandomGenerator rng(long seed) {
        return RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    }

    @Test
    void deterministicMethodsRankByObjectiveTiesToTheLowestIndex() {
        Selection s = new Selection(2, new double[] {1, 0.5, 3, 1, -2}, null, null, null);
        assertArrayEquals(new int[] {2, 0, 3, 1, 4}, TopN.of(s, 5, null));
        assertArrayEquals(new int[] {2}, TopN.of(s, 1, null));
        assertArrayEquals(new int[] {2, 0}, TopN.of(s, 2, null));
    }

    @Test
    void stochasticDrawsAreWithoutReplacementSeededAndNeverPickZeroMass() {
        double[] p = {0.5, 0, 0.3, 0.2, 0};
        Selection s = new Selection(2, new double[] {5, 4, 3, 2, 1}, p, null, null);
        int[] a = TopN.of(s, 5, rng(7));
        assertArrayEquals(a, TopN.of(s, 5, rng(7)), "seeded");
        assertEquals(2, a[0], "the method's own pick comes first");
        assertEquals(5, Arrays.stream(a).distinct().count(), "no candidate twice");
        // the p = 0 candidates come last, by objective
        assertArrayEquals(new int[] {1, 4}, Arrays.copyOfRange(a, 3, 5));
    }

    /** The second pick follows p renormalised without the first: here 0.5 / 0.7 vs 0.2 / 0.7. */
    @Test
    void theSecondDrawFollowsTheRenormalisedDistribution() {
        double[] p = {0.5, 0.3, 0.2};
        Selection s = new Selection(1, new double[3], p, null, null);
        RandomGenerator rng = rng(1);
        int zero = 0;
        int draws = 20_000;
        for (int i = 0; i < draws; i++) {
            if (TopN.of(s, 2, rng)[1] == 0) {
                zero++;
            }
        }
        double expected = 0.5 / 0.7;
        double sd = Math.sqrt(expected * (1 - expected) / draws);
        assertEquals(expected, (double) zero / draws, 4 * sd);
    }

    @Test
    void nOutsideThePoolIsRefused() {
        Selection s = new Selection(0, new double[2], null, null, null);
        assertThrows(IllegalArgumentException.class, () -> TopN.of(s, 3, null));
        assertThrows(IllegalArgumentException.class, () -> TopN.of(s, 0, null));
    }
}
