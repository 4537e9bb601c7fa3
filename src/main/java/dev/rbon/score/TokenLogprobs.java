package dev.rbon.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.rbon.model.CausalLM;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The policy's log-probabilities of returned tokens, as the OpenAI API's logprobs report them: teacher-forced on
 * ids(prompt) ++ ids(response), natural log of the RAW next-token distribution (temperature 1, no top-k/top-p; what
 * vLLM V1 reports by default), with the top alternatives at each position. Right-padded batches, as
 * {@link ReferenceScorer}.
 */
public final class TokenLogprobs {

    private static final int ROWS_PER_PASS = 16;

    /** One generated token: its log-prob and the {@code top} most probable tokens at its position, best first. */
    public record Token(long id, double logprob, long[] topIds, double[] topLogprobs) {}

    private TokenLogprobs() {}

    /** Per response, per token; {@code top} alternatives per position (0 to 20). */
    public static List<List<Token>> of(CausalLM lm, long[] promptIds, List<long[]> responses, int top) {
        List<List<Token>> out = new ArrayList<>(responses.size());
        for (int from = 0; from < responses.size(); from += ROWS_PER_PASS) {
            out.addAll(chunk(lm, promptIds, responses.subList(from, Math.min(responses.size(), from + ROWS_PER_PASS)),
                    top));
        }
        return out;
    }

    private static List<List<Token>> chunk(CausalLM lm, long[] promptIds, List<long[]> responses, int top) {
        TeacherForcing pass = TeacherForcing.of(promptIds, responses);
        int longest = pass.longest();
        List<List<Token>> out = new ArrayList<>(responses.size());
        if (longest == 0) {
            responses.forEach(r -> out.add(List.of()));
            return out;
        }
        try (NDManager request = lm.newRequestManager()) {
            NDArray logprobs = pass.logprobs(lm, request);                                                   // (B, L, vocab)
            float[] picked = pass.picked(logprobs, request);                                                 // (B * L)
            float[] topValues = new float[0];
            long[] topIndices = new long[0];
            if (top > 0) {
                NDList best = logprobs.topK(Math.min(top, lm.vocabSize()), 2, true, true);                 // (B, L, k) x2
                topValues = best.get(0).toFloatArray();
                topIndices = best.get(1).toLongArray();
            }
            int k = top > 0 ? Math.min(top, lm.vocabSize()) : 0;
            for (int r = 0; r < responses.size(); r++) {
                long[] response = responses.get(r);
                List<Token> tokens = new ArrayList<>(response.length);
                for (int t = 0; t < response.length; t++) {
                    int at = (r * longest + t) * k;
                    double[] values = new double[k];
                    for (int j = 0; j < k; j++) {
                        values[j] = topValues[at + j];
                    }
                    tokens.add(new Token(response[t], picked[r * longest + t],
                            Arrays.copyOfRange(topIndices, at, at + k), values));
                }
                out.add(tokens);
            }
            return out;
        }
    }
}
