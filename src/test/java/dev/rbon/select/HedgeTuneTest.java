package dev.rbon.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * HedgeTune on synthetic calibration pools whose gold is a known function of the proxy: the threshold it finds is
 * where a brute-force scan of the expected gold peaks.
 */
class HedgeTuneTest {

    /** {@code count} pools of N proxy rewards ~ N(0, 1), gold = goldOf(proxy) + small noise. */
    private static List<HedgeTune.Pool> pools(long seed, int count, int n, DoubleUnaryOperator goldOf) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<HedgeTune.Pool> pools = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            double[] r = new double[n];
            double[] g = new double[n];
            for (int i = 0; i < n; i++) {
                r[i] = rng.nextGaussian();
                g[i] = goldOf.applyAsDouble(r[i]) + 0.05 * rng.nextGaussian();
            }
            pools.add(new HedgeTune.Pool(r, g));
        }
        return pools;
    }

    /** Gold rises with the proxy to r = 1, then falls: the proxy is hacked in its top ~16%. */
    private static double hacked(double r) {
        return -(r - 1) * (r - 1);
    }

    @ParameterizedTest
    @EnumSource(names = {"BON", "SOFT_BON", "BOP"})
    void theThresholdIsWhereTheExpectedGoldPeaks(Method method) {
        List<HedgeTune.Pool> pools = pools(1, 200, 64, HedgeTuneTest::hacked);
        HedgeTune.Result result = HedgeTune.tune(method, pools);
        assertEquals(method, result.method());
        assertEquals(HedgeTune.expectedGold(method, pools, result.parameter()), result.predictedGold(), 1e-12);
        // scan the parameter finely: nothing beats the threshold's gold, and its neighbours are lower
        double best = Double.NEGATIVE_INFINITY;
        for (int i = 0; i <= 2000; i++) {
            double theta = switch (method) {
                case BON -> 1 + 63.0 * i / 2000;
                case BOP -> 60.0 * i / 2000;
                default -> Math.exp(Math.log(1e-3) + Math.log(1e6) * i / 2000);
            };
            best = Math.max(best, HedgeTune.expectedGold(method, pools, theta));
        }
        assertEquals(best, result.predictedGold(), 1e-6, method + " at " + result.parameter());
        double p = result.parameter();
        assertTrue(HedgeTune.expectedGold(method, pools, p * 1.2) < result.predictedGold());
        assertTrue(HedgeTune.expectedGold(method, pools, p / 1.2) < result.predictedGold());
    }

    @Test
    void bestOfNsThresholdForAKnownCurve() {
        // gold = -(r - 1)^2 with r ~ N(0, 1) is -(Var M + (E M - 1)^2) for M the max of n: about -0.49, -0.48 and
        // -0.49 at n = 4, 5, 6 (E M = 1.03, 1.16, 1.27; Var M = 0.49, 0.45, 0.42)
        HedgeTune.Result result = HedgeTune.tune(Method.BON, pools(2, 400, 64, HedgeTuneTest::hacked));
        assertTrue(result.parameter() > 4 && result.parameter() < 6.5, "n " + result.parameter());
    }

    @ParameterizedTest
    @EnumSource(names = {"BON", "SOFT_BON", "BOP"})
    void anUnhackedProxyIsOptimisedToTheEndAndAnAdversarialOneNotAtAll(Method method) {
        HedgeTune.Result honest = HedgeTune.tune(method, pools(3, 50, 16, r -> r));
        HedgeTune.Result adversarial = HedgeTune.tune(method, pools(3, 50, 16, r -> -r));
        switch (method) {
            case BON -> {
                assertEquals(16, honest.parameter(), 1e-9);
                assertEquals(1, adversarial.parameter(), 1e-9);
            }
            case BOP -> {
                assertEquals(2 * 16 + 50, honest.parameter(), 1e-9);
                assertEquals(0, adversarial.parameter(), 1e-9);
            }
            default -> assertTrue(honest.parameter() < adversarial.parameter() * 1e-5,
                    honest.parameter() + " vs " + adversarial.parameter());
        }
        assertTrue(honest.predictedGold() > adversarial.predictedGold());
    }

    @Test
    void theSameCalibrationGivesTheSameParameter() {
        List<HedgeTune.Pool> pools = pools(4, 100, 32, HedgeTuneTest::hacked);
        assertEquals(HedgeTune.tune(Method.BOP, pools), HedgeTune.tune(Method.BOP, List.copyOf(pools)));
    }

    @Test
    void expectedGoldOfTheLimits() {
        List<HedgeTune.Pool> pools = List.of(new HedgeTune.Pool(new double[] {0, 1, 2, 3}, new double[] {4, 3, 2, 1}));
        assertEquals(2.5, HedgeTune.expectedGold(Method.BON, pools, 1), 1e-12, "n = 1 is a uniform draw");
        assertEquals(2.5, HedgeTune.expectedGold(Method.BOP, pools, 0), 1e-12, "mu = 0 is one draw");
        assertEquals(1, HedgeTune.expectedGold(Method.SOFT_BON, pools, 1e-6), 1e-9, "lambda -> 0 is the argmax");
        assertEquals(1, HedgeTune.expectedGold(Method.BON, pools, 1e4), 1e-9, "n -> infinity is the argmax");
    }

    @Test
    void refusesOtherMethodsAndNoPools() {
        assertThrows(IllegalArgumentException.class, () -> HedgeTune.tune(Method.BON, List.of()));
        assertThrows(IllegalArgumentException.class, () -> HedgeTune.tune(Method.RBON_KL,
                List.of(new HedgeTune.Pool(new double[] {1}, new double[] {1}))));
        assertThrows(IllegalArgumentException.class, () -> new HedgeTune.Pool(new double[] {1, 2}, new double[] {1}));
    }
}
