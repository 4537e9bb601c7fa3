package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class TopKLogitsWarperTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    @Test
    void keepsTheKHighest() {
        float[] processed = Rows.apply(new TopKLogitsWarper(), Rows.params(1.0, 1.0, 2, 0.0, 0), new long[0], new float[] {1f, 3f, 0f, 2f, -1f});
        assertArrayEquals(new float[] {NEG_INF, 3f, NEG_INF, 2f, NEG_INF}, processed);
    }

    @Test
    void tiesWithTheKthAllStay() {
        float[] processed = Rows.apply(new TopKLogitsWarper(), Rows.params(1.0, 1.0, 2, 0.0, 0), new long[0], new float[] {1f, 3f, 2f, 2f, 0f, 2f});
        assertArrayEquals(new float[] {NEG_INF, 3f, 2f, 2f, NEG_INF, 2f}, processed);
    }

    @Test
    void topOneKeepsEveryTokenTiedAtTheMaximum() {
        float[] processed = Rows.apply(new TopKLogitsWarper(), Rows.params(1.0, 1.0, 1, 0.0, 0), new long[0], new float[] {5f, 1f, 5f});
        assertArrayEquals(new float[] {5f, NEG_INF, 5f}, processed);
    }

    @Test
    void aKLargerThanTheVocabularyKeepsEverything() {
        float[] scores = {0.5f, -3f, 2f};
        assertArrayEquals(scores, Rows.apply(new TopKLogitsWarper(), Rows.params(1.0, 1.0, 50, 0.0, 0), new long[0], scores));
    }

    @Test
    void alreadyRemovedTokensCountAmongTheK() {
        float[] processed = Rows.apply(new TopKLogitsWarper(), Rows.params(1.0, 1.0, 2, 0.0, 0), new long[0], new float[] {NEG_INF, NEG_INF, 1f});
        assertArrayEquals(new float[] {NEG_INF, NEG_INF, 1f}, processed);
    }

}
