package dev.rbon.score;

import dev.rbon.model.CausalLM;
import dev.rbon.model.InputTooLongException;
import java.util.ArrayList;
import java.util.List;

/**
 * l_i = log pi_ref(y_i | x): teacher-forced on ids(prompt) ++ ids(response), natural log, temperature 1, no
 * truncation, summed over the response tokens. Candidates go through in right-padded passes sized by a token
 * budget ({@link TokenBudget}; right padding leaves every real token's logits untouched under a causal mask).
 */
public final class ReferenceScorer {

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

    /** The passes of {@link #logprobs(CausalLM, String, boolean, List)}, filling {@code out}. */
    public static List<ScoringPass> passes(CausalLM reference, String prompt, boolean specialTokens,
            List<String> responses, double[] out) {
        long[] promptIds = reference.tokenizer().encode(prompt, specialTokens);
        return passes(reference, promptIds, responses.stream()
                .map(r -> reference.tokenizer().encodeContinuation(prompt, promptIds, specialTokens, r)).toList(), out);
    }

    public static double[] logprobs(CausalLM reference, long[] promptIds, List<long[]> responses) {
        double[] out = new double[responses.size()];
        ScoringPass.runAll(passes(reference, promptIds, responses, out));
        return out;
    }

    /**
     * The token-budget passes that put l_i of response i into {@code out[i]}.
     *
     * @throws InputTooLongException at once if a prompt + response is longer than the reference's positions
     */
    public static List<ScoringPass> passes(CausalLM reference, long[] promptIds, List<long[]> responses,
            double[] out) {
        for (int i = 0; i < responses.size(); i++) {
            int tokens = promptIds.length + responses.get(i).length;
            if (tokens > reference.maxPositionEmbeddings()) {
                throw new InputTooLongException(i, tokens, reference.maxPositionEmbeddings(),
                        "the reference model " + reference.name() + " (prompt + response)");
            }
        }
        int[] lengths = responses.stream().mapToInt(r -> promptIds.length + r.length).toArray();
        List<ScoringPass> passes = new ArrayList<>();
        for (int[] pass : TokenBudget.passes(lengths)) {
            passes.add(new ScoringPass("reference", pass.length * lengths[pass[0]], () -> {
                double[] sums = pass(reference, promptIds, TokenBudget.pick(responses, pass));
                for (int i = 0; i < pass.length; i++) {
                    out[pass[i]] = sums[i];
                }
            }));
        }
        return passes;
    }

    private static double[] pass(CausalLM reference, long[] promptIds, List<long[]> responses) {
        TeacherForcing pass = TeacherForcing.of(promptIds, responses);
        double[] sums = new double[responses.size()];
        if (pass.longest() == 0) {
            return sums; // empty responses: log p = 0
        }
        float[] logprobs = pass.gather(reference, 0).picked(); // (B * L)
        for (int r = 0; r < sums.length; r++) {
            for (int t = 0; t < responses.get(r).length; t++) {
                sums[r] += logprobs[r * pass.longest() + t];
            }
        }
        return sums;
    }
}
