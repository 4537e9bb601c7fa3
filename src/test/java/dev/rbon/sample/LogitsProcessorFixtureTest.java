package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.Shared;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Golden test: the chain against transformers' own output on shared/fixtures/hf-tiny/logits-processors.json. */
class LogitsProcessorFixtureTest {

    private static final double TOLERANCE = 1e-5;

    static JsonNode fixture() throws IOException {
        return new ObjectMapper().readTree(Shared.hfTiny("logits-processors.json").toFile());
    }

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> cases = new ArrayList<>();
        for (JsonNode c : fixture().get("cases")) {
            String name = String.format("T=%s k=%s p=%s eps=%s ngram=%s", c.get("temperature"), c.get("top_k"),
                    c.get("top_p"), c.get("epsilon"), c.get("no_repeat_ngram_size"));
            cases.add(Arguments.of(name, c));
        }
        return cases.stream();
    }

    @Test
    void fixtureHasTheOrderWeImplementAndAllCases() throws IOException {
        JsonNode fixture = fixture();
        assertTrue(fixture.get("order").asText().startsWith("no_repeat_ngram, temperature, top_k, top_p, epsilon"),
                "the fixture's chain order changed: " + fixture.get("order"));
        assertEquals(72, fixture.get("cases").size());
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("cases")
    void chainMatchesTransformers(String name, JsonNode c) {
        SamplingParams params = new SamplingParams(c.get("temperature").asDouble(), c.get("top_p").asDouble(),
                c.get("top_k").asInt(), c.get("epsilon").asDouble(), c.get("no_repeat_ngram_size").asInt(), 64,
                List.of(), null);
        int[] inputIds = ints(c.get("input_ids"));
        float[] logits = Shared.floats(c.get("logits"));
        float[] logitsBefore = logits.clone();

        float[] processed = LogitsProcessorList.of(params).apply(inputIds, logits);

        assertArrayEquals(logitsBefore, logits, "the chain modified its input");
        JsonNode expected = c.get("processed");
        assertEquals(expected.size(), processed.length);
        for (int i = 0; i < processed.length; i++) {
            if (expected.get(i).isNull()) {
                assertEquals(Float.NEGATIVE_INFINITY, processed[i], "token " + i + " should be removed");
            } else {
                assertEquals(expected.get(i).asDouble(), processed[i], TOLERANCE, "token " + i);
            }
        }
        float[] probabilities = Softmax.softmax(processed);
        JsonNode expectedProbabilities = c.get("probabilities");
        for (int i = 0; i < probabilities.length; i++) {
            assertEquals(expectedProbabilities.get(i).asDouble(), probabilities[i], TOLERANCE, "probability " + i);
        }
    }

    private static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }
}
