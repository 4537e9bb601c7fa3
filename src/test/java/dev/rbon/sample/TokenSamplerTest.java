package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class TokenSamplerTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;
    /** 8 tokens, 3 removed (first, middle, last): 5 possible outcomes. */
    private static final float[] PROCESSED = {NEG_INF, 1.0f, 0.5f, 2.0f, NEG_INF, -1.0f, 0.0f, NEG_INF};
    /** The 0.999 quantile of chi-square with 5 - 1 = 4 degrees of freedom (standard tables: 18.467). */
    private static final double CHI_SQUARE_4_DF_0_999 = 18.467;
    private static final int DRAWS = 50_000;

    @Test
    void drawsFollowTheSoftmaxOfTheProcessedScoresAndNeverARemovedToken() {
        int[] counts = new int[PROCESSED.length];
        RandomGenerator rng = new SplittableRandom(20_250_601L);
        for (int i = 0; i < DRAWS; i++) {
            counts[TokenSampler.sample(PROCESSED, rng)]++;
        }

        assertEquals(0, counts[0] + counts[4] + counts[7], "a removed token was drawn");
        double chiSquare = chiSquare(counts, softmaxInDouble(PROCESSED, 1.0));
        assertTrue(chiSquare < CHI_SQUARE_4_DF_0_999, "chi-square " + chiSquare);
        // the same counts clearly reject a slightly different distribution (temperature 1.1): the test has power
        double wrongChiSquare = chiSquare(counts, softmaxInDouble(PROCESSED, 1.1));
        assertTrue(wrongChiSquare > CHI_SQUARE_4_DF_0_999, "chi-square against a wrong distribution " + wrongChiSquare);
    }

    private static double[] softmaxInDouble(float[] scores, double temperature) {
        double[] p = new double[scores.length];
        double sum = 0;
        for (int i = 0; i < scores.length; i++) {
            p[i] = Math.exp(scores[i] / temperature);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static double chiSquare(int[] counts, double[] probabilities) {
        double chiSquare = 0;
        for (int i = 0; i < counts.length; i++) {
            if (probabilities[i] > 0) {
                double expected = probabilities[i] * DRAWS;
                chiSquare += (counts[i] - expected) * (counts[i] - expected) / expected;
            }
        }
        return chiSquare;
    }

    @Test
    void theSameSeedGivesTheSameTokens() {
        assertArrayEquals(draws(42L), draws(42L));
        assertFalse(java.util.Arrays.equals(draws(42L), draws(43L)));
    }

    private static int[] draws(long seed) {
        RandomGenerator rng = new SplittableRandom(seed);
        int[] tokens = new int[1000];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = TokenSampler.sample(PROCESSED, rng);
        }
        return tokens;
    }

    @Test
    void aSingleRemainingTokenIsAlwaysDrawn() {
        RandomGenerator rng = new SplittableRandom(1L);
        for (int i = 0; i < 100; i++) {
            assertEquals(1, TokenSampler.sample(new float[] {NEG_INF, 3f, NEG_INF}, rng));
        }
    }

    @Test
    void refusesToSampleWhenEveryTokenIsRemoved() {
        RandomGenerator rng = new SplittableRandom(1L);
        assertThrows(IllegalArgumentException.class, () -> TokenSampler.sample(new float[] {NEG_INF, NEG_INF}, rng));
        assertThrows(IllegalArgumentException.class, () -> TokenSampler.sample(new float[] {0f, Float.NaN}, rng));
    }

    @Test
    void argmaxTakesTheLowestIndexOnTies() {
        assertEquals(1, TokenSampler.argmax(new float[] {1f, 3f, 3f, 2f, 3f}));
        assertEquals(0, TokenSampler.argmax(new float[] {0.5f, 0.5f}));
        assertEquals(2, TokenSampler.argmax(new float[] {NEG_INF, -7f, -1f, NEG_INF}));
        assertThrows(IllegalArgumentException.class, () -> TokenSampler.argmax(new float[0]));
    }

    @Test
    void logSoftmaxGivesNaturalLogProbabilities() {
        float[] logits = {0f, (float) Math.log(2), (float) Math.log(3)};
        float[] logProbabilities = TokenSampler.logSoftmax(logits);
        assertArrayEquals(new float[] {(float) Math.log(1 / 6.0), (float) Math.log(2 / 6.0), (float) Math.log(3 / 6.0)},
                logProbabilities, 1e-6f);
        for (int token = 0; token < logits.length; token++) {
            assertEquals(logProbabilities[token], TokenSampler.logProb(logits, token), 1e-6);
        }
    }

    @Test
    void logSoftmaxIsStableForLargeLogits() {
        assertArrayEquals(new float[] {(float) Math.log(0.5), (float) Math.log(0.5)},
                TokenSampler.logSoftmax(new float[] {1000f, 1000f}), 1e-7f);
        assertEquals(-2000.0, TokenSampler.logProb(new float[] {-1000f, 1000f}, 0), 1e-9);
        assertEquals(0.0, TokenSampler.logProb(new float[] {-1000f, 1000f}, 1), 1e-9);
    }

    @Test
    void logProbRejectsAnInvalidRowOrToken() {
        assertThrows(IllegalArgumentException.class, () -> TokenSampler.logProb(new float[] {NEG_INF, NEG_INF}, 0));
        assertThrows(IllegalArgumentException.class, () -> TokenSampler.logProb(new float[] {0f, Float.NaN}, 0));
        assertThrows(IllegalArgumentException.class, () -> TokenSampler.logProb(new float[] {0f, 1f}, 2));
        assertThrows(IllegalArgumentException.class, () -> TokenSampler.logSoftmax(new float[0]));
    }
}
