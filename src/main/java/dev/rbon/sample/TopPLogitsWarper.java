package dev.rbon.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

// Mirrors transformers' TopPLogitsWarper (generation/logits_process.py), min_tokens_to_keep = 1.

/**
 * Nucleus filtering exactly as transformers does it, with the same torch ops: sort each row ascending, softmax the
 * sorted scores, cumulative sum, remove every token whose cumulative probability is {@code <= 1 - top_p}; the last
 * (highest) token of the ascending order always stays; scatter the decision back to vocabulary order. A token
 * exactly on the boundary is removed; the kept scores are not renormalised (the final softmax does that).
 *
 * <p>What decides boundary cases is torch's own arithmetic, which these ops inherit: its CPU sort is stable (among
 * equal scores the lower id comes first), its float32 cumsum accumulates in double, and the threshold
 * {@code 1 - top_p}, computed in double as Python does, is compared in float32. A row at top_p 1 (or greedy)
 * gets the threshold {@code -inf}, so nothing is removed: transformers skips the warper for it.
 */
public final class TopPLogitsWarper implements LogitsProcessor {

    @Override
    public NDArray apply(SamplingBatch batch, NDArray scores) { // (B, V) -> (B, V)
        int rows = batch.size();
        long vocab = scores.getShape().get(1);
        float[] thresholds = new float[rows];
        for (int row = 0; row < rows; row++) {
            SamplingParams p = batch.params(row);
            thresholds[row] = p.greedy() || p.topP() >= 1.0 ? Float.NEGATIVE_INFINITY : (float) (1.0 - p.topP());
        }
        NDManager manager = scores.getManager();
        try (NDArray threshold = manager.create(thresholds, new Shape(rows, 1));               // (B, 1)
                NDArray sortedIndices = scores.argSort(1, true);                                 // (B, V) int64
                NDArray sortedLogits = scores.gather(sortedIndices, 1);                          // (B, V)
                NDArray probabilities = sortedLogits.softmax(1);                                 // (B, V)
                NDArray cumulative = probabilities.cumSum(1);                                    // (B, V)
                NDArray belowMass = cumulative.lte(threshold);                                   // (B, V)
                NDArray notTop = manager.arange((int) vocab).lt(vocab - 1).reshape(1, vocab);          // (1, V)
                NDArray sortedRemove = belowMass.logicalAnd(notTop);                             // (B, V)
                NDArray remove = sortedRemove.scatter(sortedIndices, sortedRemove, 1)) {         // (B, V)
            return LogitsProcessor.removed(scores, remove);                                      // (B, V)
        }
    }
}
