package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class EpsilonLogitsWarperTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;
    /** exp(-LN2) rounds to exactly 0.5f, so {LN2, 0, 0} has the exact probabilities {0.5, 0.25, 0.25}. */
    private static final float LN2 = (float) Math.log(2);

    @Test
    void removesTokensWithProbabilityBelowEpsilon() {
        float[] processed = Rows.apply(new EpsilonLogitsWarper(), Rows.params(1.0, 1.0, 0, 0.2, 0), new long[0], new float[] {0f, 2f, -1f, 1.5f});
        // probabilities ~ {0.076, 0.558, 0.028, 0.339}
        assertArrayEquals(new float[] {NEG_INF, 2f, NEG_INF, 1.5f}, processed);
    }

    @Test
    void aProbabilityEqualToEpsilonStays() {
        float[] processed = Rows.apply(new EpsilonLogitsWarper(), Rows.params(1.0, 1.0, 0, 0.25, 0), new long[0], new float[] {LN2, 0f, 0f});
        assertArrayEquals(new float[] {LN2, 0f, 0f}, processed);
    }

    @Test
    void aProbabilityJustBelowEpsilonGoes() {
        float[] processed = Rows.apply(new EpsilonLogitsWarper(), Rows.params(1.0, 1.0, 0, 0.2500001, 0), new long[0], new float[] {LN2, 0f, 0f});
        assertArrayEquals(new float[] {LN2, NEG_INF, NEG_INF}, processed);
    }

    @Test
    void epsilonIsComparedInFloat32AsTorch() {
        // 0.250000001 rounds to 0.25f, and 0.25 < 0.25 is false: the tokens at exactly 0.25 stay
        float[] processed = Rows.apply(new EpsilonLogitsWarper(), Rows.params(1.0, 1.0, 0, 0.250000001, 0), new long[0], new float[] {LN2, 0f, 0f});
        assertArrayEquals(new float[] {LN2, 0f, 0f}, processed);
    }

    @Test
    void keepsTheTopTokenEvenBelowEpsilon() {
        float[] processed = Rows.apply(new EpsilonLogitsWarper(), Rows.params(1.0, 1.0, 0, 0.5, 0), new long[0], new float[] {0.1f, 0.3f, 0.2f, 0f, 0.25f});
        assertArrayEquals(new float[] {NEG_INF, 0.3f, NEG_INF, NEG_INF, NEG_INF}, processed);
    }

    @Test
    void keepsEveryTokenTiedAtTheTop() {
        float[] processed = Rows.apply(new EpsilonLogitsWarper(), Rows.params(1.0, 1.0, 0, 0.9, 0), new long[0], new float[] {1f, 1f, 0f});
        assertArrayEquals(new float[] {1f, 1f, NEG_INF}, processed);
    }

}
