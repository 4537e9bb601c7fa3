package dev.rbon.decode;

import dev.rbon.model.CausalLMText;
import dev.rbon.model.InputTooLongException;
import dev.rbon.remote.RemotePolicy;
import dev.rbon.remote.RemoteReference;
import dev.rbon.sample.SampledSequence;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The two stages a remote engine can take over from the local models: sampling the pool (a remote policy: all N
 * candidates in one Completions call, continuing the prompt ids rendered here) and l_i (a remote reference, or a
 * remote policy serving as its own reference, through prompt log-probs). The pool and l_i come back as the local
 * stages give them, so everything after them (reward, embeddings, selection) is the same code.
 */
final class RemoteDecoding {

    private RemoteDecoding() {}

    /**
     * N candidates from the engine; its sampled tokens' log-probs sum to l_i when the policy is the reference.
     * {@code rng} is advanced as the local sampler advances it (one draw per row seeds the row), so a stochastic
     * method's seeded draw is the one a local policy's request makes; with rbon as the engine, the same choice.
     */
    static List<SampledSequence> sample(RemotePolicy policy, long[] promptIds, Generation g, RandomGenerator rng) {
        Map<String, String> unsupported = RemotePolicy.unsupported(g.sampling());
        if (!unsupported.isEmpty()) {
            Map.Entry<String, String> first = unsupported.entrySet().iterator().next();
            throw new FieldException(first.getKey(), first.getValue());
        }
        List<SampledSequence> pool = policy.sample(promptIds, g.n(), g.sampling(), g.seed());
        for (int row = 0; row < g.n(); row++) {
            rng.nextLong();
        }
        return pool;
    }

    /** l_i of responses given as the tokens that follow {@code promptIds}, bounded by the model's context here. */
    static double[] logprobs(RemoteReference reference, CausalLMText text, long[] promptIds, List<long[]> responses) {
        for (int i = 0; i < responses.size(); i++) {
            int tokens = promptIds.length + responses.get(i).length;
            if (tokens > text.maxPositionEmbeddings()) {
                throw new InputTooLongException(i, tokens, text.maxPositionEmbeddings(),
                        "the reference model " + text.name() + " (prompt + response)");
            }
        }
        return reference.logprobs(promptIds, responses);
    }

    /**
     * l_i of response texts under a separate reference: the prompt tokenized with {@code text}'s tokenizer and each
     * response as it continues the prompt, as the local reference scorer tokenizes them.
     */
    static double[] logprobs(RemoteReference reference, CausalLMText text, String prompt, boolean specialTokens,
            List<String> responses) {
        long[] promptIds = text.tokenizer().encode(prompt, specialTokens);
        return logprobs(reference, text, promptIds, responses.stream()
                .map(r -> text.tokenizer().encodeContinuation(prompt, promptIds, specialTokens, r)).toList());
    }
}
