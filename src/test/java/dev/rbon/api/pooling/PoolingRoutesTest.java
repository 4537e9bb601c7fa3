package dev.rbon.api.pooling;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.Shared;
import dev.rbon.api.Http;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * rbon's vLLM-shaped pooling routes, on the hf-tiny reward-llama and bert fixtures, against what transformers
 * computed for them (golden.json): /classify (raw scores with use_activation false, their sigmoid by default, texts
 * or token ids), /v1/embeddings (float and base64), /health, and the 4xx answers to bad input.
 */
@QuarkusTest
class PoolingRoutesTest {

    static final double TOLERANCE = 1e-5;

    @BeforeEach
    void ready() {
        Http.awaitReady();
    }

    @Test
    void classifyGivesTransformersRewardsForTextsAndTokenIds() {
        JsonNode golden = Shared.json(Shared.hfTiny("reward-llama").resolve("golden.json"));
        List<String> texts = new ArrayList<>();
        golden.get("texts").forEach(t -> texts.add(t.asText()));
        JsonPath byText = Http.post("/classify", Map.of("input", texts, "use_activation", false))
                .then().statusCode(200).extract().jsonPath();
        List<List<Long>> ids = new ArrayList<>();
        golden.get("ids").forEach(row -> {
            List<Long> r = new ArrayList<>();
            row.forEach(id -> r.add(id.asLong()));
            ids.add(r);
        });
        JsonPath byIds = Http.post("/classify", Map.of("input", ids, "use_activation", false))
                .then().statusCode(200).extract().jsonPath();
        assertEquals("list", byText.getString("object"));
        assertTrue(byText.getString("id").startsWith("classify-"));
        assertEquals("reward-llama", byText.getString("model"));
        int tokens = 0;
        for (int i = 0; i < texts.size(); i++) {
            double expected = golden.get("scores").get(i).asDouble();
            assertEquals(i, byText.getInt("data[" + i + "].index"));
            assertEquals(1, byText.getInt("data[" + i + "].num_classes"));
            assertEquals("LABEL_0", byText.getString("data[" + i + "].label"));
            assertEquals(expected, byText.getDouble("data[" + i + "].probs[0]"), TOLERANCE, "text " + i);
            assertEquals(expected, byIds.getDouble("data[" + i + "].probs[0]"), TOLERANCE, "ids " + i);
            tokens += ids.get(i).size();
        }
        assertEquals(tokens, byText.getInt("usage.prompt_tokens"), "the fixture's ids are the tokenizer's, BOS included");
        assertEquals(0, byText.getInt("usage.completion_tokens"));
        // vLLM's default for a one-label model: the sigmoid of the score
        double sigmoid = Http.post("/classify", Map.of("input", texts.get(0))).then().statusCode(200)
                .extract().jsonPath().getDouble("data[0].probs[0]");
        assertEquals(1 / (1 + Math.exp(-golden.get("scores").get(0).asDouble())), sigmoid, TOLERANCE);
    }

    @Test
    void embeddingsAreTransformersMeanPooledUnitVectorsAsFloatsAndBase64() {
        JsonNode golden = Shared.json(Shared.hfTiny("bert").resolve("golden.json"));
        List<String> texts = new ArrayList<>();
        golden.get("texts").forEach(t -> texts.add(t.asText()));
        JsonPath floats = Http.post("/v1/embeddings", Map.of("input", texts)).then().statusCode(200)
                .extract().jsonPath();
        JsonPath base64 = Http.post("/v1/embeddings", Map.of("input", texts, "encoding_format", "base64"))
                .then().statusCode(200).extract().jsonPath();
        assertEquals("list", floats.getString("object"));
        for (int i = 0; i < texts.size(); i++) {
            JsonNode expected = golden.get("embeddings").get(i);
            List<Double> vector = floats.getList("data[" + i + "].embedding", Double.class);
            assertEquals("embedding", floats.getString("data[" + i + "].object"));
            ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(base64.getString("data[" + i + "].embedding")))
                    .order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(expected.size(), vector.size());
            for (int k = 0; k < expected.size(); k++) {
                assertEquals(expected.get(k).asDouble(), vector.get(k), TOLERANCE, "text " + i + " dim " + k);
                assertEquals((float) (double) vector.get(k), bytes.getFloat(), "base64 holds the same float32s");
            }
        }
        assertTrue(floats.getInt("usage.prompt_tokens") > texts.size());
    }

    @Test
    void healthIsVllmsProbe() {
        given().get("/health").then().statusCode(200);
    }

    @Test
    void badInputIs4xxNamingTheField() {
        assertField(Http.post("/classify", Map.of("input", List.of())), "input");
        assertField(Http.post("/classify", Map.of("input", List.of("a", 3))), "input[1]");
        assertField(Http.post("/classify", Map.of("input", List.of(List.of(1, 99999)))), "input[0]");
        assertField(Http.post("/classify", Map.of("input", Map.of("a", 1))), "input");
        assertField(Http.post("/classify", Map.of("input", "x", "model", "someone-else")), "model");
        assertField(Http.post("/classify", Map.of("input", "x", "truncate_prompt_tokens", 3)), "truncate_prompt_tokens");
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 65; i++) {
            many.add("x");
        }
        assertField(Http.post("/classify", Map.of("input", many)), "input");
        assertField(Http.post("/v1/embeddings", Map.of("input", List.of(1, 2))), "input");
        assertField(Http.post("/v1/embeddings", Map.of("input", "x", "encoding_format", "int8")), "encoding_format");
        assertField(Http.post("/v1/embeddings", Map.of("input", "x", "dimensions", 3)), "dimensions");
        StringBuilder tooLong = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            tooLong.append("word ");
        }
        // sentence-transformers truncates at max_seq_length, and so does rbon's embedder: not an error
        io.restassured.response.Response truncated = Http.post("/v1/embeddings", Map.of("input", tooLong.toString()));
        assertEquals(200, truncated.statusCode(), truncated.asString());
        assertTrue(truncated.jsonPath().getInt("usage.prompt_tokens") < 2000, truncated.asString());
        assertField(given().contentType("application/json").header("X-Request-Timeout-Ms", "0")
                .body(Map.of("input", "x")).post("/classify"), "X-Request-Timeout-Ms");
    }

    private static void assertField(io.restassured.response.Response r, String field) {
        assertEquals(422, r.statusCode(), r.asString());
        assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
        assertTrue(r.jsonPath().getList("errors.field").contains(field), field + " not named in " + r.asString());
    }
}
