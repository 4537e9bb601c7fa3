package dev.rbon.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.rbon.model.CausalLM;
import dev.rbon.model.PaddedBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One teacher-forced pass over ids(prompt) ++ ids(response) for a few responses: right-padded (right padding leaves
 * every real token's logits untouched under a causal mask), with each row's response ids as the gather targets.
 * Shared by {@link ReferenceScorer} (the sum l_i) and {@link TokenLogprobs} (per-token log-probs for the API).
 *
 * <p>The (B, L, vocab) logits are never whole: the response positions go through the lm_head, log_softmax and
 * the gather a chunk of positions at a time, each chunk in its own manager, so a pass holds at most one
 * (B, L_chunk, vocab) block of logits and its log-softmax (vocab is 152k on Qwen-sized models).
 */
record TeacherForcing(long[] promptIds, List<long[]> responses, int longest) {

    /**
     * Per row and response position, row-major (B * longest; positions past a row's end hold padding's values):
     * the natural-log probability of the row's own token under the raw next-token distribution, and the {@code k}
     * most probable tokens with their log-probs, best first ((B * longest * k) each; empty when k is 0).
     */
    record Gathered(float[] picked, float[] topLogprobs, long[] topIds, int k) {}

    static TeacherForcing of(long[] promptIds, List<long[]> responses) {
        return new TeacherForcing(promptIds, responses, responses.stream().mapToInt(r -> r.length).max().orElse(0));
    }

    /** The gathered log-probs of this pass, with the {@code top} best alternatives at each position (0: none). */
    Gathered gather(CausalLM lm, int top) {
        int rows = responses.size();
        int k = Math.min(top, lm.vocabSize());
        Gathered out = new Gathered(new float[rows * longest], new float[rows * longest * k],
                new long[rows * longest * k], k);
        try (NDManager request = lm.newRequestManager()) {
            PaddedBatch batch = PaddedBatch.of(sequences(), 0);
            NDArray hidden = lm.hiddenStates(batch.inputIds(request), batch.attentionMask(request), null); // (B, T, hidden)
            NDArray targets = request.create(targets());                                                   // (B, L)
            int first = promptIds.length - 1; // the position that predicts the first response token
            int step = (int) TokenBudget.positionsPerChunk(rows, lm.vocabSize(), longest);
            for (int from = 0; from < longest; from += step) {
                int to = Math.min(longest, from + step);
                try (NDManager chunk = request.newSubManager()) {
                    NDArray h = owned(chunk, hidden.get(":, " + (first + from) + ":" + (first + to)));  // (B, Lc, hidden)
                    NDArray logprobs = lm.logits(h).logSoftmax(2);                                      // (B, Lc, vocab)
                    NDArray chosen = owned(chunk, targets.get(":, " + from + ":" + to)).expandDims(2);  // (B, Lc, 1)
                    copyRows(logprobs.gather(chosen, 2).toFloatArray(), out.picked(), from, to, 1);
                    if (k > 0) {
                        NDList best = logprobs.topK(k, 2, true, true);                                  // (B, Lc, k) x2
                        copyRows(best.get(0).toFloatArray(), out.topLogprobs(), from, to, k);
                        copyRows(best.get(1).toLongArray(), out.topIds(), from, to, k);
                    }
                }
            }
        }
        return out;
    }

    private List<long[]> sequences() {
        List<long[]> sequences = new ArrayList<>(responses.size());
        for (long[] response : responses) {
            long[] sequence = Arrays.copyOf(promptIds, promptIds.length + response.length);
            System.arraycopy(response, 0, sequence, promptIds.length, response.length);
            sequences.add(sequence);
        }
        return sequences;
    }

    /** Each row's response ids, padded with id 0 to {@code longest}. */
    private long[][] targets() {
        long[][] targets = new long[responses.size()][longest];
        for (int r = 0; r < targets.length; r++) {
            System.arraycopy(responses.get(r), 0, targets[r], 0, responses.get(r).length);
        }
        return targets;
    }

    /** A chunk's (B, to - from, width) values into the (B, longest, width) row-major {@code into}. */
    private void copyRows(Object chunk, Object into, int from, int to, int width) {
        int span = (to - from) * width;
        for (int r = 0; r < responses.size(); r++) {
            System.arraycopy(chunk, r * span, into, (r * longest + from) * width, span);
        }
    }

    /** {@code derived} (a view of the pass's arrays) moved to {@code chunk}, so that what follows from it dies there. */
    private static NDArray owned(NDManager chunk, NDArray derived) {
        derived.attach(chunk);
        return derived;
    }
}
