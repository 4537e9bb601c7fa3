package dev.rbon.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.Shared;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole path over HTTP on the hf-tiny fixtures (policy llama, reward reward-llama, embedding bert), checked
 * against the numbers HF transformers computed for them.
 */
@QuarkusTest
class GenerateResourceTest {

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    @Test
    void selectReturnsTransformersLogprobsAndRewards() {
        JsonNode policy = Shared.json(Shared.hfTiny("llama").resolve("golden.json"));
        JsonNode reward = Shared.json(Shared.hfTiny("reward-llama").resolve("golden.json"));
        for (int i = 0; i < policy.get("cases").size(); i++) {
            JsonNode c = policy.get("cases").get(i);
            assertEquals(reward.get("texts").get(i).asText(), c.get("prompt").asText() + c.get("response").asText());
            Http.post("/v1/select", Map.of("prompt", c.get("prompt").asText(),
                    "candidates", List.of(c.get("response").asText()), "method", "rbon_kl", "beta", 0.5))
                    .then().statusCode(200)
                    .body("candidates[0].ref_logprob", closeTo(c.get("response_logprob_sum").asDouble(), 1e-3))
                    .body("candidates[0].reward", closeTo(reward.get("scores").get(i).asDouble(), 1e-3))
                    .body("candidates[0].tokens", equalTo(c.get("response_ids").size()))
                    .body("candidates[0].mean_similarity", closeTo(1.0, 1e-5));
        }
    }

    @Test
    void greedyGenerationReproducesTransformersGreedyIds() {
        JsonNode golden = Shared.json(Shared.hfTiny("llama").resolve("golden.json"));
        for (JsonNode c : golden.get("cases")) {
            List<Long> expected = new ArrayList<>();
            for (JsonNode id : c.get("greedy_ids")) {
                expected.add(id.asLong());
                if (id.asLong() == 0) { // EOS ends generation
                    break;
                }
            }
            JsonPath body = Http.post("/v1/generate", Map.of("prompt", c.get("prompt").asText(), "temperature", 0, "n", 1,
                    "max_new_tokens", 16, "return_token_ids", true))
                    .then().statusCode(200).extract().jsonPath();
            assertEquals(expected, body.getList("chosen.token_ids", Long.class), c.get("prompt").asText());
            assertEquals(expected.size(), body.getInt("usage.completion_tokens"));
        }
    }

    @Test
    void aSeededRequestIsReproducible() {
        Map<String, Object> request = Map.of("prompt", "The licence grants you", "method", "srbon_kl", "beta", 0.5,
                "n", 6, "max_new_tokens", 8, "seed", 1234, "return_candidates", true);
        JsonPath first = Http.post("/v1/generate", request).then().statusCode(200).extract().jsonPath();
        JsonPath second = Http.post("/v1/generate", request).then().statusCode(200).extract().jsonPath();
        assertEquals(first.getList("candidates.text"), second.getList("candidates.text"));
        assertEquals(first.getInt("chosen_index"), second.getInt("chosen_index"));
        Map<String, Object> reseeded = new java.util.HashMap<>(request);
        reseeded.put("seed", 99);
        JsonPath third = Http.post("/v1/generate", reseeded).then().statusCode(200).extract().jsonPath();
        assertNotEquals(first.getList("candidates.text"), third.getList("candidates.text"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bon", "rbon_kl", "rbon_wd", "mbr", "srbon_kl", "srbon_wd", "rbon_len", "random", "soft_bon"})
    void everyMethodRunsEndToEnd(String method) {
        var response = Http.post("/v1/generate", Map.of("prompt", "Copyright holders may", "method", method, "beta", 0.1,
                "n", 4, "max_new_tokens", 6, "seed", 7, "epsilon", 0.01, "no_repeat_ngram_size", 4,
                "return_candidates", true))
                .then().statusCode(200)
                .body("method", equalTo(method))
                .body("n", equalTo(4))
                .body("candidates", hasSize(4))
                .body("chosen.reward", notNullValue())
                .body("timings_ms.total", notNullValue())
                .body("models.policy", equalTo("llama"));
        boolean stochastic = method.startsWith("srbon") || method.equals("random") || method.equals("soft_bon");
        response.body("chosen.probability", stochastic ? notNullValue() : nullValue());
    }

    @Test
    void zscoreNormalisationKeepsRawRewardsInTheResponse() {
        JsonPath body = Http.post("/v1/select", Map.of("prompt", "The licence grants you",
                "candidates", List.of(" the right to copy.", " nothing at all", " a copy"),
                "method", "bon", "reward_normalization", "zscore"))
                .then().statusCode(200).extract().jsonPath();
        List<Double> rewards = body.getList("candidates.reward", Double.class);
        List<Double> objectives = body.getList("candidates.objective", Double.class);
        double mean = (objectives.get(0) + objectives.get(1) + objectives.get(2)) / 3.0;
        assertEquals(0.0, mean, 1e-5);
        assertNotEquals(rewards, objectives);
    }

    @Test
    void quantileNormalisationRanksTheRewardsWithinThePool() {
        JsonPath body = Http.post("/v1/select", Map.of("prompt", "The licence grants you",
                "candidates", List.of(" the right to copy.", " nothing at all", " a copy"),
                "method", "bon", "reward_normalization", "quantile"))
                .then().statusCode(200).extract().jsonPath();
        List<Double> rewards = body.getList("candidates.reward", Double.class);
        List<Double> objectives = body.getList("candidates.objective", Double.class);
        for (int i = 0; i < 3; i++) {
            double reward = rewards.get(i);
            assertEquals(rewards.stream().filter(r -> r < reward).count() / 2.0, objectives.get(i), 1e-12,
                    "candidate " + i + ": its rank over N - 1 (the rewards differ)");
        }
        assertEquals(1.0, objectives.get(body.getInt("chosen_index")), 0.0);
    }
}
