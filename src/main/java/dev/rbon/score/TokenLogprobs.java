package dev.rbon.score;

import dev.rbon.model.CausalLM;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The policy's log-probabilities of returned tokens, as the OpenAI API's logprobs report them: teacher-forced on
 * ids(prompt) ++ ids(response), natural log of the RAW next-token distribution (temperature 1, no top-k/top-p; what
 * vLLM V1 reports by default), with the top alternatives at each position. Right-padded passes sized by a token
 * budget, as {@link ReferenceScorer}.
 */
public final class TokenLogprobs {

    /** One generated token: its log-prob and the {@code top} most probable tokens at its position, best first. */
    public record Token(long id, double logprob, long[] topIds, double[] topLogprobs) {}

    private TokenLogprobs() {}

    /** Per response, per token; {@code top} alternatives per position (0 to 20). */
    public static List<List<Token>> of(CausalLM lm, long[] promptIds, List<long[]> responses, int top) {
        List<List<Token>> out = new ArrayList<>(responses.size());
        responses.forEach(r -> out.add(List.of()));
        int[] lengths = responses.stream().mapToInt(r -> promptIds.length + r.length).toArray();
        for (int[] pass : TokenBudget.passes(lengths)) {
            List<List<Token>> scored = pass(lm, promptIds, TokenBudget.pick(responses, pass), top);
            for (int i = 0; i < pass.length; i++) {
                out.set(pass[i], scored.get(i));
            }
        }
        return out;
    }

    private static List<List<Token>> pass(CausalLM lm, long[] promptIds, List<long[]> responses, int top) {
        TeacherForcing pass = TeacherForcing.of(promptIds, responses);
        int longest = pass.longest();
        List<List<Token>> out = new ArrayList<>(responses.size());
        if (longest == 0) {
            responses.forEach(r -> out.add(List.of()));
            return out;
        }
        TeacherForcing.Gathered gathered = pass.gather(lm, top);
        int k = gathered.k();
        for (int r = 0; r < responses.size(); r++) {
            long[] response = responses.get(r);
            List<Token> tokens = new ArrayList<>(response.length);
            for (int t = 0; t < response.length; t++) {
                int at = (r * longest + t) * k;
                double[] values = new double[k];
                for (int j = 0; j < k; j++) {
                    values[j] = gathered.topLogprobs()[at + j];
                }
                tokens.add(new Token(response[t], gathered.picked()[r * longest + t],
                        Arrays.copyOfRange(gathered.topIds(), at, at + k), values));
            }
            out.add(tokens);
        }
        return out;
    }
}
