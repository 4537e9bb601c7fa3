package dev.rbon.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.rbon.model.CausalLM;
import dev.rbon.model.KvCache;
import dev.rbon.model.InputTooLongException;
import java.util.ArrayList;
import java.util.Arrays;
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
            int row = pass[0];
            if (pass.length == 1 && lengths[row] > TokenBudget.tokensPerPass) {
                passes.addAll(ScoringPass.inParts("reference", lengths[row], TokenBudget.tokensPerPass,
                        () -> new Parts(reference, promptIds, responses.get(row)), Parts::next,
                        read -> out[row] = read.sum()));
                continue;
            }
            passes.add(new ScoringPass("reference", pass.length * lengths[pass[0]], () -> {
                double[] sums = pass(reference, promptIds, TokenBudget.pick(responses, pass));
                for (int i = 0; i < pass.length; i++) {
                    out[pass[i]] = sums[i];
                }
            }));
        }
        return passes;
    }

    /**
     * l_i of one long response read in parts of prompt ++ response, the reference's KV cache carried from one part to
     * the next (as a prompt's chunked prefill): each part's positions that predict a response token go through the
     * lm_head, log_softmax and the gather, in blocks of {@link TokenBudget#positionsPerChunk} positions.
     */
    static final class Parts implements AutoCloseable {
        private final CausalLM lm;
        private final long[] sequence;
        private final int promptLength;
        private final NDManager manager;
        private final KvCache cache;
        private int read;
        private double sum;

        Parts(CausalLM lm, long[] promptIds, long[] response) {
            this.lm = lm;
            this.sequence = Arrays.copyOf(promptIds, promptIds.length + response.length);
            System.arraycopy(response, 0, sequence, promptIds.length, response.length);
            this.promptLength = promptIds.length;
            this.manager = lm.newRequestManager();
            this.cache = lm.newCache(manager);
        }

        void next(int tokens) {
            int end = Math.min(sequence.length, read + Math.max(1, tokens));
            try (NDManager part = manager.newSubManager()) {
                NDArray hidden = lm.hiddenStates(part.create(new long[][] {Arrays.copyOfRange(sequence, read, end)}),
                        part.ones(new Shape(1, end), DataType.INT64), cache); // (1, T, hidden)
                // position p predicts token p + 1: the response's tokens are predicted from promptLength - 1 on
                int first = Math.max(read, promptLength - 1);
                int last = Math.min(end, sequence.length - 1); // exclusive
                int step = (int) TokenBudget.positionsPerChunk(1, lm.vocabSize(), Math.max(1, last - first));
                for (int from = first; from < last; from += step) {
                    int to = Math.min(last, from + step);
                    try (NDManager block = part.newSubManager()) {
                        NDArray h = hidden.get(":, " + (from - read) + ":" + (to - read) + ", :");
                        h.attach(block);
                        NDArray targets = block.create(new long[][] {Arrays.copyOfRange(sequence, from + 1, to + 1)});
                        float[] logprobs = lm.logits(h).logSoftmax(2).gather(targets.expandDims(2), 2).toFloatArray();
                        for (float logprob : logprobs) {
                            sum += logprob;
                        }
                    }
                }
            }
            read = end;
        }

        double sum() {
            return sum;
        }

        @Override
        public void close() {
            manager.close();
        }
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
