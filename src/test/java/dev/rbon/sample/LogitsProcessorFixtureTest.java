package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rbon.Shared;
import dev.rbon.model.Dtype;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden test: the tensor chain against transformers' own output on shared/fixtures/hf-tiny/logits-processors.json,
 * one row at a time and all 72 rows as one batch (each row with its own parameters, as continuous batching runs
 * them).
 */
class LogitsProcessorFixtureTest {

    private static final double TOLERANCE = 1e-5;

    static JsonNode fixture() throws IOException {
        return new ObjectMapper().readTree(Shared.hfTiny("logits-processors.json").toFile());
    }

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> cases = new ArrayList<>();
        for (JsonNode c : fixture().get("cases")) {
            cases.add(Arguments.of(name(c), c));
        }
        return cases.stream();
    }

    private static String name(JsonNode c) {
        return String.format("T=%s k=%s p=%s eps=%s ngram=%s", c.get("temperature"), c.get("top_k"), c.get("top_p"),
                c.get("epsilon"), c.get("no_repeat_ngram_size"));
    }

    static SamplingParams params(JsonNode c) {
        return new SamplingParams(c.get("temperature").asDouble(), c.get("top_p").asDouble(), c.get("top_k").asInt(),
                c.get("epsilon").asDouble(), c.get("no_repeat_ngram_size").asInt(), 64, List.of(), null);
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
        float[] processed = Rows.chain(params(c), Shared.longs(c.get("input_ids")), Shared.floats(c.get("logits")));
        assertMatches(c, processed, name);
    }

    @Test
    void allCasesInOneBatchEachWithItsOwnParameters() throws IOException {
        List<SamplingParams> params = new ArrayList<>();
        List<long[]> histories = new ArrayList<>();
        List<float[]> logits = new ArrayList<>();
        for (JsonNode c : fixture().get("cases")) {
            params.add(params(c));
            histories.add(Shared.longs(c.get("input_ids")));
            logits.add(Shared.floats(c.get("logits")));
        }
        SamplingBatch batch = SamplingBatch.of(params, histories);
        float[][] processed = Rows.apply(LogitsProcessorList.of(batch, Dtype.FLOAT32), batch,
                logits.toArray(float[][]::new));
        int i = 0;
        for (JsonNode c : fixture().get("cases")) {
            assertMatches(c, processed[i++], "batch row " + i + ": " + name(c));
        }
    }

    private static void assertMatches(JsonNode c, float[] processed, String name) {
        JsonNode expected = c.get("processed");
        assertEquals(expected.size(), processed.length);
        for (int i = 0; i < processed.length; i++) {
            if (expected.get(i).isNull()) {
                assertEquals(Float.NEGATIVE_INFINITY, processed[i], name + ": token " + i + " should be removed");
            } else {
                assertEquals(expected.get(i).asDouble(), processed[i], TOLERANCE, name + ": token " + i);
            }
        }
        float[] probabilities;
        try (NDManager manager = NDManager.newBaseManager()) {
            probabilities = manager.create(processed).softmax(0).toFloatArray();
        }
        JsonNode expectedProbabilities = c.get("probabilities");
        for (int i = 0; i < probabilities.length; i++) {
            assertEquals(expectedProbabilities.get(i).asDouble(), probabilities[i], TOLERANCE,
                    name + ": probability " + i);
        }
    }
}
