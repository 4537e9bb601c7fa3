package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class TopPLogitsWarperTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;
    /** exp(-LN2) rounds to exactly 0.5f, so {LN2, 0, 0} has the exact probabilities {0.5, 0.25, 0.25}. */
    private static final float LN2 = (float) Math.log(2);

    @Test
    void aTokenExactlyOnTheBoundaryIsRemovedAndTiesGoLowestIdFirst() {
        // ascending stable order: id 1 (0.25), id 2 (0.25), id 0 (0.5); cumsum 0.25, 0.5, 1.0; 1 - 0.75 = 0.25
        float[] processed = Rows.apply(new TopPLogitsWarper(), Rows.params(1.0, 0.75, 0, 0.0, 0), new long[0], new float[] {LN2, 0f, 0f});
        assertArrayEquals(new float[] {LN2, NEG_INF, 0f}, processed);
    }

    @Test
    void justInsideTheBoundaryIsKept() {
        float[] processed = Rows.apply(new TopPLogitsWarper(), Rows.params(1.0, 0.7500001, 0, 0.0, 0), new long[0], new float[] {LN2, 0f, 0f});
        assertArrayEquals(new float[] {LN2, 0f, 0f}, processed);
    }

    @Test
    void theThresholdOneMinusPIsComparedInFloat32AsTorch() {
        // 1 - 0.750000001 = 0.249999999 in double, 0.25f once rounded: id 1's cumsum 0.25 is on the boundary
        float[] processed = Rows.apply(new TopPLogitsWarper(), Rows.params(1.0, 0.750000001, 0, 0.0, 0), new long[0], new float[] {LN2, 0f, 0f});
        assertArrayEquals(new float[] {LN2, NEG_INF, 0f}, processed);
    }

    @Test
    void theCumulativeSumAccumulatesInDoubleAsTorchOnCpu() {
        // Ascending: ids 4, 0, 5, 3, 1, 2. Through id 1 the cumsum is 0.560533f accumulated in double (torch's CPU
        // cumsum), 0.56053305f accumulated in float32; 1 - topP is exactly the former, so id 1 sits on the boundary
        // and goes. Checked against libtorch 2.7.1 through DJL.
        float[] scores = {1.5f, 5.25f, 5.25f, 3.5f, 1.0f, 2.5f};
        float[] processed = Rows.apply(new TopPLogitsWarper(), Rows.params(1.0, 0.43946701288223267, 0, 0.0, 0), new long[0], scores);
        assertArrayEquals(new float[] {NEG_INF, NEG_INF, 5.25f, NEG_INF, NEG_INF, NEG_INF}, processed);
    }

    @Test
    void keepsTheSmallestSetReachingPWithoutRenormalising() {
        // probabilities ~ {0.090, 0.665, 0.245}: 0.665 alone is below 0.8, with 0.245 it reaches it
        float[] processed = Rows.apply(new TopPLogitsWarper(), Rows.params(1.0, 0.8, 0, 0.0, 0), new long[0], new float[] {1f, 3f, 2f});
        assertArrayEquals(new float[] {NEG_INF, 3f, 2f}, processed);
    }

    @Test
    void alwaysKeepsTheTopToken() {
        float[] processed = Rows.apply(new TopPLogitsWarper(), Rows.params(1.0, 0.01, 0, 0.0, 0), new long[0], new float[] {1f, 3f, 2f});
        assertArrayEquals(new float[] {NEG_INF, 3f, NEG_INF}, processed);
    }

    @Test
    void alwaysKeepsTheTopTokenEvenWhenOneMinusPRoundsToOne() {
        // (float) (1 - 1e-9) == 1f: every cumulative sum, the top token's included, is <= the threshold
        float[] processed = Rows.apply(new TopPLogitsWarper(), Rows.params(1.0, 1e-9, 0, 0.0, 0), new long[0], new float[] {1f, 3f, 2f});
        assertArrayEquals(new float[] {NEG_INF, 3f, NEG_INF}, processed);
    }

    @Test
    void ofTokensTiedAtTheTopOnlyTheLastInStableOrderIsSureToStay() {
        // ascending stable order: id 2, id 0, id 1; cumsum ~0.06, ~0.53, 1.0; 1 - 0.1 = 0.9
        float[] processed = Rows.apply(new TopPLogitsWarper(), Rows.params(1.0, 0.1, 0, 0.0, 0), new long[0], new float[] {2f, 2f, 0f});
        assertArrayEquals(new float[] {NEG_INF, 2f, NEG_INF}, processed);
    }

    @Test
    void topPOfOneKeepsEveryToken() {
        float[] scores = {LN2, 0f, 0f, -30f};
        assertArrayEquals(scores, Rows.apply(new TopPLogitsWarper(), Rows.params(1.0, 1.0, 0, 0.0, 0), new long[0], scores));
    }



}
