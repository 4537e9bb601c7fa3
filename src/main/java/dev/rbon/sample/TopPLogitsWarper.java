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
 * <p>Sorting all V scores is only needed when the nucleus is large. The ascending cumulative sum at token t is
 * {@code total - mass above t}, so a token is kept iff the mass ranked above it is short of p. Each row's
 * {@link #blockSize} largest scores ({@code topK}) therefore decide the row when its nucleus ends inside them
 * ({@link #removeFromBlock}); the other rows go through the full sort. The two agree except for a token whose
 * cumulative probability lies within float rounding of {@code 1 - top_p}: the block's probabilities come from an
 * unsorted row's normaliser, so the last bits of the cumulative sum can differ.
 *
 * <p>The block is tried only on a float32 model's logits. A bfloat16, float16 or int8 (bfloat16 activations)
 * model's logits, widened to float32, still hold only 8 or 11 significant bits, so scores tie at the nucleus edge
 * in nearly every row and the block would be paid for before the full sort anyway (docs/benchmarks.md). Whether
 * it is tried is the model's choice, never the batch's, so a row's path does not depend on what else runs beside it.
 */
public final class TopPLogitsWarper implements LogitsProcessor {

    /** Largest scores per row examined before the full sort; measured in docs/benchmarks.md. */
    static final int DEFAULT_BLOCK_SIZE = 1024;

    /** A block no vocabulary exceeds: every row goes through the full sort. */
    static final int NO_BLOCK = Integer.MAX_VALUE;

    private final int blockSize;

    /** Top-p for a float32 model's logits. */
    public TopPLogitsWarper() {
        this(Dtype.FLOAT32);
    }

    /** Top-p for the logits of a model computing in {@code modelDtype}: the block for float32 only. */
    public TopPLogitsWarper(Dtype modelDtype) {
        this(modelDtype == Dtype.FLOAT32 ? DEFAULT_BLOCK_SIZE : NO_BLOCK);
    }

    /** @param blockSize the top-k block; a vocabulary no larger than it is always sorted in full */
    TopPLogitsWarper(int blockSize) {
        if (blockSize < 2) {
            throw new IllegalArgumentException("blockSize must be >= 2, got " + blockSize);
        }
        this.blockSize = blockSize;
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
     * The tokens to remove and which rows the block decided.
     *
     * @param remove (B, V) bool, attached to the manager of {@code scores}
     * @param fromBlock per row: true if the top-k block decided it, false if it went through the full sort
     */
    record Removal(NDArray remove, boolean[] fromBlock) implements AutoCloseable {
        @Override
        public void close() {
            remove.close();
        }
    }

    Removal removal(NDArray scores, float[] thresholds) { // (B, V) -> (B, V) bool
        int rows = thresholds.length;
        if (scores.getShape().get(1) <= blockSize) {
            return new Removal(fullSortRemove(scores, thresholds), new boolean[rows]); // small: the sort is cheap
        }
        try (NDScope scope = new NDScope()) {
            NDList block = removeFromBlock(scores, thresholds);                                  // (B, V), (B, 1)
            boolean[] fromBlock = block.get(1).toBooleanArray();
            List<Integer> sortRows = new ArrayList<>();
            for (int row = 0; row < rows; row++) {
                if (!fromBlock[row]) {
                    sortRows.add(row);
                }
            }
            NDArray remove = sortRows.isEmpty()
                    ? block.get(0)
                    : withSortedRows(scores, thresholds, block.get(0), sortRows);                // (B, V)
            NDScope.unregister(remove);
            return new Removal(remove, fromBlock);
        }
    }

    /** {@code blockRemove}'s rows, with the rows in {@code sortRows} replaced by the full sort's decision. */
    private static NDArray withSortedRows(
            NDArray scores, float[] thresholds, NDArray blockRemove, List<Integer> sortRows) {
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
                merged.add(blockRemove.get(row + ":" + (row + 1)));                             // (1, V)
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

    /**
     * The removal decided from each row's {@code blockSize} largest scores, and whether the block suffices.
     *
     * <p>Probabilities are the full row's softmax, {@code exp(x - max) * (1 / sum)} as torch's softmax kernel
     * computes them, with the sum taken by {@code sum} (a cascade sum, close to what the sorted row's softmax
     * gets). In descending order a token's ascending cumulative sum is {@code total - (mass before it)}, in double
     * and then rounded to float32 as torch's cumsum is; the kept count m is how many exceed the threshold (at
     * least 1), and the m-th largest score is the edge value. A row is decided by the block when its edge value is
     * above the block's smallest score (the nucleus ends inside the block) and above the (m+1)-th score (no tie
     * straddles the edge): the scores at or above the edge value then stay. Which of several tied tokens
     * transformers keeps is decided by the order its unstable sort leaves them in, so a tie across the edge goes
     * to the full sort. Rows at threshold {@code -inf} keep everything.
     *
     * @return (B, V) bool remove, (B, 1) bool decided
     */
    private NDList removeFromBlock(NDArray scores, float[] thresholds) { // (B, V) -> (B, V), (B, 1)
        int rows = thresholds.length;
        long vocab = scores.getShape().get(1);
        NDManager manager = scores.getManager();
        NDArray threshold = manager.create(thresholds, new Shape(rows, 1));                    // (B, 1)
        NDArray keepsAll = threshold.eq(Float.NEGATIVE_INFINITY);                               // (B, 1)
        NDList top = scores.topK(blockSize, 1, true, true);
        NDArray values = top.get(0);                                                            // (B, K) descending
        NDArray ids = top.get(1);                                                               // (B, K) int64
        NDArray max = values.get(":, 0:1");                                                     // (B, 1)
        NDArray sum = scores.sub(max).exp().sum(new int[] {1}, true);                          // (B, 1)
        NDArray reciprocal = sum.onesLike().div(sum);                                           // (B, 1)
        NDArray probabilities = values.sub(max).exp().mul(reciprocal);                         // (B, K)
        NDArray inclusive = probabilities.toType(DataType.FLOAT64, false).cumSum(1);            // (B, K) double
        NDArray before = NDArrays.concat(new NDList(inclusive.zerosLike().get(":, 0:1"),
                inclusive.get(":, :-1")), 1);                                                   // (B, K) double
        NDArray total = reciprocal.toType(DataType.FLOAT64, false).mul(sum.toType(DataType.FLOAT64, false)); // (B, 1)
        NDArray cumulative = total.sub(before).toType(DataType.FLOAT32, false);                 // (B, K)
        NDArray kept = cumulative.gt(threshold).toType(DataType.INT64, false)
                .sum(new int[] {1}, true).maximum(1);                                           // (B, 1) m
        NDArray edge = values.gather(kept.sub(1), 1);                                           // (B, 1)
        NDArray firstRemoved = values.gather(kept.minimum(blockSize - 1), 1);                   // (B, 1)
        NDArray decided = edge.gt(values.get(":, -1:")).logicalAnd(firstRemoved.lt(edge))
                .logicalOr(keepsAll);                                                           // (B, 1)
        NDArray keep = values.gte(edge).logicalOr(keepsAll);                                    // (B, K)
        NDArray remove = keepsAll.logicalNot().broadcast(new Shape(rows, vocab))
                .scatter(ids, keep.logicalNot(), 1);                                            // (B, V)
        return new NDList(remove, decided);
    }
}
