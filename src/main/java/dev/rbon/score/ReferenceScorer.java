package dev.rbon.score;

import ai.djl.ndarray.NDManager;
import dev.rbon.model.CausalLM;
import dev.rbon.model.InputTooLongException;
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
        TeacherForcing pass = TeacherForcing.of(promptIds, responses);
        if (pass.longest() == 0) {
            return new double[responses.size()]; // empty responses: log p = 0
        }
        try (NDManager request = reference.newRequestManager()) {
            float[] logprobs = pass.picked(pass.logprobs(reference, request), request); // (B * L)
            double[] sums = new double[responses.size()];
            for (int r = 0; r < sums.length; r++) {
                for (int t = 0; t < responses.get(r).length; t++) {
                    sums[r] += logprobs[r * pass.longest() + t];
                }
            }
            return sums;
        }
    }
}
