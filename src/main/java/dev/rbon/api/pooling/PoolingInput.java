package dev.rbon.api.pooling;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.api.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code input} of the pooling routes, as vLLM and OpenAI accept it: a text, a list of texts, a list of token
 * ids, or a list of token-id lists. Exactly one of {@code texts} and {@code ids} is set.
 */
record PoolingInput(List<String> texts, List<long[]> ids) {

    static final String SHAPES = "must be a text, a list of texts, a list of token ids or a list of token-id lists";

    static PoolingInput parse(JsonNode input, int maxInputs) {
        if (input == null || input.isNull() || input.isMissingNode()) {
            throw invalid("input", "is required");
        }
        if (input.isTextual()) {
            return new PoolingInput(List.of(input.asText()), null);
        }
        if (!input.isArray() || input.isEmpty()) {
            throw invalid("input", input.isArray() ? "must not be empty" : SHAPES);
        }
        if (input.size() > maxInputs) {
            throw invalid("input", "holds " + input.size() + " inputs, over the limit of " + maxInputs
                    + " (rbon.limits.max-n)");
        }
        JsonNode first = input.get(0);
        if (first.isTextual()) {
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < input.size(); i++) {
                if (!input.get(i).isTextual()) {
                    throw invalid("input[" + i + "]", "must be a text like input[0]");
                }
                texts.add(input.get(i).asText());
            }
            return new PoolingInput(texts, null);
        }
        if (first.isIntegralNumber()) {
            return new PoolingInput(null, List.of(ids(input, "input")));
        }
        if (first.isArray()) {
            List<long[]> ids = new ArrayList<>();
            for (int i = 0; i < input.size(); i++) {
                ids.add(ids(input.get(i), "input[" + i + "]"));
            }
            return new PoolingInput(null, ids);
        }
        throw invalid("input", SHAPES);
    }

    private static long[] ids(JsonNode array, String field) {
        if (!array.isArray() || array.isEmpty()) {
            throw invalid(field, "must be a non-empty list of token ids");
        }
        long[] ids = new long[array.size()];
        for (int t = 0; t < ids.length; t++) {
            if (!array.get(t).isIntegralNumber() || !array.get(t).canConvertToLong()) {
                throw invalid(field + "[" + t + "]", "must be a token id (an integer)");
            }
            ids[t] = array.get(t).asLong();
        }
        return ids;
    }

    static InvalidRequestException invalid(String field, String message) {
        return InvalidRequestException.of(field, message);
    }
}
