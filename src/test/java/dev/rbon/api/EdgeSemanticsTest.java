package dev.rbon.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * vLLM's edge semantics on every route, over HTTP on the hf-tiny llama: a whitespace-only prompt is a prompt (only
 * an empty one is refused), and a positive temperature below 1e-5 is greedy decoding, as temperature 0 is.
 */
@QuarkusTest
class EdgeSemanticsTest {

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    private static JsonPath ok(String path, String body) {
        return given().contentType(ContentType.JSON).body(body).post(path).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void aWhitespacePromptIsAcceptedOnEveryRouteAndAnEmptyOneIsNot() {
        ok("/v1/generate", "{\"prompt\": \"   \", \"n\": 2, \"max_new_tokens\": 3, \"seed\": 1}");
        ok("/v1/completions", "{\"model\": \"llama\", \"prompt\": \" \", \"best_of\": 2, \"max_tokens\": 3,"
                + " \"method\": \"bon\"}");
        ok("/v1/completions", "{\"model\": \"llama\", \"prompt\": \"\\n\", \"max_tokens\": 3}");
        given().contentType(ContentType.JSON).body("{\"prompt\": \"\"}").post("/v1/generate")
                .then().statusCode(422).body("errors[0].field", equalTo("prompt"));
        given().contentType(ContentType.JSON).body("{\"model\": \"llama\", \"prompt\": \"\", \"method\": \"bon\"}")
                .post("/v1/completions").then().statusCode(400).body("error.param", equalTo("prompt"));
    }

    @Test
    void maxTokensOneIsTheTokenAfterThePromptOnEveryRoute() {
        JsonPath generate = ok("/v1/generate", "{\"prompt\": \"The licence grants you\", \"n\": 4,"
                + " \"max_new_tokens\": 1, \"seed\": 6, \"return_candidates\": true}");
        generate.getList("candidates.tokens", Double.class).forEach(t -> assertEquals(1.0, t));
        JsonPath aligned = ok("/v1/completions", "{\"model\": \"llama\", \"prompt\": \"The licence grants you\","
                + " \"best_of\": 4, \"n\": 2, \"max_tokens\": 1, \"method\": \"bon\", \"seed\": 6}");
        assertEquals(2, aligned.getList("choices").size());
        JsonPath plain = ok("/v1/completions", "{\"model\": \"llama\", \"prompt\": \"The licence grants you\","
                + " \"best_of\": 4, \"n\": 4, \"max_tokens\": 1, \"seed\": 6}");
        assertEquals(generate.getList("candidates.text"), plain.getList("choices.text"), "the same samples");
    }

    @Test
    void aTemperatureBelowOneInAHundredThousandIsGreedy() {
        String generate = "{\"prompt\": \"The licence grants you\", \"n\": 3, \"max_new_tokens\": 8, \"seed\": 4,"
                + " \"return_candidates\": true, \"temperature\": %s}";
        JsonPath greedy = ok("/v1/generate", String.format(generate, "0"));
        JsonPath tiny = ok("/v1/generate", String.format(generate, "1e-6"));
        assertEquals(greedy.getList("candidates.text"), tiny.getList("candidates.text"));
        assertEquals(1, tiny.getList("candidates.text").stream().distinct().count(), "greedy rows are alike");

        String aligned = "{\"model\": \"llama\", \"prompt\": \"The licence grants you\", \"best_of\": 2,"
                + " \"max_tokens\": 8, \"method\": \"bon\", \"temperature\": %s}";
        assertEquals(ok("/v1/completions", String.format(aligned, "0")).getString("choices[0].text"),
                ok("/v1/completions", String.format(aligned, "0.000009")).getString("choices[0].text"));

        String plain = "{\"model\": \"llama\", \"prompt\": \"The licence grants you\", \"max_tokens\": 8,"
                + " \"temperature\": %s}";
        assertEquals(ok("/v1/completions", String.format(plain, "0")).getString("choices[0].text"),
                ok("/v1/completions", String.format(plain, "1e-7")).getString("choices[0].text"));
    }
}
