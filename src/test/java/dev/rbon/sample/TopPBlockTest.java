package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rbon.model.Dtype;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Property test of top-p's top-k block against the full sort: over seeded random batches (peaked, flat and
 * Zipf-like rows, ties, removed tokens, p from 1e-9 to 1), the block's kept set is the full sort's, except for
 * tokens at the nucleus edge: a token may be decided differently only if the full sort's cumulative probability
 * for it lies within {@link #EDGE} of {@code 1 - p}. A row whose block holds less than p of the mass goes through
 * the full sort; a row whose nucleus ends inside the block does not. Which path a row may take is the model's
 * dtype's: the chain for any model but a float32 one never tries the block.
 */
class TopPBlockTest {

    /**
     * How far the block's cumulative sums may stray from the sorted row's: both normalise by a float32 sum of the
     * same exponentials in different orders (rms ~5e-7 relative each, measured on 151,936-token rows).
     */
    static final double EDGE = 4e-6;

    private static final double[] TOP_PS = {1e-9, 0.01, 0.1, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999999, 1.0};

    private int blockRows;
    private int sortRows;
    private int edgeTokens;

    @Test
    void smallVocabulariesWithSmallBlocks() {
        SplittableRandom random = new SplittableRandom(22);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int batch = 0; batch < 400; batch++) {
                int vocab = new int[] {3, 20, 100, 1000}[random.nextInt(4)];
                int blockSize = Math.max(2, Math.min(vocab - 1, new int[] {2, 4, 16, 64, 256}[random.nextInt(5)]));
                checkBatch(manager, random, vocab, blockSize, 1 + random.nextInt(8));
            }
        }
        System.out.printf("small vocabularies: %d rows from the block, %d sorted, %d edge tokens differed%n",
                blockRows, sortRows, edgeTokens);
        assertTrue(blockRows > 500 && sortRows > 200, blockRows + " block rows, " + sortRows + " sorted rows");
    }

    @Test
    void qwenVocabularyWithTheDefaultBlock() {
        SplittableRandom random = new SplittableRandom(151_936);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int batch = 0; batch < 12; batch++) {
                checkBatch(manager, random, 151_936, TopPLogitsWarper.DEFAULT_BLOCK_SIZE, 6);
            }
        }
        System.out.printf("vocabulary 151,936: %d rows from the block, %d sorted, %d edge tokens differed%n",
                blockRows, sortRows, edgeTokens);
        assertTrue(blockRows > 20 && sortRows > 5, blockRows + " block rows, " + sortRows + " sorted rows");
    }

    /**
     * Rows the block decides when it is tried (Zipf-like, p = 0.9: nuclei of tens to hundreds of distinct scores):
     * a float32 model's chain decides them from the block, every other dtype's chain sorts them in full, with the
     * full sort's result bit for bit.
     */
    @ParameterizedTest
    @EnumSource(Dtype.class)
    void onlyAFloat32ModelsChainTriesTheBlock(Dtype dtype) {
        SplittableRandom random = new SplittableRandom(16);
        int rows = 4;
        float[][] scores = new float[rows][];
        for (int row = 0; row < rows; row++) {
            scores[row] = zipfRow(random, 151_936, 1.4 + 0.1 * row);
        }
        SamplingParams params = new SamplingParams(1.0, 0.9, 0, 0.0, 0, 16, List.of(), null);
        SamplingBatch batch = SamplingBatch.of(Collections.nCopies(rows, params),
                Collections.nCopies(rows, new long[0]));
        TopPLogitsWarper topP = LogitsProcessorList.of(batch, dtype).processors().stream()
                .filter(TopPLogitsWarper.class::isInstance).map(TopPLogitsWarper.class::cast).findFirst().orElseThrow();
        float[] thresholds = TopPLogitsWarper.thresholds(batch);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray input = Rows.matrix(manager, scores);
            try (TopPLogitsWarper.Removal removal = topP.removal(input, thresholds)) {
                boolean[] fromBlock = new boolean[rows];
                Arrays.fill(fromBlock, dtype == Dtype.FLOAT32);
                assertArrayEquals(fromBlock, removal.fromBlock(), dtype.configName() + " model");
                if (dtype != Dtype.FLOAT32) {
                    assertArrayEquals(asFloats(TopPLogitsWarper.fullSortRemove(input, thresholds), rows),
                            asFloats(removal.remove(), rows));
                }
            }
        }
    }

    /** {@code -a ln(1 + rank)} over a random permutation of the ranks: no two scores tie. */
    private static float[] zipfRow(SplittableRandom random, int vocab, double a) {
        int[] ranks = new int[vocab];
        Arrays.setAll(ranks, i -> i);
        for (int i = vocab - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = ranks[i];
            ranks[i] = ranks[j];
            ranks[j] = swap;
        }
        float[] row = new float[vocab];
        for (int t = 0; t < vocab; t++) {
            row[t] = (float) (-a * Math.log1p(ranks[t]));
        }
        return row;
    }

    private void checkBatch(NDManager manager, SplittableRandom random, int vocab, int blockSize, int rows) {
        float[][] scores = new float[rows][];
        float[] thresholds = new float[rows];
        double[] topPs = new double[rows];
        for (int row = 0; row < rows; row++) {
            scores[row] = row(random, vocab);
            topPs[row] = random.nextInt(4) == 0 ? random.nextDouble(1e-6, 1) : TOP_PS[random.nextInt(TOP_PS.length)];
            thresholds[row] = topPs[row] >= 1 ? Float.NEGATIVE_INFINITY : (float) (1.0 - topPs[row]);
        }
        try (NDManager step = manager.newSubManager()) {
            NDArray input = Rows.matrix(step, scores);
            float[][] sortedRemove = asFloats(TopPLogitsWarper.fullSortRemove(input, thresholds), rows);
            float[][] cumulative = sortedCumulative(input, rows);
            try (TopPLogitsWarper.Removal removal = new TopPLogitsWarper(blockSize).removal(input, thresholds)) {
                float[][] remove = asFloats(removal.remove(), rows);
                for (int row = 0; row < rows; row++) {
                    String where = String.format("V=%d K=%d row %d p=%s", vocab, blockSize, row, topPs[row]);
                    checkRow(where, scores[row], topPs[row], blockSize, removal.fromBlock()[row]);
                    for (int t = 0; t < vocab; t++) {
                        if (sortedRemove[row][t] != remove[row][t]) {
                            assertTrue(removal.fromBlock()[row], where + ": the sorted row differs at " + t);
                            double distance = Math.abs(cumulative[row][t] - thresholds[row]);
                            assertTrue(distance <= EDGE, where + ": token " + t + " differs " + distance + " from the edge");
                            edgeTokens++;
                        }
                    }
                    if (removal.fromBlock()[row]) {
                        blockRows++;
                    } else {
                        sortRows++;
                    }
                }
            }
        }
    }

    /**
     * The fallback is taken when the block's mass is short of p, or when tied scores straddle the nucleus edge; the
     * block decides when the nucleus ends inside it with no tie across its edge. Rows whose edge is within
     * {@link #EDGE} of p are not judged.
     */
    private static void checkRow(String where, float[] scores, double topP, int blockSize, boolean fromBlock) {
        if (topP >= 1) {
            assertTrue(fromBlock, where + ": a row at top_p 1 needs no sort");
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
        double blockMass = 0;
        int keptLow = 0;
        int keptHigh = 0;
        for (int i = 0; i < vocab; i++) {
            keptLow += before < topP - EDGE ? 1 : 0;
            keptHigh += before < topP + EDGE ? 1 : 0;
            before += Math.exp(descending[i] - max) / total;
            blockMass = i == blockSize - 1 ? before : blockMass;
        }
        if (blockMass < topP - EDGE) {
            assertTrue(!fromBlock, where + ": the block holds " + blockMass + " < p, yet decided the row");
        }
        keptLow = Math.max(1, keptLow); // the top token always stays
        keptHigh = Math.max(1, keptHigh);
        if (keptLow == keptHigh) {
            float edge = descending[keptLow - 1];
            boolean tieAcross = keptLow < vocab && descending[keptLow] == edge;
            boolean endsInBlock = edge > descending[blockSize - 1];
            assertEquals(endsInBlock && !tieAcross, fromBlock, where + ": kept " + keptLow + ", tie across the edge "
                    + tieAcross + ", ends in the block " + endsInBlock);
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
