package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NoRepeatNGramLogitsProcessorTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    private static float[] zeros(int vocabularySize) {
        return new float[vocabularySize];
    }

    @Test
    void bansTheTokenThatWouldRepeatABigram() {
        float[] processed = Rows.apply(new NoRepeatNGramLogitsProcessor(), Rows.params(1.0, 1.0, 0, 0.0, 2), Rows.longs(1, 2, 3, 1), zeros(5));
        assertArrayEquals(new float[] {0, 0, NEG_INF, 0, 0}, processed);
    }

    @Test
    void bansEveryContinuationSeenAfterThePrefix() {
        float[] processed = Rows.apply(new NoRepeatNGramLogitsProcessor(), Rows.params(1.0, 1.0, 0, 0.0, 2), Rows.longs(1, 2, 1, 3, 1), zeros(5));
        assertArrayEquals(new float[] {0, 0, NEG_INF, NEG_INF, 0}, processed);
    }

    @Test
    void matchesTheWholePrefixOfATrigram() {
        int trigram = 3;
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, NEG_INF},
                Rows.apply(new NoRepeatNGramLogitsProcessor(), Rows.params(1.0, 1.0, 0, 0.0, trigram), Rows.longs(3, 4, 5, 2, 3, 4), zeros(6)));
        assertArrayEquals(zeros(6), Rows.apply(new NoRepeatNGramLogitsProcessor(), Rows.params(1.0, 1.0, 0, 0.0, trigram), Rows.longs(3, 4, 5, 2, 4, 4), zeros(6)));
    }

    @Test
    void aRowShorterThanNBansNothing() {
        int trigram = 3;
        assertArrayEquals(zeros(4), Rows.apply(new NoRepeatNGramLogitsProcessor(), Rows.params(1.0, 1.0, 0, 0.0, trigram), new long[0], zeros(4)));
        assertArrayEquals(zeros(4), Rows.apply(new NoRepeatNGramLogitsProcessor(), Rows.params(1.0, 1.0, 0, 0.0, trigram), Rows.longs(1), zeros(4)));
        assertArrayEquals(zeros(4), Rows.apply(new NoRepeatNGramLogitsProcessor(), Rows.params(1.0, 1.0, 0, 0.0, trigram), Rows.longs(1, 1), zeros(4)));
    }

    @Test
    void aRowOfExactlyNCanAlreadyBan() {
        float[] processed = Rows.apply(new NoRepeatNGramLogitsProcessor(), Rows.params(1.0, 1.0, 0, 0.0, 3), Rows.longs(1, 1, 1), zeros(3));
        assertArrayEquals(new float[] {0, NEG_INF, 0}, processed);
    }

    @Test
    void unigramsBanEveryTokenAlreadyInTheRow() {
        float[] processed = Rows.apply(new NoRepeatNGramLogitsProcessor(), Rows.params(1.0, 1.0, 0, 0.0, 1), Rows.longs(0, 3, 3), zeros(5));
        assertArrayEquals(new float[] {NEG_INF, 0, 0, NEG_INF, 0}, processed);
    }

    @Test
    void keepsTheOtherScores() {
        float[] processed = Rows.apply(new NoRepeatNGramLogitsProcessor(), Rows.params(1.0, 1.0, 0, 0.0, 2), Rows.longs(0, 1, 0), new float[] {0.5f, 2f, -1f});
        assertArrayEquals(new float[] {0.5f, NEG_INF, -1f}, processed);
    }

    /** Cross-check against transformers' dictionary algorithm (_get_ngrams + _get_generated_ngrams) on random rows. */
    @Test
    void agreesWithTransformersDictionaryAlgorithm() {
        SplittableRandom random = new SplittableRandom(7);
        for (int trial = 0; trial < 2000; trial++) {
            int n = random.nextInt(1, 5);
            int[] ids = random.ints(random.nextInt(0, 13), 0, 4).toArray();
            float[] expected = zeros(4);
            for (int banned : bannedByDictionary(ids, n)) {
                expected[banned] = NEG_INF;
            }
            assertArrayEquals(expected, Rows.apply(new NoRepeatNGramLogitsProcessor(), Rows.params(1.0, 1.0, 0, 0.0, n), Rows.longs(ids), zeros(4)));
        }
    }

    private static List<Integer> bannedByDictionary(int[] ids, int n) {
        int curLen = ids.length;
        if (curLen + 1 < n) {
            return List.of();
        }
        Map<List<Integer>, List<Integer>> generated = new HashMap<>();
        for (int start = 0; start + n <= curLen; start++) {
            generated.computeIfAbsent(slice(ids, start, start + n - 1), k -> new ArrayList<>()).add(ids[start + n - 1]);
        }
        return generated.getOrDefault(slice(ids, curLen + 1 - n, curLen), List.of());
    }

    private static List<Integer> slice(int[] ids, int from, int to) {
        List<Integer> slice = new ArrayList<>();
        for (int i = from; i < to; i++) {
            slice.add(ids[i]);
        }
        return slice;
    }



    @Test
    void rejectsATokenOutsideTheVocabulary() {
        assertThrows(IllegalArgumentException.class, () -> Rows.apply(new NoRepeatNGramLogitsProcessor(),
                Rows.params(1.0, 1.0, 0, 0.0, 2), Rows.longs(1, 9, 1), zeros(4)));
    }
}
