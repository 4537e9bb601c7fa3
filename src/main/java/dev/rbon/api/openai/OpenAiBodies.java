package dev.rbon.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rbon.api.InvalidRequestException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Reads an OpenAI-route body as vLLM does: rbon's fields strictly (wrong types are 400s naming the field); OpenAI
 * fields rbon does not implement are 400s naming them, unless they hold the value that changes nothing (a
 * frequency_penalty of 0, no tools, a text response_format); fields unknown to both are dropped with a log line.
 */
final class OpenAiBodies {

    private static final Logger LOG = Logger.getLogger(OpenAiBodies.class);

    private static final Predicate<JsonNode> ABSENT = n -> n.isNull() || (n.isContainerNode() && n.isEmpty());
    private static final Predicate<JsonNode> ZERO = n -> n.isNull() || (n.isNumber() && n.asDouble() == 0);
    private static final Predicate<JsonNode> ANY = n -> true;

    /** Documented OpenAI request fields rbon does not implement, and the values that leave the output unchanged. */
    static final Map<String, Predicate<JsonNode>> UNSUPPORTED = Map.ofEntries(
            Map.entry("frequency_penalty", ZERO),
            Map.entry("presence_penalty", ZERO),
            Map.entry("logit_bias", ABSENT),
            Map.entry("tools", ABSENT),
            Map.entry("functions", ABSENT),
            Map.entry("tool_choice", n -> n.isNull() || n.asText().equals("none") || n.asText().equals("auto")),
            Map.entry("function_call", n -> n.isNull() || n.asText().equals("none") || n.asText().equals("auto")),
            Map.entry("response_format", n -> n.isNull() || n.path("type").asText().equals("text")),
            Map.entry("audio", ABSENT),
            Map.entry("modalities", n -> n.isNull() || (n.isArray() && n.size() == 1 && n.get(0).asText().equals("text"))),
            Map.entry("prediction", ABSENT),
            Map.entry("reasoning_effort", ABSENT),
            Map.entry("web_search_options", ABSENT),
            Map.entry("suffix", n -> n.isNull() || n.asText().isEmpty()),
            Map.entry("echo", n -> n.isNull() || (n.isBoolean() && !n.asBoolean())),
            // OpenAI's own fields that change nothing here: accepted without a word
            Map.entry("parallel_tool_calls", ANY),
            Map.entry("store", ANY),
            Map.entry("metadata", ANY),
            Map.entry("service_tier", ANY),
            Map.entry("verbosity", ABSENT),
            Map.entry("prompt_cache_key", ANY),
            Map.entry("safety_identifier", ANY));

    private OpenAiBodies() {}

    static <T extends Record> T read(ObjectMapper json, JsonNode body, Class<T> type) {
        if (body == null || !body.isObject()) {
            throw InvalidRequestException.of("body", "a JSON object is required");
        }
        Set<String> own = Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName)
                .map(PropertyNamingStrategies.SnakeCaseStrategy.INSTANCE::translate).collect(Collectors.toSet());
        ObjectNode fields = ((ObjectNode) body).deepCopy();
        List<String> ignored = new ArrayList<>();
        List<String> names = new ArrayList<>();
        fields.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            if (own.contains(name)) {
                continue;
            }
            Predicate<JsonNode> neutral = UNSUPPORTED.get(name);
            if (neutral != null && !neutral.test(fields.get(name))) {
                throw OpenAiException.badRequest(name, "is not supported by rbon (only its neutral value is "
                        + "accepted); leave it out");
            }
            if (neutral == null) {
                ignored.add(name);
            }
            fields.remove(name);
        }
        if (!ignored.isEmpty()) {
            LOG.infof("ignoring unknown fields of a %s: %s", type.getSimpleName(), String.join(", ", ignored));
        }
        try {
            return json.treeToValue(fields, type);
        } catch (JsonProcessingException e) {
            throw new BadJson(e);
        }
    }

    /** A mapping failure, rethrown unchecked for the JSON mappers (which name the field). */
    static final class BadJson extends RuntimeException {
        BadJson(JsonProcessingException cause) {
            super(cause);
        }

        JsonProcessingException json() {
            return (JsonProcessingException) getCause();
        }
    }
}
