package dev.rbon.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * l_i = log pi_ref(y_i | x) from an engine that reports prompt log-probs (vLLM's {@code prompt_logprobs}): one
 * {@code POST /v1/completions} whose prompts are the token ids of prompt ++ response_i, {@code max_tokens: 1},
 * {@code prompt_logprobs: 0}; l_i sums the log-probs of the response's positions. vLLM's prompt log-probs come from
 * the raw logits (temperature 1, no truncation), as l_i is defined.
 */
public final class RemoteReference {

    static final String ROUTE = "/completions";

    private final Backend backend;

    public RemoteReference(Backend backend) {
        this.backend = backend;
    }

    public double[] logprobs(long[] promptIds, List<long[]> responses) {
        double[] out = new double[responses.size()];
        List<Integer> asked = new ArrayList<>();
        ObjectNode body = backend.body();
        ArrayNode prompts = body.putArray("prompt");
        for (int i = 0; i < responses.size(); i++) {
            if (responses.get(i).length == 0) {
                continue; // log p of the empty response is 0
            }
            asked.add(i);
            ArrayNode ids = prompts.addArray();
            for (long id : promptIds) {
                ids.add(id);
            }
            for (long id : responses.get(i)) {
                ids.add(id);
            }
        }
        if (asked.isEmpty()) {
            return out;
        }
        body.put("max_tokens", 1);
        body.put("temperature", 0);
        body.put("prompt_logprobs", 0);
        JsonNode choices = backend.post(ROUTE, body, Backend.Retry.IDEMPOTENT).path("choices");
        if (!choices.isArray() || choices.size() != asked.size()) {
            throw backend.malformed(ROUTE, "expected choices[] with " + asked.size() + " results, got "
                    + (choices.isArray() ? choices.size() : choices.getNodeType()));
        }
        for (int c = 0; c < choices.size(); c++) {
            int index = choices.get(c).path("index").asInt(c);
            if (index < 0 || index >= asked.size()) {
                throw backend.malformed(ROUTE, "choices[" + c + "].index " + index + " is out of place");
            }
            int row = asked.get(index);
            out[row] = sum(choices.get(c).path("prompt_logprobs"), promptIds.length, responses.get(row), c);
        }
        return out;
    }

    /** prompt_logprobs[t] is {"<token id>": {"logprob": ...}, ...} for position t (null at t = 0). */
    private double sum(JsonNode promptLogprobs, int promptLength, long[] response, int c) {
        String where = "choices[" + c + "].prompt_logprobs";
        if (!promptLogprobs.isArray() || promptLogprobs.size() != promptLength + response.length) {
            throw backend.malformed(ROUTE, where + " must give one entry per prompt token (" + (promptLength
                    + response.length) + "): the engine must support prompt_logprobs");
        }
        double sum = 0;
        for (int t = 0; t < response.length; t++) {
            JsonNode position = promptLogprobs.get(promptLength + t);
            JsonNode logprob = position.path(Long.toString(response[t])).path("logprob");
            if (!logprob.isNumber() || Double.isNaN(logprob.asDouble()) || logprob.asDouble() > 0) {
                throw backend.malformed(ROUTE, where + "[" + (promptLength + t) + "] has no log-prob for token "
                        + response[t]);
            }
            sum += logprob.asDouble();
        }
        return sum;
    }

    public String name() {
        return backend.model().orElse(backend.url().toString());
    }

    public Backend backend() {
        return backend;
    }
}
