package dev.rbon.api.openai;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rbon.api.Http;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * /v1/completions as a plain engine (no method: the samples in order), the shape a front rbon's RemotePolicy and
 * RemoteReference read, against the hf-tiny llama: the same samples as /v1/generate's pool, raw log-probs that sum
 * to its l_i, prompt log-probs that sum to /v1/select's l_i, and each refusal naming its field.
 */
@QuarkusTest
class PlainCompletionTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final double TOLERANCE = 1e-4;

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    static JsonNode post(String path, String body, int status) throws Exception {
        return JSON.readTree(given().contentType(ContentType.JSON).body(body).post(path).then().statusCode(status)
                .extract().asString());
    }

    @Test
    void theSamplesInOrderAreTheGeneratedPoolWithTheirRawLogprobs() throws Exception {
        JsonNode pool = post("/v1/generate", "{\"prompt\": \"The licence grants you\", \"n\": 3, \"max_new_tokens\": 6,"
                + " \"seed\": 5, \"return_candidates\": true, \"return_token_ids\": true}", 200).get("candidates");
        JsonNode engine = post("/v1/completions", "{\"model\": \"llama\", \"prompt\": \"The licence grants you\","
                + " \"n\": 3, \"best_of\": 3, \"max_tokens\": 6, \"seed\": 5, \"logprobs\": 0,"
                + " \"return_token_ids\": true, \"skip_special_tokens\": true}", 200);
        assertFalse(engine.has("rbon"), "no method, no rbon account: " + engine);
        JsonNode choices = engine.get("choices");
        assertEquals(3, choices.size());
        for (int i = 0; i < 3; i++) {
            JsonNode c = choices.get(i);
            assertEquals(i, c.get("index").asInt());
            assertEquals(pool.get(i).get("text"), c.get("text"), "choice " + i);
            assertEquals(pool.get(i).get("token_ids"), c.get("token_ids"), "choice " + i);
            assertEquals(pool.get(i).get("finish_reason"), c.get("finish_reason"));
            JsonNode logprobs = c.get("logprobs").get("token_logprobs");
            assertEquals(c.get("token_ids").size(), logprobs.size());
            double sum = 0;
            for (JsonNode lp : logprobs) {
                sum += lp.asDouble();
            }
            assertEquals(pool.get(i).get("ref_logprob").asDouble(), sum, TOLERANCE, "choice " + i);
            assertEquals(1, c.get("logprobs").get("top_logprobs").get(0).size(), "logprobs 0: the sampled token");
            assertTrue(c.get("prompt_token_ids").size() > 0);
        }
        assertEquals(engine.get("usage").get("prompt_tokens").asInt(), choices.get(0).get("prompt_token_ids").size());
        // token ids as the prompt: the same samples (a token-id prompt alone asks for this mode: best_of = n)
        String ids = choices.get(0).get("prompt_token_ids").toString();
        JsonNode byIds = post("/v1/completions", "{\"prompt\": " + ids + ", \"n\": 3, \"max_tokens\": 6, \"seed\": 5}",
                200);
        for (int i = 0; i < 3; i++) {
            assertEquals(choices.get(i).get("text"), byIds.get("choices").get(i).get("text"));
            assertTrue(byIds.get("choices").get(i).get("logprobs").isNull(), "not asked: null, as vLLM writes it");
        }
    }

    @Test
    void promptLogprobsOfABatchAreTheReferencesLogprobs() throws Exception {
        String[] candidates = {" a copy.", " the right to copy."};
        JsonNode select = post("/v1/select", "{\"prompt\": \"You must give\", \"method\": \"rbon_kl\", \"beta\": 1,"
                + " \"candidates\": [\"" + candidates[0] + "\", \"" + candidates[1] + "\"], \"return_token_ids\": true}",
                200).get("candidates");
        JsonNode promptIds = post("/v1/completions", "{\"prompt\": \"You must give\", \"n\": 1, \"best_of\": 1,"
                + " \"max_tokens\": 1, \"return_token_ids\": true}", 200).get("choices").get(0).get("prompt_token_ids");
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 2; i++) {
            StringBuilder row = new StringBuilder(promptIds.toString().replace("]", ""));
            for (JsonNode id : select.get(i).get("token_ids")) {
                row.append(", ").append(id.asLong());
            }
            batch.append(i == 0 ? "" : ", ").append(row).append("]");
        }
        batch.append("]");
        JsonNode scored = post("/v1/completions", "{\"prompt\": " + batch + ", \"max_tokens\": 1, \"temperature\": 0,"
                + " \"prompt_logprobs\": 2, \"logprobs\": 1, \"return_token_ids\": true}", 200).get("choices");
        assertEquals(2, scored.size());
        // the greedy token read off the scoring pass is the one the sampler picks
        JsonNode sampled = post("/v1/completions", "{\"prompt\": " + batch + ", \"max_tokens\": 1, \"temperature\": 0,"
                + " \"logprobs\": 1, \"return_token_ids\": true}", 200).get("choices");
        for (int i = 0; i < 2; i++) {
            assertEquals(sampled.get(i).get("text"), scored.get(i).get("text"), "prompt " + i);
            assertEquals(sampled.get(i).get("token_ids"), scored.get(i).get("token_ids"), "prompt " + i);
            assertEquals(sampled.get(i).get("finish_reason"), scored.get(i).get("finish_reason"), "prompt " + i);
            assertEquals(sampled.get(i).get("logprobs").get("token_logprobs").get(0).asDouble(),
                    scored.get(i).get("logprobs").get("token_logprobs").get(0).asDouble(), TOLERANCE, "prompt " + i);
            JsonNode sampledTop = sampled.get(i).get("logprobs").get("top_logprobs").get(0);
            JsonNode scoredTop = scored.get(i).get("logprobs").get("top_logprobs").get(0);
            assertEquals(1, scoredTop.size(), "greedy: the token is its own best alternative: " + scoredTop);
            sampledTop.fieldNames().forEachRemaining(token -> assertEquals(sampledTop.get(token).asDouble(),
                    scoredTop.get(token).asDouble(), TOLERANCE, token));
        }
        for (int i = 0; i < 2; i++) {
            JsonNode positions = scored.get(i).get("prompt_logprobs");
            JsonNode ids = scored.get(i).get("prompt_token_ids");
            assertEquals(ids.size(), positions.size());
            assertTrue(positions.get(0).isNull(), "nothing precedes the first token");
            double sum = 0;
            for (int t = promptIds.size(); t < ids.size(); t++) {
                JsonNode position = positions.get(t);
                assertTrue(position.size() >= 2 && position.size() <= 3, "the token and 2 alternatives: " + position);
                sum += position.get(ids.get(t).asText()).get("logprob").asDouble();
            }
            assertEquals(select.get(i).get("ref_logprob").asDouble(), sum, TOLERANCE, "candidate " + i);
        }
    }

    @Test
    void echoPutsThePromptBeforeTheAnswer() throws Exception {
        JsonNode c = post("/v1/completions", "{\"prompt\": \"The licence\", \"n\": 1, \"max_tokens\": 3, \"seed\": 1,"
                + " \"echo\": true, \"logprobs\": 0, \"return_token_ids\": true}", 200).get("choices").get(0);
        assertTrue(c.get("text").asText().startsWith("The licence"), c.toString());
        JsonNode logprobs = c.get("logprobs").get("token_logprobs");
        assertEquals(c.get("prompt_token_ids").size() + c.get("token_ids").size(), logprobs.size(), c.toString());
        assertTrue(logprobs.get(0).isNull());
        assertTrue(logprobs.get(1).asDouble() < 0);
    }

    @Test
    void refusalsNameTheirField() throws Exception {
        assertParam(400, "{\"prompt\": [1, 2], \"skip_special_tokens\": false}", "skip_special_tokens");
        assertParam(400, "{\"prompt\": [1, \"x\"]}", "prompt[1]");
        assertParam(400, "{\"prompt\": [[1, 2], []]}", "prompt[1]");
        assertParam(400, "{\"model\": \"llama\", \"prompt\": \"hi\", \"method\": \"bon\", \"prompt_logprobs\": 0}", "prompt_logprobs");
        assertParam(400, "{\"model\": \"llama\", \"prompt\": \"hi\", \"return_token_ids\": true, \"beta\": 1}", "return_token_ids");
        assertParam(400, "{\"prompt\": [1, 2], \"prompt_logprobs\": 21}", "prompt_logprobs");
        assertParam(400, "{\"prompt\": [1, 2], \"n\": \"many\"}", "n");
        JsonNode outside = post("/v1/completions", "{\"prompt\": [1, 100000]}", 400);
        assertEquals("prompt", outside.get("error").get("param").asText(), outside.toString());
        JsonNode unknown = post("/v1/completions", "{\"model\": \"gpt-4\", \"prompt\": [1, 2]}", 404);
        assertEquals("model_not_found", unknown.get("error").get("code").asText());
    }

    private static void assertParam(int status, String body, String param) throws Exception {
        JsonNode error = post("/v1/completions", body, status).get("error");
        assertEquals(param, error.get("param").asText(), body + " -> " + error);
    }
}
