package dev.rbon.score;

import ai.djl.ndarray.NDArray;
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
 */
record TeacherForcing(long[] promptIds, List<long[]> responses, int longest) {

    static TeacherForcing of(long[] promptIds, List<long[]> responses) {
        return new TeacherForcing(promptIds, responses, responses.stream().mapToInt(r -> r.length).max().orElse(0));
    }

    /**
     * Natural-log probabilities of the raw next-token distribution at every position that predicts a response
     * token, in {@code manager}: (B, longest, vocab). Only those positions go through the lm_head.
     */
    NDArray logprobs(CausalLM lm, NDManager manager) {
        List<long[]> sequences = new ArrayList<>(responses.size());
        for (long[] response : responses) {
            long[] sequence = Arrays.copyOf(promptIds, promptIds.length + response.length);
            System.arraycopy(response, 0, sequence, promptIds.length, response.length);
            sequences.add(sequence);
        }
        PaddedBatch batch = PaddedBatch.of(sequences, 0);
        NDArray hidden = lm.hiddenStates(batch.inputIds(manager), batch.attentionMask(manager), null); // (B, T, hidden)
        int from = promptIds.length - 1;
        return lm.logits(hidden.get(":, " + from + ":" + (from + longest))).logSoftmax(2);            // (B, L, vocab)
    }

    /** The log-prob of each row's own response token at each position, row-major (B * longest); padding is 0-id. */
    float[] picked(NDArray logprobs, NDManager manager) { // (B, L, vocab)
        long[][] targets = new long[responses.size()][longest];
        for (int r = 0; r < targets.length; r++) {
            System.arraycopy(responses.get(r), 0, targets[r], 0, responses.get(r).length);
        }
        return logprobs.gather(manager.create(targets).expandDims(2), 2).toFloatArray(); // (B, L, 1)
    }
}
