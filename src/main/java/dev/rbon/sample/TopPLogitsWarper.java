package dev.rbon.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.rbon.model.Dtype;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

// Mirrors transformers' TopPLogitsWarper (generation/logits_process.py), min_tokens_to_keep = 1.

/**
 * Nucleus filtering with transformers' semantics: sort each row ascending, softmax the sorted scores, cumulative
 * sum, remove every token whose cumulative probability is {@code <= 1 - top_p}; the last (highest) token of the
 * ascending order always stays. A token exactly on the boundary is removed; the kept scores are not renormalised
 * (the final softmax does that).
 *
 * <p>The full sort ({@link #fullSortRemove}) uses transformers' own torch ops, so torch's arithmetic decides
 * boundary cases: its CPU sort is not stable (transformers calls it with {@code stable=False}; among equal scores
 * the order is the one the sort leaves, the lower id first only in short rows), its float32 cumsum accumulates in
 * double, and the threshold {@code 1 - top_p}, computed in double as Python does, is compared in
 * float32. A row at top_p 1 (or greedy) gets the threshold {@code -inf}, so nothing is removed: transformers skips
 * the warper for it.
 *
 * <p>Sorting is not needed to find the kept set. The ascending cumulative sum at token t is {@code total - mass ranked
 * above t}, so the nucleus is every token down to an edge probability, which {@link NucleusEdge} finds on the host from
 * a histogram of the row's probabilities, in one pass over the row; the kept set is then {@code probability >= edge},
 * one comparison on the device. It agrees with the full sort except for a token whose cumulative probability lies
 * within float rounding of {@code 1 - top_p} (the probabilities come from the unsorted row's normaliser, so the last
 * bits of the sums can differ), and for tied scores across the edge: transformers keeps as many of them as fit, which
 * ones being the order its unstable sort leaves them in. There a float32 model's row goes through the full sort, so it
 * keeps what transformers keeps; a bfloat16, float16 or int8 model's logits hold only 8 or 11 significant bits, ties
 * straddle the edge in most rows, and every tied token stays. Either way a row's path depends only on its own scores
 * and its model, never on what else runs beside it.
 */
public final class TopPLogitsWarper implements LogitsProcessor {

    /** Whether tied scores across the nucleus edge all stay (else the row is sorted, as transformers does). */
    private final boolean tiesKept;
    private final boolean alwaysSort;

    /** Top-p for a float32 model's logits. */
    public TopPLogitsWarper() {
        this(Dtype.FLOAT32);
    }

    /** Top-p for the logits of a model computing in {@code modelDtype}: ties at the edge kept but in float32. */
    public TopPLogitsWarper(Dtype modelDtype) {
        this(modelDtype != Dtype.FLOAT32, false);
    }

    private TopPLogitsWarper(boolean tiesKept, boolean alwaysSort) {
        this.tiesKept = tiesKept;
        this.alwaysSort = alwaysSort;
    }

    /** Top-p that sorts every row in full, transformers' computation: the reference in tests and benchmarks. */
    static TopPLogitsWarper alwaysSorting() {
        return new TopPLogitsWarper(false, true);
    }

    @Override
    public NDArray apply(SamplingBatch batch, NDArray scores) { // (B, V) -> (B, V)
        try (Removal removal = removal(scores, thresholds(batch))) {
            return LogitsProcessor.removed(scores, removal.remove());                           // (B, V)
        }
    }

    /** Each row's float32 {@code 1 - top_p}, {@code -inf} where the row keeps everything. */
    static float[] thresholds(SamplingBatch batch) {
        float[] thresholds = new float[batch.size()];
        for (int row = 0; row < thresholds.length; row++) {
            SamplingParams p = batch.params(row);
            thresholds[row] = p.greedy() || p.topP() >= 1.0 ? Float.NEGATIVE_INFINITY : (float) (1.0 - p.topP());
        }
        return thresholds;
    }

    /**
     * The tokens to remove and which rows went through the full sort.
     *
     * @param remove (B, V) bool, attached to the manager of {@code scores}
     * @param sorted per row: true if the full sort decided it
     */
    record Removal(NDArray remove, boolean[] sorted) implements AutoCloseable {
        @Override
        public void close() {
            remove.close();
        }
    }

    Removal removal(NDArray scores, float[] thresholds) { // (B, V) -> (B, V) bool
        int rows = thresholds.length;
        boolean[] sorted = new boolean[rows];
        if (alwaysSort) {
            Arrays.fill(sorted, true);
            return new Removal(fullSortRemove(scores, thresholds), sorted);
        }
        if (!anyFilters(thresholds)) {
            return new Removal(scores.zerosLike().toType(DataType.BOOLEAN, false), sorted);
        }
        float[] edges = new float[rows]; // 0 keeps every token
        List<Integer> sortRows = new ArrayList<>();
        try (NDScope scope = new NDScope()) {
            int vocab = (int) scores.getShape().get(1);
            NDArray probabilities = scores.softmax(1);                                          // (B, V)
            float[] host = probabilities.toFloatArray();
            NucleusEdge nucleus = new NucleusEdge();
            for (int row = 0; row < rows; row++) {
                if (thresholds[row] != Float.NEGATIVE_INFINITY) {
                    edges[row] = nucleus.edge(host, row * vocab, vocab, thresholds[row], tiesKept);
                    if (Float.isNaN(edges[row])) {
                        sorted[row] = true;
                        sortRows.add(row);
                    }
                }
            }
            NDArray edge = scores.getManager().create(edges, new Shape(rows, 1));                // (B, 1)
            NDArray remove = probabilities.lt(edge);                                            // (B, V)
            if (!sortRows.isEmpty()) {
                remove = withSortedRows(scores, thresholds, remove, sortRows);                   // (B, V)
            }
            NDScope.unregister(remove);
            return new Removal(remove, sorted);
        }
    }

    private static boolean anyFilters(float[] thresholds) {
        for (float threshold : thresholds) {
            if (threshold != Float.NEGATIVE_INFINITY) {
                return true;
            }
        }
        return false;
    }

    /** {@code edgeRemove}'s rows, with the rows in {@code sortRows} replaced by the full sort's decision. */
    private static NDArray withSortedRows(
            NDArray scores, float[] thresholds, NDArray edgeRemove, List<Integer> sortRows) {
        int rows = thresholds.length;
        if (sortRows.size() == rows) {
            return fullSortRemove(scores, thresholds);                                           // (B, V)
        }
        NDList subRows = new NDList();
        float[] subThresholds = new float[sortRows.size()];
        for (int i = 0; i < subThresholds.length; i++) {
            int row = sortRows.get(i);
            subRows.add(scores.get(row + ":" + (row + 1)));                                     // (1, V)
            subThresholds[i] = thresholds[row];
        }
        NDArray sorted = fullSortRemove(NDArrays.concat(subRows, 0), subThresholds);            // (F, V)
        NDList merged = new NDList();
        int sortedRow = 0;
        for (int row = 0; row < rows; row++) {
            if (sortedRow < sortRows.size() && sortRows.get(sortedRow) == row) {
                merged.add(sorted.get(sortedRow + ":" + (sortedRow + 1)));                     // (1, V)
                sortedRow++;
            } else {
                merged.add(edgeRemove.get(row + ":" + (row + 1)));                             // (1, V)
            }
        }
        return NDArrays.concat(merged, 0);                                                       // (B, V)
    }

    /**
     * Transformers' own computation: stable ascending sort, softmax, cumulative sum, remove where it is
     * {@code <= threshold} except the highest token, scatter back to vocabulary order.
     */
    static NDArray fullSortRemove(NDArray scores, float[] thresholds) { // (B, V) -> (B, V) bool
        int rows = thresholds.length;
        long vocab = scores.getShape().get(1);
        NDManager manager = scores.getManager();
        try (NDArray threshold = manager.create(thresholds, new Shape(rows, 1));               // (B, 1)
                NDArray sortedIndices = scores.argSort(1, true);                                 // (B, V) int64
                NDArray sortedLogits = scores.gather(sortedIndices, 1);                          // (B, V)
                NDArray probabilities = sortedLogits.softmax(1);                                 // (B, V)
                NDArray cumulative = probabilities.cumSum(1);                                    // (B, V)
                NDArray belowMass = cumulative.lte(threshold);                                   // (B, V)
                NDArray notTop = manager.arange((int) vocab).lt(vocab - 1).reshape(1, vocab);    // (1, V)
                NDArray sortedRemove = belowMass.logicalAnd(notTop)) {                           // (B, V)
            return sortedRemove.scatter(sortedIndices, sortedRemove, 1);                         // (B, V)
        }
    }
}
