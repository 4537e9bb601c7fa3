package dev.rbon.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rbon.sample.SampledSequence;
import dev.rbon.sample.SamplingParams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The N candidates from an engine's OpenAI Completions API in ONE request: {@code POST /v1/completions} with the
 * prompt as token ids (rendered and tokenized here, so the engine continues exactly what a local policy would),
 * {@code n}, the sampling parameters, {@code seed}, {@code stop}, {@code logprobs: 0} (the sampled tokens' own
 * log-probs) and vLLM's {@code return_token_ids}. With vLLM V1's default {@code logprobs_mode=raw_logprobs} the
 * log-probs are those of the raw model (temperature 1, no truncation), so their sum is l_i when the policy is the
 * reference.
 */
public final class RemotePolicy {

    static final String ROUTE = "/completions";

    private final Backend backend;

    public RemotePolicy(Backend backend) {
        this.backend = backend;
    }

    /** {@code seed} null: the engine draws its own. */
    public List<SampledSequence> sample(long[] promptIds, int n, SamplingParams params, Long seed) {
        ObjectNode body = request(promptIds, n, params, seed);
        // a repeated sampling call costs the engine N generations again: only a call that never reached it is retried
        JsonNode choices = backend.post(ROUTE, body, Backend.Retry.UNSENT_ONLY).path("choices");
        if (!choices.isArray() || choices.size() != n) {
            throw backend.malformed(ROUTE, "expected choices[] with " + n + " completions, got "
                    + (choices.isArray() ? choices.size() : choices.getNodeType()));
        }
        SampledSequence[] out = new SampledSequence[n];
        for (int i = 0; i < n; i++) {
            JsonNode choice = choices.get(i);
            int index = choice.path("index").asInt(i);
            if (index < 0 || index >= n || out[index] != null) {
                throw backend.malformed(ROUTE, "choices[" + i + "].index " + choice.path("index") + " is out of place");
            }
            out[index] = sequence(choice, i);
        }
        return List.of(out);
    }

    /**
     * The request's sampling parameters that the Completions API cannot carry, by field name, with why: the caller
     * refuses them (422) before sampling. Empty when every parameter can be sent.
     */
    public static Map<String, String> unsupported(SamplingParams params) {
        Map<String, String> refused = new LinkedHashMap<>();
        if (params.epsilon() > 0) {
            refused.put("epsilon", "the remote policy engine's API has no epsilon sampling; leave it at 0");
        }
        if (params.noRepeatNgramSize() > 0) {
            refused.put("no_repeat_ngram_size", "the remote policy engine's API has no no-repeat-n-gram rule; leave it at 0");
        }
        return refused;
    }

    ObjectNode request(long[] promptIds, int n, SamplingParams params, Long seed) {
        if (!unsupported(params).isEmpty()) {
            throw new IllegalArgumentException("not expressible in the Completions API: " + unsupported(params));
        }
        ObjectNode body = backend.body();
        ArrayNode prompt = body.putArray("prompt");
        for (long id : promptIds) {
            prompt.add(id);
        }
        body.put("n", n);
        body.put("max_tokens", params.maxNewTokens());
        body.put("temperature", params.temperature()); // 0: greedy, as in rbon
        body.put("top_p", params.topP());
        if (params.topK() > 0) {
            body.put("top_k", params.topK());
        }
        if (seed != null) {
            body.put("seed", seed);
        }
        if (!params.stop().isEmpty()) {
            ArrayNode stop = body.putArray("stop");
            params.stop().forEach(stop::add);
        }
        body.put("logprobs", 0);
        body.put("return_token_ids", true);
        body.put("skip_special_tokens", true);
        return body;
    }

    private SampledSequence sequence(JsonNode choice, int i) {
        String where = "choices[" + i + "]";
        JsonNode text = choice.path("text");
        if (!text.isTextual()) {
            throw backend.malformed(ROUTE, where + ".text is missing");
        }
        long[] ids = tokenIds(choice, where);
        JsonNode logprobs = choice.path("logprobs").path("token_logprobs");
        if (!logprobs.isArray() || logprobs.size() != ids.length) {
            throw backend.malformed(ROUTE, where + ".logprobs.token_logprobs must give one log-prob per generated "
                    + "token (" + ids.length + "), got " + (logprobs.isArray() ? logprobs.size() : logprobs.getNodeType()));
        }
        double sum = 0;
        for (int t = 0; t < ids.length; t++) {
            JsonNode lp = logprobs.get(t);
            if (!lp.isNumber() || Double.isNaN(lp.asDouble()) || lp.asDouble() > 0) {
                throw backend.malformed(ROUTE, where + ".logprobs.token_logprobs[" + t + "] is not a log-prob: " + lp);
            }
            sum += lp.asDouble();
        }
        return new SampledSequence(ids, text.asText(), finishReason(choice.path("finish_reason"), where), sum,
                Double.NaN);
    }

    /** vLLM's {@code token_ids} (return_token_ids), else its {@code token_id:N} tokens (return_tokens_as_token_ids). */
    private long[] tokenIds(JsonNode choice, String where) {
        JsonNode ids = choice.path("token_ids");
        if (ids.isArray()) {
            long[] out = new long[ids.size()];
            for (int t = 0; t < out.length; t++) {
                if (!ids.get(t).canConvertToLong() || ids.get(t).asLong() < 0) {
                    throw backend.malformed(ROUTE, where + ".token_ids[" + t + "] is not a token id");
                }
                out[t] = ids.get(t).asLong();
            }
            return out;
        }
        JsonNode tokens = choice.path("logprobs").path("tokens");
        List<Long> out = new ArrayList<>();
        for (JsonNode token : tokens) {
            String s = token.asText();
            if (!s.startsWith("token_id:")) {
                break;
            }
            out.add(Long.parseLong(s.substring("token_id:".length())));
        }
        if (!tokens.isArray() || out.size() != tokens.size()) {
            throw backend.malformed(ROUTE, where + " has no token_ids: the engine must support return_token_ids "
                    + "(vLLM) or return_tokens_as_token_ids");
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    private SampledSequence.FinishReason finishReason(JsonNode reason, String where) {
        return switch (reason.asText("")) {
            case "stop" -> SampledSequence.FinishReason.STOP;
            case "length" -> SampledSequence.FinishReason.LENGTH;
            default -> throw backend.malformed(ROUTE, where + ".finish_reason is " + reason + ", not stop or length");
        };
    }

    public String name() {
        return backend.model().orElse(backend.url().toString());
    }

    public Backend backend() {
        return backend;
    }
}
