package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rbon.model.Dtype;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The draw on the device: distribution, seeds, greedy rows, log-probs, self-certainties, rows with nothing left. */
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

    /**
     * The draw's binary searches against the definition on the host: the device's float32 probabilities summed in
     * double one by one, the count of sums {@code <= u * total}, stopped at the first sum that reaches the total.
     * Rows with removed tokens, ties and peaks, uniforms on the edges (0, just under 1) and at random.
     */
    @Test
    void inverseCdfCountsTheSumsBelowUTimesTheTotalAsTheHostDoes() {
        SplittableRandom random = new SplittableRandom(5);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int c = 0; c < 200; c++) {
                int vocab = random.nextInt(1, 3000);
                int rows = random.nextInt(1, 5);
                float[][] scores = new float[rows][vocab];
                double[] uniforms = new double[rows];
                for (int r = 0; r < rows; r++) {
                    double spread = Math.pow(10, random.nextInt(-1, 3));
                    for (int v = 0; v < vocab; v++) {
                        scores[r][v] = random.nextInt(10) == 0 ? NEG_INF
                                : (float) (random.nextBoolean() ? Math.round(random.nextGaussian()) : spread
                                        * random.nextGaussian());
                    }
                    scores[r][random.nextInt(vocab)] = 1; // at least one token left
                    uniforms[r] = switch (random.nextInt(4)) {
                        case 0 -> 0.0;
                        case 1 -> Math.nextDown(1.0);
                        default -> random.nextDouble();
                    };
                }
                NDArray processed = Rows.matrix(manager, scores);
                float[] probabilities = processed.softmax(1).toFloatArray();
                SamplingBatch batch = SamplingBatch.of(Collections.nCopies(rows, SAMPLED),
                        Collections.nCopies(rows, new long[0]));
                long[] drawn = TokenSampler.choose(processed, processed, batch, uniforms).tokens();
                for (int r = 0; r < rows; r++) {
                    double[] cumulative = new double[vocab];
                    double sum = 0;
                    for (int v = 0; v < vocab; v++) {
                        sum += probabilities[r * vocab + v];
                        cumulative[v] = sum;
                    }
                    double target = uniforms[r] * sum;
                    int below = 0;
                    int beforeTotal = 0;
                    for (double cum : cumulative) {
                        below += cum <= target ? 1 : 0;
                        beforeTotal += cum < sum ? 1 : 0;
                    }
                    assertEquals(Math.min(below, beforeTotal), drawn[r],
                            "case " + c + " row " + r + " u " + uniforms[r]);
                    assertTrue(probabilities[r * vocab + (int) drawn[r]] > 0, "case " + c + ": a removed token");
                }
            }
        }
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

    /** Each row's self-certainty under {@code raw}, with the draw made from {@code processed}. */
    private static double[] selfCertainties(float[][] raw, float[][] processed, List<SamplingParams> params) {
        SamplingBatch batch = SamplingBatch.of(params, Collections.nCopies(raw.length, new long[0]));
        RandomGenerator[] rngs = IntStream.range(0, raw.length).mapToObj(SplittableRandom::new)
                .toArray(RandomGenerator[]::new);
        try (NDManager manager = NDManager.newBaseManager()) {
            return TokenSampler.choose(Rows.matrix(manager, raw), Rows.matrix(manager, processed), batch, rngs)
                    .selfCertainties();
        }
    }

    private static double[] selfCertainties(float[][] raw) {
        return selfCertainties(raw, raw, Collections.nCopies(raw.length, SAMPLED));
    }

    /** Rows of {@code vocab} N(shift, scale^2) logits; every fourth row with one logit far above the rest. */
    private static float[][] gaussianRows(int rows, int vocab, double shift, double scale, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] out = new float[rows][vocab];
        for (int r = 0; r < rows; r++) {
            for (int v = 0; v < vocab; v++) {
                out[r][v] = (float) (shift + scale * random.nextGaussian());
            }
            if (r % 4 == 0) {
                out[r][random.nextInt(vocab)] = (float) (shift + 20 * scale);
            }
        }
        return out;
    }

    @Test
    void selfCertaintyIsTheKlFromUniformOfTheRawRow() {
        float[][] raw = {{0f, 1f, 2f, 3f, -1f}, {-3f, 0.5f, 10f, -7f, 2f}, {1000f, 1000f, -1000f, 999f, 0f},
                {7f, 7f, 7f, 7f, 7f}, {NEG_INF, 0f, 0f, 0f, 0f}};
        double[] got = selfCertainties(raw);
        for (int r = 0; r < 3; r++) {
            double expected = Rows.klFromUniform(raw[r]);
            assertEquals(expected, got[r], 1e-6 * (1 + expected), "row " + r); // float32 relative rounding
        }
        assertEquals(0, got[3], 1e-6, "a uniform row is at the uniform distribution");
        assertEquals(Double.POSITIVE_INFINITY, got[4], "a token of probability 0 is infinitely far from uniform");
    }

    @Test
    void selfCertaintyGrowsAsTheRawRowSharpensAndIsNeverBelowZero() {
        float[] base = gaussianRows(1, 1000, 0, 1, 3)[0];
        float[] betas = {0f, 0.25f, 0.5f, 1f, 2f, 4f};
        float[][] raw = new float[betas.length][base.length];
        for (int i = 0; i < betas.length; i++) {
            for (int v = 0; v < base.length; v++) {
                raw[i][v] = betas[i] * base[v];
            }
        }
        double[] got = selfCertainties(raw);
        assertEquals(0, got[0], 1e-6, "beta 0: uniform");
        for (int i = 1; i < got.length; i++) { // d/dbeta KL(U || softmax(beta x)) = E_p[x] - mean(x) > 0
            assertTrue(got[i] > got[i - 1], "beta " + betas[i] + ": " + Arrays.toString(got));
        }
    }

    @Test
    void selfCertaintyReadsTheRawRowWhateverTheProcessorsDid() {
        float[][] raw = gaussianRows(3, 300, 0.5, 2, 5);
        long[] history = {4, 5, 4};
        double[] unprocessed = selfCertainties(raw);
        for (SamplingParams params : List.of(Rows.params(0.3, 1.0, 0, 0.0, 0), Rows.params(1.0, 0.5, 0, 0.0, 0),
                Rows.params(1.5, 1.0, 2, 0.0, 0), Rows.params(1.0, 1.0, 0, 0.1, 0), Rows.params(0.7, 0.9, 20, 3e-4, 2),
                GREEDY)) {
            SamplingBatch batch = SamplingBatch.of(Collections.nCopies(3, params), Collections.nCopies(3, history));
            float[][] processed = Rows.apply(LogitsProcessorList.of(batch, Dtype.FLOAT32), batch, raw);
            assertArrayEquals(unprocessed, selfCertainties(raw, processed, Collections.nCopies(3, params)), 0.0,
                    params.toString());
        }
    }

    /**
     * Rows of Qwen2's 151,936 logits: within 2 eps32 log2(V) relative of the double value, a pairwise float32 sum's
     * bound with a factor 2 spare (the float32 mean of log p drifts by ~1e-6 of |mean log p|: 1.3e-5 at scale 3).
     * A row's value is the same alone as in a batch, up to that rounding: libtorch may split one row's reduction
     * across threads when it has few rows.
     */
    @Test
    void selfCertaintyOverAQwenSizedVocabularyIsFloat32AccurateAndEachRowsOwn() {
        int vocab = 151_936;
        double relative = 2 * Math.ulp(1f) * Math.log(vocab) / Math.log(2);
        for (double scale : new double[] {1, 3, 10}) {
            for (double shift : new double[] {0, 20, -50}) {
                float[][] raw = gaussianRows(8, vocab, shift, scale, (long) (scale * 100 + shift));
                double[] batched = selfCertainties(raw);
                for (int r = 0; r < raw.length; r++) {
                    double expected = Rows.klFromUniform(raw[r]);
                    double tolerance = relative * (expected + Math.log(vocab)); // |mean log p| = KL + log V
                    String where = "scale " + scale + " shift " + shift + " row " + r;
                    assertEquals(expected, batched[r], tolerance, where);
                    assertEquals(selfCertainties(new float[][] {raw[r]})[0], batched[r], tolerance, where + " alone");
                }
            }
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
