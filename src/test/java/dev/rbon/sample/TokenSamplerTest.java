package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The draw on the device: distribution, seeds, greedy rows, log-probs, rows with nothing left. */
class TokenSamplerTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;
    /** 8 tokens, 3 removed (first, middle, last): 5 possible outcomes. */
    private static final float[] PROCESSED = {NEG_INF, 1.0f, 0.5f, 2.0f, NEG_INF, -1.0f, 0.0f, NEG_INF};
    /** The 0.999 quantile of chi-square with 5 - 1 = 4 degrees of freedom (standard tables: 18.467). */
    private static final double CHI_SQUARE_4_DF_0_999 = 18.467;
    private static final int DRAWS = 50_000;
    private static final SamplingParams SAMPLED = Rows.params(1.0, 1.0, 0, 0.0, 0);
    private static final SamplingParams GREEDY = Rows.params(0.0, 1.0, 0, 0.0, 0);

    /** One draw per row; row r's generator is {@code rngs[r]}. */
    private static long[] draw(float[][] processed, List<SamplingParams> params, RandomGenerator[] rngs) {
        SamplingBatch batch = SamplingBatch.of(params, Collections.nCopies(processed.length, new long[0]));
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray scores = Rows.matrix(manager, processed);
            return TokenSampler.choose(scores, scores, batch, rngs).tokens();
        }
    }

    private static long[] draws(float[] row, int count, long seed) {
        float[][] rows = new float[count][];
        Arrays.fill(rows, row);
        SplittableRandom seeds = new SplittableRandom(seed);
        RandomGenerator[] rngs = IntStream.range(0, count).mapToObj(i -> seeds.split()).toArray(RandomGenerator[]::new);
        return draw(rows, Collections.nCopies(count, SAMPLED), rngs);
    }

    @Test
    void drawsFollowTheSoftmaxOfTheProcessedScoresAndNeverARemovedToken() {
        int[] counts = new int[PROCESSED.length];
        for (long token : draws(PROCESSED, DRAWS, 20_250_601L)) {
            counts[(int) token]++;
        }
        assertEquals(0, counts[0] + counts[4] + counts[7], "a removed token was drawn");
        double chiSquare = chiSquare(counts, softmaxInDouble(PROCESSED, 1.0));
        assertTrue(chiSquare < CHI_SQUARE_4_DF_0_999, "chi-square " + chiSquare);
        // the same counts clearly reject a slightly different distribution (temperature 1.1): the test has power
        double wrongChiSquare = chiSquare(counts, softmaxInDouble(PROCESSED, 1.1));
        assertTrue(wrongChiSquare > CHI_SQUARE_4_DF_0_999, "chi-square against a wrong distribution " + wrongChiSquare);
    }

    @Test
    void theSameSeedGivesTheSameTokens() {
        assertArrayEquals(draws(PROCESSED, 1000, 42L), draws(PROCESSED, 1000, 42L));
        assertFalse(Arrays.equals(draws(PROCESSED, 1000, 42L), draws(PROCESSED, 1000, 43L)));
    }

    @Test
    void aRowsDrawDependsOnlyOnItsOwnGeneratorNotOnTheOtherRows() {
        float[] other = {3f, NEG_INF, 0f, 0f, 1f, 2f, -1f, 0.5f};
        long alone = draw(new float[][] {PROCESSED}, List.of(SAMPLED), new RandomGenerator[] {new SplittableRandom(9)})[0];
        for (int others = 1; others < 6; others++) {
            float[][] rows = new float[others + 1][];
            Arrays.fill(rows, other);
            rows[others] = PROCESSED;
            RandomGenerator[] rngs = IntStream.range(0, others + 1)
                    .mapToObj(i -> new SplittableRandom(i == rows.length - 1 ? 9 : 100 + i)).toArray(RandomGenerator[]::new);
            assertEquals(alone, draw(rows, Collections.nCopies(rows.length, SAMPLED), rngs)[others]);
        }
    }

    @Test
    void greedyRowsTakeTheFirstMaximumAndDrawNothing() {
        float[][] rows = {{1f, 3f, 3f, 2f, 3f}, {1f, 3f, 3f, 2f, 3f}, {NEG_INF, -7f, -1f, NEG_INF, -1f}};
        RandomGenerator untouched = new SplittableRandom(5);
        RandomGenerator[] rngs = {untouched, new SplittableRandom(6), new SplittableRandom(7)};
        long[] tokens = draw(rows, List.of(GREEDY, SAMPLED, GREEDY), rngs);
        assertEquals(1, tokens[0]);
        assertEquals(2, tokens[2]);
        assertTrue(tokens[1] >= 0 && tokens[1] < 5, "a sampled row draws one of its tokens: " + tokens[1]);
        assertEquals(new SplittableRandom(5).nextDouble(), untouched.nextDouble(), "a greedy row drew from its generator");
    }

    @Test
    void aSingleRemainingTokenIsAlwaysDrawnAndARowWithNoneLeftSaysSo() {
        long[] tokens = draws(new float[] {NEG_INF, 3f, NEG_INF}, 200, 1L);
        assertTrue(Arrays.stream(tokens).allMatch(t -> t == 1), Arrays.toString(tokens));
        assertEquals(-1, draw(new float[][] {{NEG_INF, NEG_INF}}, List.of(SAMPLED),
                new RandomGenerator[] {new SplittableRandom(1)})[0]);
        assertEquals(-1, draw(new float[][] {{NEG_INF, NEG_INF}}, List.of(GREEDY),
                new RandomGenerator[] {new SplittableRandom(1)})[0]);
    }

    @Test
    void recordsTheRawLogSoftmaxOfTheChosenToken() {
        float[] raw = {0f, (float) Math.log(2), (float) Math.log(3)};
        float[] processed = {NEG_INF, NEG_INF, 5f}; // only token 2 can be chosen: its log-prob is the raw one
        SamplingBatch batch = SamplingBatch.of(List.of(SAMPLED, GREEDY), List.of(new long[0], new long[0]));
        try (NDManager manager = NDManager.newBaseManager()) {
            TokenSampler.Choices choices = TokenSampler.choose(Rows.matrix(manager, new float[][] {raw, {1000f, 1000f, -1000f}}),
                    Rows.matrix(manager, new float[][] {processed, {1000f, 1000f, -1000f}}), batch,
                    new RandomGenerator[] {new SplittableRandom(1), new SplittableRandom(2)});
            assertArrayEquals(new long[] {2, 0}, choices.tokens());
            assertEquals(Math.log(3 / 6.0), choices.logprobs()[0], 1e-6);
            assertEquals(Math.log(0.5), choices.logprobs()[1], 1e-6); // stable for large logits
        }
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
}
