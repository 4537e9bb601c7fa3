package dev.rbon.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BestOfPoissonTest {

    @Test
    void sizesAreThePoissonPmfShiftedByOneWithTheTailAtTheCap() {
        double mu = 2.5;
        double[] w = BestOfPoisson.sizes(mu, 6);
        double factorial = 1;
        for (int k = 1; k < 6; k++) {
            factorial *= k == 1 ? 1 : k - 1;
            assertEquals(Math.exp(-mu) * Math.pow(mu, k - 1) / factorial, w[k - 1], 1e-15, "P(n' = " + k + ")");
        }
        assertEquals(1, Arrays.stream(w).sum(), 1e-15);
        assertArrayEquals(new double[] {1, 0, 0}, BestOfPoisson.sizes(0, 3), 0.0, "mu 0 decodes one");
        assertArrayEquals(new double[] {1}, BestOfPoisson.sizes(7, 1), 0.0, "a cap of 1 decodes one");
    }

    @Test
    void largeMuDoesNotUnderflow() {
        double[] w = BestOfPoisson.sizes(1000, 3000);
        double mean = 0;
        for (int k = 1; k <= w.length; k++) {
            mean += k * w[k - 1];
        }
        assertEquals(1, Arrays.stream(w).sum(), 1e-9);
        assertEquals(1001, mean, 1e-6);
    }

    @Test
    void drawsOnceAndFollowsTheSizes() {
        assertEquals(1, BestOfPoisson.draw(3, 10, Rngs.fixed(0.0)));
        assertEquals(10, BestOfPoisson.draw(3, 10, Rngs.fixed(0.999999999)));
        SplittableRandom rng = new SplittableRandom(1);
        int draws = 200_000;
        double[] counts = new double[8];
        for (int i = 0; i < draws; i++) {
            counts[BestOfPoisson.draw(2, 8, rng) - 1]++;
        }
        double[] w = BestOfPoisson.sizes(2, 8);
        for (int k = 0; k < 8; k++) {
            double se = Math.sqrt(w[k] * (1 - w[k]) / draws);
            assertEquals(w[k], counts[k] / draws, 5 * se + 1e-12, "P(n' = " + (k + 1) + ")");
        }
        assertEquals(BestOfPoisson.draw(4, 64, new SplittableRandom(9)), BestOfPoisson.draw(4, 64,
                new SplittableRandom(9)), "a seed decodes the same number of candidates");
    }

    @Test
    void uncappedDensityIsTheClosedForm() {
        double[] w = BestOfPoisson.sizes(3, 200);
        for (double u = 0; u <= 1; u += 0.05) {
            assertEquals((1 + 3 * u) * Math.exp(3 * (u - 1)), BestOfPoisson.density(u, w), 1e-12, "u " + u);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 16, 128, 1024})
    void atLargeMuTheKlIsBestOfNs(int cap) {
        assertEquals(ChoiceStats.bestOfN(cap), BestOfPoisson.kl(4.0 * cap + 100, cap), 1e-6);
        assertEquals(0, BestOfPoisson.kl(0, cap), 1e-12, "mu 0 is the policy itself");
    }

    @Test
    void uncappedKlMatchesAnIndependentQuadratureOfTheClosedForm() {
        for (double mu : new double[] {0.1, 1, 3, 10}) {
            int steps = 200_000; // Simpson on [0, 1]
            double h = 1.0 / steps;
            double sum = 0;
            for (int i = 0; i <= steps; i++) {
                double u = i * h;
                double f = (1 + mu * u) * Math.exp(mu * (u - 1));
                double weight = i == 0 || i == steps ? 1 : i % 2 == 1 ? 4 : 2;
                sum += weight * f * Math.log(f);
            }
            assertEquals(sum * h / 3, BestOfPoisson.kl(mu, 500), 1e-7, "mu " + mu);
        }
    }

    @Test
    void klGrowsWithMuAndMuForKlInvertsIt() {
        int cap = 32;
        double previous = -1;
        for (double mu = 0; mu < 100; mu += 0.5) {
            double kl = BestOfPoisson.kl(mu, cap);
            boolean saturated = kl > ChoiceStats.bestOfN(cap) - 1e-9; // n' is the cap but for a negligible mass
            assertTrue(saturated ? kl >= previous - 1e-12 : kl > previous, "mu " + mu);
            previous = kl;
        }
        for (double budget : new double[] {0.01, 0.1, 0.5, 1, 2}) {
            double mu = BestOfPoisson.muForKl(budget, cap);
            assertEquals(budget, BestOfPoisson.kl(mu, cap), 1e-9, "budget " + budget);
        }
        assertEquals(0, BestOfPoisson.muForKl(0, cap));
        double top = BestOfPoisson.muForKl(10, cap);
        assertEquals(2.0 * cap + 50, top, "a budget over best-of-cap's decodes all");
        assertEquals(0, BestOfPoisson.muForKl(1, 1), "a cap of one has KL 0 at every mu");
    }

    @Test
    void refusesWhatIsNotAMuOrABudget() {
        assertThrows(IllegalArgumentException.class, () -> BestOfPoisson.sizes(-1, 4));
        assertThrows(IllegalArgumentException.class, () -> BestOfPoisson.sizes(Double.NaN, 4));
        assertThrows(IllegalArgumentException.class, () -> BestOfPoisson.sizes(Double.POSITIVE_INFINITY, 4));
        assertThrows(IllegalArgumentException.class, () -> BestOfPoisson.sizes(1, 0));
        assertThrows(IllegalArgumentException.class, () -> BestOfPoisson.muForKl(-0.1, 4));
        assertThrows(IllegalArgumentException.class, () -> BestOfPoisson.muForKl(Double.NaN, 4));
    }
}
