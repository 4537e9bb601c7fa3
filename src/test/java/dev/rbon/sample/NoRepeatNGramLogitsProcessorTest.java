package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NoRepeatNGramLogitsProcessorTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    private static float[] zeros(int vocabularySize) {
        return new float[vocabularySize];
    }

    @Test
    void bansTheTokenThatWouldRepeatABigram() {
        float[] processed = new NoRepeatNGramLogitsProcessor(2).apply(new int[] {1, 2, 3, 1}, zeros(5));
        assertArrayEquals(new float[] {0, 0, NEG_INF, 0, 0}, processed);
    }

    @Test
    void bansEveryContinuationSeenAfterThePrefix() {
        float[] processed = new NoRepeatNGramLogitsProcessor(2).apply(new int[] {1, 2, 1, 3, 1}, zeros(5));
        assertArrayEquals(new float[] {0, 0, NEG_INF, NEG_INF, 0}, processed);
    }

    @Test
    void matchesTheWholePrefixOfATrigram() {
        NoRepeatNGramLogitsProcessor trigram = new NoRepeatNGramLogitsProcessor(3);
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, NEG_INF},
                trigram.apply(new int[] {3, 4, 5, 2, 3, 4}, zeros(6)));
        assertArrayEquals(zeros(6), trigram.apply(new int[] {3, 4, 5, 2, 4, 4}, zeros(6)));
    }

    @Test
    void aRowShorterThanNBansNothing() {
        NoRepeatNGramLogitsProcessor trigram = new NoRepeatNGramLogitsProcessor(3);
        assertArrayEquals(zeros(4), trigram.apply(new int[0], zeros(4)));
        assertArrayEquals(zeros(4), trigram.apply(new int[] {1}, zeros(4)));
        assertArrayEquals(zeros(4), trigram.apply(new int[] {1, 1}, zeros(4)));
    }

    @Test
    void aRowOfExactlyNCanAlreadyBan() {
        float[] processed = new NoRepeatNGramLogitsProcessor(3).apply(new int[] {1, 1, 1}, zeros(3));
        assertArrayEquals(new float[] {0, NEG_INF, 0}, processed);
    }

    @Test
    void unigramsBanEveryTokenAlreadyInTheRow() {
        float[] processed = new NoRepeatNGramLogitsProcessor(1).apply(new int[] {0, 3, 3}, zeros(5));
        assertArrayEquals(new float[] {NEG_INF, 0, 0, NEG_INF, 0}, processed);
    }

    @Test
    void keepsTheOtherScores() {
        float[] processed = new NoRepeatNGramLogitsProcessor(2).apply(new int[] {0, 1, 0}, new float[] {0.5f, 2f, -1f});
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
            assertArrayEquals(expected, new NoRepeatNGramLogitsProcessor(n).apply(ids, zeros(4)));
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
        NoRepeatNGramLogitsProcessor bigram = new NoRepeatNGramLogitsProcessor(2);
        assertThrows(IllegalArgumentException.class, () -> bigram.apply(new int[] {1, 9, 1}, zeros(4)));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -2})
    void rejectsASizeBelowOne(int ngramSize) {
        assertThrows(IllegalArgumentException.class, () -> new NoRepeatNGramLogitsProcessor(ngramSize));
    }
}
