package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rbon.model.Dtype;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Property test of top-p's edge search against the full sort: over seeded random batches (peaked, flat and
 * Zipf-like rows, ties, removed tokens, p from 1e-9 to 1), the kept set is the full sort's, except for tokens at the
 * nucleus edge: a token may be decided differently only if the full sort's cumulative probability for it lies within
 * {@link #EDGE} of {@code 1 - p}, or, in the chain of a model computing in less than float32, if its score ties the
 * edge token's, which then stays. A float32 model's row with tied scores across the edge goes through the full sort
 * and gets its result bit for bit; no other row does.
 */
class NucleusEdgeTest {

    /**
     * How far the edge search's cumulative sums may stray from the sorted row's: both normalise by a float32 sum
     * of the same exponentials in different orders (rms ~5e-7 relative each, measured on 151,936-token rows).
     */
    static final double EDGE = 4e-6;

    private static final double[] TOP_PS = {1e-9, 0.01, 0.1, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999999, 1.0};

    private int edgeRows;
    private int sortRows;
    private int edgeTokens;
    private int tiedTokensKept;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void smallVocabularies(boolean tiesKept) {
        SplittableRandom random = new SplittableRandom(22);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int batch = 0; batch < 400; batch++) {
                int vocab = new int[] {3, 20, 100, 1000}[random.nextInt(4)];
                checkBatch(manager, random, vocab, 1 + random.nextInt(8), tiesKept);
            }
        }
        report("small vocabularies", tiesKept);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void qwenVocabulary(boolean tiesKept) {
        SplittableRandom random = new SplittableRandom(151_936);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int batch = 0; batch < 12; batch++) {
                checkBatch(manager, random, 151_936, 6, tiesKept);
            }
        }
        report("vocabulary 151,936", tiesKept);
    }

    private void report(String what, boolean tiesKept) {
        System.out.printf("%s, ties %s: %d rows from the edge search, %d sorted, %d edge tokens differed, %d tied"
                + " tokens kept%n", what, tiesKept ? "kept" : "sorted", edgeRows, sortRows, edgeTokens, tiedTokensKept);
        assertTrue(edgeRows > 20, edgeRows + " rows from the edge search");
        assertTrue(tiesKept ? sortRows == 0 && tiedTokensKept > 0 : sortRows > 5,
                sortRows + " sorted rows, " + tiedTokensKept + " tied tokens kept");
    }

    /**
     * Ties across the edge, {@code [2, 1, 1, 1, -5]} at p = 0.6: transformers keeps the 2 and one of the 1s, which
     * one its sort decides. A float32 model's chain sorts the row and keeps what transformers keeps; any other
     * model's chain keeps all three 1s.
     */
    @ParameterizedTest
    @EnumSource(Dtype.class)
    void tiesAcrossTheEdgeAreSortedForAFloat32ModelAndKeptOtherwise(Dtype dtype) {
        SamplingParams params = new SamplingParams(1.0, 0.6, 0, 0.0, 0, 16, List.of(), null);
        SamplingBatch batch = SamplingBatch.of(List.of(params), List.of(new long[0]));
        TopPLogitsWarper topP = LogitsProcessorList.of(batch, dtype).processors().stream()
                .filter(TopPLogitsWarper.class::isInstance).map(TopPLogitsWarper.class::cast).findFirst().orElseThrow();
        float[] thresholds = TopPLogitsWarper.thresholds(batch);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray input = Rows.matrix(manager, new float[][] {{2, 1, 1, 1, -5}});
            try (TopPLogitsWarper.Removal removal = topP.removal(input, thresholds)) {
                float[] remove = asFloats(removal.remove(), 1)[0];
                float[] sorted = asFloats(TopPLogitsWarper.fullSortRemove(input, thresholds), 1)[0];
                assertEquals(3f, sum(sorted), "transformers removes two of the 1s and the -5");
                if (dtype == Dtype.FLOAT32) {
                    assertArrayEquals(new boolean[] {true}, removal.sorted());
                    assertArrayEquals(sorted, remove);
                } else {
                    assertArrayEquals(new boolean[] {false}, removal.sorted());
                    assertArrayEquals(new float[] {0, 0, 0, 0, 1}, remove, dtype.configName() + " model");
                }
            }
        }
    }

    private static float sum(float[] values) {
        float sum = 0;
        for (float value : values) {
            sum += value;
        }
        return sum;
    }

    private void checkBatch(NDManager manager, SplittableRandom random, int vocab, int rows, boolean tiesKept) {
        float[][] scores = new float[rows][];
        float[] thresholds = new float[rows];
        double[] topPs = new double[rows];
        for (int row = 0; row < rows; row++) {
            scores[row] = row(random, vocab);
            topPs[row] = random.nextInt(4) == 0 ? random.nextDouble(1e-6, 1) : TOP_PS[random.nextInt(TOP_PS.length)];
            thresholds[row] = topPs[row] >= 1 ? Float.NEGATIVE_INFINITY : (float) (1.0 - topPs[row]);
        }
        TopPLogitsWarper topP = new TopPLogitsWarper(tiesKept ? Dtype.BFLOAT16 : Dtype.FLOAT32);
        try (NDManager step = manager.newSubManager()) {
            NDArray input = Rows.matrix(step, scores);
            float[][] sortedRemove = asFloats(TopPLogitsWarper.fullSortRemove(input, thresholds), rows);
            float[][] cumulative = sortedCumulative(input, rows);
            try (TopPLogitsWarper.Removal removal = topP.removal(input, thresholds)) {
                float[][] remove = asFloats(removal.remove(), rows);
                for (int row = 0; row < rows; row++) {
                    String where = String.format("V=%d row %d p=%s", vocab, row, topPs[row]);
                    checkRow(where, scores[row], topPs[row], tiesKept, removal.sorted()[row]);
                    float lowestKept = Float.POSITIVE_INFINITY; // by transformers
                    for (int t = 0; t < vocab; t++) {
                        lowestKept = sortedRemove[row][t] == 0 ? Math.min(lowestKept, scores[row][t]) : lowestKept;
                    }
                    for (int t = 0; t < vocab; t++) {
                        if (sortedRemove[row][t] == remove[row][t]) {
                            continue;
                        }
                        assertTrue(!removal.sorted()[row], where + ": the sorted row differs at " + t);
                        if (tiesKept && scores[row][t] == lowestKept && remove[row][t] == 0) {
                            tiedTokensKept++;
                            continue;
                        }
                        double distance = Math.abs(cumulative[row][t] - thresholds[row]);
                        assertTrue(distance <= EDGE, where + ": token " + t + " differs " + distance + " from p");
                        edgeTokens++;
                    }
                    if (removal.sorted()[row]) {
                        sortRows++;
                    } else {
                        edgeRows++;
                    }
                }
            }
        }
    }

    /**
     * A row is sorted in full only when tied scores straddle the nucleus edge and the chain does not keep ties.
     * Rows whose edge is within {@link #EDGE} of p are not judged.
     */
    private static void checkRow(String where, float[] scores, double topP, boolean tiesKept, boolean sorted) {
        if (topP >= 1) {
            assertTrue(!sorted, where + ": a row at top_p 1 needs no sort");
            return;
        }
        int vocab = scores.length;
        float[] descending = scores.clone();
        Arrays.sort(descending);
        reverse(descending);
        double max = descending[0];
        double total = 0;
        for (float score : descending) {
            total += Math.exp(score - max);
        }
        double before = 0; // the mass ranked above position i
        int keptLow = 0;
        int keptHigh = 0;
        for (int i = 0; i < vocab; i++) {
            keptLow += before < topP - EDGE ? 1 : 0;
            keptHigh += before < topP + EDGE ? 1 : 0;
            before += Math.exp(descending[i] - max) / total;
        }
        keptLow = Math.max(1, keptLow); // the top token always stays
        keptHigh = Math.max(1, keptHigh);
        if (keptLow == keptHigh) {
            float edge = descending[keptLow - 1];
            boolean tieAcross = keptLow < vocab && descending[keptLow] == edge;
            assertEquals(tieAcross && !tiesKept, sorted, where + ": kept " + keptLow + ", tie across " + tieAcross);
        }
    }

    private static void reverse(float[] values) {
        for (int i = 0, j = values.length - 1; i < j; i++, j--) {
            float swap = values[i];
            values[i] = values[j];
            values[j] = swap;
        }
    }

    /** Each token's cumulative probability as the full sort computes it, in vocabulary order. */
    private static float[][] sortedCumulative(NDArray scores, int rows) {
        NDArray order = scores.argSort(1, true);                                  // (B, V)
        NDArray cumulative = scores.gather(order, 1).softmax(1).cumSum(1);        // (B, V)
        return Rows.split(cumulative.scatter(order, cumulative, 1).toFloatArray(), rows);
    }

    private static float[][] asFloats(NDArray remove, int rows) {
        return Rows.split(remove.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(), rows);
    }

    /** Peaked, flat or Zipf-like logits; some tied (a coarse grid or bfloat16's 8 bits), some already removed. */
    static float[] row(SplittableRandom random, int vocab) {
        float[] row = new float[vocab];
        int shape = random.nextInt(4);
        double spread = shape == 0 ? random.nextDouble(3, 8) : random.nextDouble(0.05, 1.5);
        double zipf = random.nextDouble(0.8, 1.8);
        for (int t = 0; t < vocab; t++) {
            row[t] = (float) switch (shape) {
                case 0, 1 -> random.nextGaussian() * spread;
                case 2 -> -zipf * Math.log1p(random.nextDouble() * vocab) + 0.3 * random.nextGaussian();
                default -> t == 0 ? 12 + random.nextGaussian() : random.nextGaussian() * 2; // one dominant token
            };
        }
        int ties = random.nextInt(3);
        for (int t = 0; t < vocab; t++) {
            if (ties == 1) {
                row[t] = Math.round(row[t] * 4) / 4f;
            } else if (ties == 2) {
                row[t] = Float.intBitsToFloat(Float.floatToRawIntBits(row[t]) & 0xFFFF0000); // bfloat16
            }
        }
        if (random.nextInt(4) == 0) {
            double removed = random.nextDouble(0.5, 1);
            for (int t = 1; t < vocab; t++) {
                if (random.nextDouble() < removed) {
                    row[t] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        return row;
    }
}
