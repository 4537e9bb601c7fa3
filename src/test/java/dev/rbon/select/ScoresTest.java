package dev.rbon.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class ScoresTest {

    private static double[] ones(int n) {
        double[] a = new double[n];
        Arrays.fill(a, 1);
        return a;
    }

    private static double[][] identity(int n) {
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) {
            s[i][i] = 1;
        }
        return s;
    }

    private static String rejection(double[] rewards, double[] refLogprobs, int[] lengths, double[][] similarity) {
        return assertThrows(IllegalArgumentException.class,
                () -> new Scores(rewards, refLogprobs, lengths, similarity)).getMessage();
    }

    @ParameterizedTest
    @CsvSource({"0, NaN", "3, Infinity", "4, -Infinity"})
    void nonFiniteRewardsAreNamed(int index, double bad) {
        double[] r = ones(5);
        r[index] = bad;
        assertEquals("rewards[" + index + "] is " + bad, rejection(r, null, null, null));
    }

    @ParameterizedTest
    @CsvSource({"1, NaN", "2, -Infinity"})
    void nonFiniteRefLogprobsAreNamed(int index, double bad) {
        double[] l = ones(3);
        l[index] = bad;
        assertEquals("refLogprobs[" + index + "] is " + bad, rejection(ones(3), l, null, null));
    }

    @ParameterizedTest
    @CsvSource({"0, 2, NaN", "2, 1, Infinity", "1, 1, -Infinity"})
    void nonFiniteSimilaritiesAreNamed(int i, int j, double bad) {
        double[][] s = identity(3);
        s[i][j] = bad;
        assertEquals("similarity[" + i + "][" + j + "] is " + bad, rejection(ones(3), null, null, s));
    }

    @Test
    void shapesAreChecked() {
        assertEquals("rewards must hold at least one candidate", rejection(new double[0], null, null, null));
        assertEquals("rewards must hold at least one candidate", rejection(null, null, null, null));
        assertEquals("refLogprobs has length 2, expected 3", rejection(ones(3), ones(2), null, null));
        assertEquals("lengths has length 4, expected 3", rejection(ones(3), null, new int[4], null));
        assertEquals("similarity has 2 rows, expected 3", rejection(ones(3), null, null, identity(2)));
        double[][] ragged = identity(3);
        ragged[1] = new double[] {0, 1};
        assertEquals("similarity[1] has length 2, expected length 3", rejection(ones(3), null, null, ragged));
        ragged[1] = null;
        assertEquals("similarity[1] has null, expected length 3", rejection(ones(3), null, null, ragged));
    }

    @Test
    void negativeLengthsAreRejected() {
        assertEquals("lengths[1] is negative: -2", rejection(ones(2), null, new int[] {0, -2}, null));
    }

    @Test
    void theArraysAreCopiedOnConstruction() {
        double[] r = {1, 2};
        double[] l = {-1, -2};
        int[] lengths = {3, 4};
        double[][] s = identity(2);
        Scores scores = new Scores(r, l, lengths, s);
        r[0] = Double.NaN;
        l[0] = Double.NaN;
        lengths[0] = -1;
        s[0][1] = Double.NaN;
        assertArrayEquals(new double[] {1, 2}, scores.rewards());
        assertArrayEquals(new double[] {-1, -2}, scores.refLogprobs());
        assertArrayEquals(new int[] {3, 4}, scores.lengths());
        assertArrayEquals(identity(2), scores.similarity());
        assertEquals(2, scores.size());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "rbon_kl |  method rbon_kl needs refLogprobs (reference log-probabilities), but none were given",
        "srbon_kl | method srbon_kl needs refLogprobs (reference log-probabilities), but none were given",
        "rbon_wd |  method rbon_wd needs similarity (the embeddings' cosine similarity matrix), but none were given",
        "mbr |      method mbr needs similarity (the embeddings' cosine similarity matrix), but none were given",
        "srbon_wd | method srbon_wd needs similarity (the embeddings' cosine similarity matrix), but none were given",
        "rbon_len | method rbon_len needs lengths (response token counts), but none were given"})
    void missingScoresAreNamed(String wire, String message) {
        Scores rewardsOnly = Scores.ofRewards(1, 2);
        Method m = Method.fromWire(wire);
        assertEquals(message,
                assertThrows(IllegalArgumentException.class, () -> rewardsOnly.requireFor(m)).getMessage());
        double beta = m.beta() == Method.Beta.POSITIVE ? 1 : 0;
        assertEquals(message, assertThrows(IllegalArgumentException.class,
                () -> Selector.select(m, beta, RewardNormalization.NONE, rewardsOnly, Rngs.fixed(0.5))).getMessage());
    }

    @ParameterizedTest
    @EnumSource(names = {"BON", "RANDOM"})
    void rewardsAloneAreEnoughForBonAndRandom(Method m) {
        assertDoesNotThrow(() -> Selector.select(m, 0, RewardNormalization.ZSCORE, Scores.ofRewards(3, 1, 2),
                Rngs.fixed(0.5)));
    }
}
