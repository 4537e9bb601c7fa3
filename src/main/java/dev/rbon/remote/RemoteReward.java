package dev.rbon.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * R_i from a sequence-classification reward model behind vLLM's Classification API: {@code POST /classify} at the
 * server root, {@code {"input": [texts], "add_special_tokens", "use_activation": false}} (raw scores, not the
 * sigmoid vLLM applies to one-label models by default), answered {@code {"data": [{"index", "probs": [score]}]}}.
 * The texts are rendered here, in the reward model's convention, so the engine sees what a local reward model would.
 */
public final class RemoteReward {

    static final String ROUTE = "/classify";

    private final Backend backend;

    public RemoteReward(Backend backend) {
        this.backend = backend;
    }

    /** The plain-text convention: prompt + response, tokenized with the reward model's special tokens. */
    public double[] rewards(String prompt, List<String> responses) {
        return score(responses.stream().map(r -> prompt + r).toList(), true);
    }

    /** One raw score per text, in order; {@code addSpecialTokens} false for a text a chat template rendered. */
    public double[] score(List<String> texts, boolean addSpecialTokens) {
        if (texts.isEmpty()) {
            return new double[0];
        }
        ObjectNode body = backend.body();
        ArrayNode input = body.putArray("input");
        texts.forEach(input::add);
        body.put("add_special_tokens", addSpecialTokens);
        body.put("use_activation", false);
        JsonNode data = backend.post(ROUTE, body, Backend.Retry.IDEMPOTENT).path("data");
        if (!data.isArray() || data.size() != texts.size()) {
            throw backend.malformed(ROUTE, "expected data[] with " + texts.size() + " results, got "
                    + (data.isArray() ? data.size() : data.getNodeType()));
        }
        double[] scores = new double[texts.size()];
        boolean[] seen = new boolean[texts.size()];
        for (int i = 0; i < data.size(); i++) {
            JsonNode item = data.get(i);
            int index = item.path("index").asInt(i);
            JsonNode probs = item.path("probs");
            if (index < 0 || index >= scores.length || seen[index]) {
                throw backend.malformed(ROUTE, "data[" + i + "].index " + item.path("index") + " is out of place");
            }
            if (!probs.isArray() || probs.size() != 1 || !probs.get(0).isNumber()
                    || !Double.isFinite(probs.get(0).asDouble())) {
                throw backend.malformed(ROUTE, "data[" + i + "].probs must hold one finite score (a reward model has"
                        + " one label), got " + probs);
            }
            seen[index] = true;
            scores[index] = probs.get(0).asDouble();
        }
        return scores;
    }

    public String name() {
        return backend.model().orElse(backend.url().toString());
    }

    public Backend backend() {
        return backend;
    }
}
