package dev.rbon.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rbon.model.CausalLM;
import dev.rbon.model.InputTooLongException;
import dev.rbon.model.PaddedBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * l_i = log pi_ref(y_i | x): teacher-forced on ids(prompt) ++ ids(response), natural log, temperature 1, no
 * truncation, summed over the response tokens. Candidates go through in right-padded batches (right padding
 * leaves every real token's logits untouched under a causal mask).
 */
public final class ReferenceScorer {

    /** Rows per forward pass: bounds the (rows, tokens, vocab) log-softmax for large vocabularies. */
    private static final int ROWS_PER_PASS = 16;

    private ReferenceScorer() {}

    /** The prompt tokenized with its special tokens and each response as it continues the prompt. */
    public static double[] logprobs(CausalLM reference, String prompt, List<String> responses) {
        return logprobs(reference, prompt, true, responses);
    }

    /** {@code specialTokens} false for a prompt rendered by a chat template, which carries its own. */
    public static double[] logprobs(CausalLM reference, String prompt, boolean specialTokens, List<String> responses) {
        long[] promptIds = reference.tokenizer().encode(prompt, specialTokens);
        return logprobs(reference, promptIds, responses.stream()
                .map(r -> reference.tokenizer().encodeContinuation(prompt, promptIds, specialTokens, r)).toList());
    }

    public static double[] logprobs(CausalLM reference, long[] promptIds, List<long[]> responses) {
        for (int i = 0; i < responses.size(); i++) {
            int tokens = promptIds.length + responses.get(i).length;
            if (tokens > reference.maxPositionEmbeddings()) {
                throw new InputTooLongException(i, tokens, reference.maxPositionEmbeddings(),
                        "the reference model " + reference.name() + " (prompt + response)");
            }
        }
        double[] out = new double[responses.size()];
        for (int from = 0; from < responses.size(); from += ROWS_PER_PASS) {
            List<long[]> chunk = responses.subList(from, Math.min(responses.size(), from + ROWS_PER_PASS));
            double[] sums = chunk(reference, promptIds, chunk);
            System.arraycopy(sums, 0, out, from, sums.length);
        }
        return out;
    }

    private static double[] chunk(CausalLM reference, long[] promptIds, List<long[]> responses) {
        int rows = responses.size();
        int longest = responses.stream().mapToInt(r -> r.length).max().orElse(0);
        if (longest == 0) {
            return new double[rows]; // empty responses: log p = 0
        }
        int width = promptIds.length + longest;
        List<long[]> sequences = new ArrayList<>(rows);
        long[][] targets = new long[rows][longest];
        for (int r = 0; r < rows; r++) {
            long[] response = responses.get(r);
            long[] sequence = Arrays.copyOf(promptIds, promptIds.length + response.length);
            System.arraycopy(response, 0, sequence, promptIds.length, response.length);
            sequences.add(sequence);
            System.arraycopy(response, 0, targets[r], 0, response.length);
        }
        PaddedBatch batch = PaddedBatch.of(sequences, 0);
        try (NDManager request = reference.newRequestManager()) {
            NDArray hidden = reference.hiddenStates(batch.inputIds(request), batch.attentionMask(request), null); // (B, T, hidden)
            // only the positions that predict response tokens go through the lm_head
            NDArray predicting = reference.logits(hidden.get(":, " + (promptIds.length - 1) + ":" + (width - 1)));
            NDArray picked = predicting.logSoftmax(2).gather(request.create(targets).expandDims(2), 2); // (B, L, 1)
            float[] logprobs = picked.toFloatArray();
            double[] sums = new double[rows];
            for (int r = 0; r < rows; r++) {
                for (int t = 0; t < responses.get(r).length; t++) {
                    sums[r] += logprobs[r * longest + t];
                }
            }
            return sums;
        }
    }
}
