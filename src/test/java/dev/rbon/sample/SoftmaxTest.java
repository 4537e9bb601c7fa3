package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SoftmaxTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    @Test
    void givesNormalisedProbabilitiesAndZeroForRemovedTokens() {
        float[] probabilities = Softmax.softmax(new float[] {0f, NEG_INF, (float) Math.log(3), NEG_INF});
        assertArrayEquals(new float[] {0.25f, 0f, 0.75f, 0f}, probabilities, 1e-7f);
        assertEquals(0f, probabilities[1]);
    }

    @Test
    void isStableForLargeScores() {
        assertArrayEquals(new float[] {0.5f, 0.5f}, Softmax.softmax(new float[] {1e30f, 1e30f}));
    }

    @Test
    void aRowWithNoFiniteScoreGivesNaNAsTorch() {
        assertTrue(Float.isNaN(Softmax.softmax(new float[] {NEG_INF, NEG_INF})[0]));
    }

    @Test
    void doesNotLoseSmallProbabilitiesAsASequentialFloatSumWould() {
        // 1 + exp(-17) rounds to 1 in float32, so a sequential sum would give the top token exactly 1; torch's lane
        // order keeps most of the fifteen small terms
        float[] scores = new float[16];
        java.util.Arrays.fill(scores, -17f);
        scores[0] = 0f;
        float top = Softmax.softmax(scores)[0];
        assertEquals(1 / (1 + 15 * Math.exp(-17)), top, 1e-7);
    }

    @Test
    void sumsInTorchsLaneOrder() {
        // 2^24 + 1 rounds back to 2^24 in float32: a sequential sum loses all fifteen 1s. torch keeps one running sum
        // per lane (lane 0: 2^24 + 1 -> 2^24, lanes 1..7: 1 + 1 = 2), then folds lanes i^4, i^2, i^1: 2^24 + 14.
        float[] values = new float[16];
        java.util.Arrays.fill(values, 1f);
        values[0] = 16777216f;
        assertEquals(16777230f, Softmax.torchSum(values));
    }

    @Test
    void sumsRowsShorterThanARegisterInOrder() {
        assertEquals(16777216f, Softmax.torchSum(new float[] {16777216f, 1f, 1f}));
        assertEquals(16777218f, Softmax.torchSum(new float[] {1f, 1f, 16777216f}));
    }
}
