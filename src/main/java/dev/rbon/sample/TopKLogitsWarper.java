package dev.rbon.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

// Mirrors transformers' TopKLogitsWarper (generation/logits_process.py), min_tokens_to_keep = 1.

/**
 * Keeps each row's {@code top_k} highest scores: removes every score strictly below the row's k-th largest, so
 * tokens tied with the k-th all stay (more than k may survive). k is capped at the vocabulary size. One
 * {@code topK} of the largest k over the batch serves every row; a row with top_k 0 (or greedy) compares against
 * {@code -inf} and keeps everything.
 */
public final class TopKLogitsWarper implements LogitsProcessor {

    @Override
    public NDArray apply(SamplingBatch batch, NDArray scores) { // (B, V) -> (B, V)
        int vocab = (int) scores.getShape().get(1);
        long[] kthPosition = new long[batch.size()];
        boolean[] disabled = new boolean[batch.size()];
        int largestK = 1;
        for (int row = 0; row < batch.size(); row++) {
            SamplingParams p = batch.params(row);
            int k = Math.min(p.topK(), vocab);
            disabled[row] = p.greedy() || k == 0;
            kthPosition[row] = disabled[row] ? 0 : k - 1;
            largestK = Math.max(largestK, disabled[row] ? 1 : k);
        }
        NDManager manager = scores.getManager();
        try (NDList top = scores.topK(largestK, 1, true, true);                                     // (B, K) each
                NDArray position = manager.create(kthPosition, new Shape(batch.size(), 1));          // (B, 1)
                NDArray kth = top.get(0).gather(position, 1);                                        // (B, 1)
                NDArray off = manager.create(disabled, new Shape(batch.size(), 1));                  // (B, 1)
                NDArray threshold = LogitsProcessor.removed(kth, off);                               // (B, 1)
                NDArray remove = scores.lt(threshold)) {                                             // (B, V)
            return LogitsProcessor.removed(scores, remove);                                          // (B, V)
        }
    }
}
