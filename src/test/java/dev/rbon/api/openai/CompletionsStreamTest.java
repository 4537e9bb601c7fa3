package dev.rbon.api.openai;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rbon.api.Http;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The raw SSE of /v1/completions as a plain HTTP client sees it: progress comments, chunks, [DONE]. */
@QuarkusTest
class CompletionsStreamTest {

    static final String BODY = "{\"model\": \"llama\", \"prompt\": \"The licence grants you\", \"best_of\": 4, "
            + "\"seed\": 2, \"max_tokens\": 6, \"logprobs\": 1, \"stream\": %s}";

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    @Test
    void commentsWhileThePoolIsBuiltThenTheTokensThenDone() throws Exception {
        String sse = given().contentType(ContentType.JSON).body(String.format(BODY, "true")).post("/v1/completions")
                .then().statusCode(200).contentType(startsWith("text/event-stream")).extract().asString();
        List<String> events = List.of(sse.split("\n\n"));
        assertTrue(events.get(0).startsWith(": sampling 4 candidates, up to 6 tokens each"), events.get(0));
        assertTrue(events.contains(": sampled 4/4") && events.contains(": scored"), sse);
        assertEquals("data: [DONE]", events.get(events.size() - 1));

        JsonNode whole = new ObjectMapper().readTree(given().contentType(ContentType.JSON)
                .body(String.format(BODY, "false")).post("/v1/completions").then().statusCode(200).extract().asString());
        StringBuilder text = new StringBuilder();
        double logprobs = 0;
        for (String event : events) {
            if (event.startsWith("data: {")) {
                JsonNode choice = new ObjectMapper().readTree(event.substring(6)).path("choices").path(0);
                text.append(choice.path("text").asText());
                for (JsonNode lp : choice.path("logprobs").path("token_logprobs")) {
                    logprobs += lp.asDouble();
                }
            }
        }
        JsonNode first = whole.path("choices").path(0);
        assertEquals(first.path("text").asText(), text.toString());
        double expected = 0;
        for (JsonNode lp : first.path("logprobs").path("token_logprobs")) {
            expected += lp.asDouble();
        }
        assertEquals(expected, logprobs, 1e-9, "the streamed tokens carry the same log-probs");
        assertEquals(first.path("rbon").path("ref_logprob").asDouble(), expected, 1e-3);
    }

    @Test
    void aPrunedPoolsLoneSurvivorStreamsBeforeThePoolEndsAndJoinsToTheAnswer() throws Exception {
        String body = "{\"model\": \"llama\", \"prompt\": \"what colour is snow ?\", \"best_of\": 16, \"seed\": 3, "
                + "\"max_tokens\": 24, \"prune\": {\"every\": 1, \"keep\": 0.01}, \"stream\": %s}";
        String sse = given().contentType(ContentType.JSON).body(String.format(body, "true")).post("/v1/completions")
                .then().statusCode(200).extract().asString();
        List<String> events = List.of(sse.split("\n\n"));
        int sampled = events.indexOf(": sampled 16/16");
        int firstText = -1;
        StringBuilder text = new StringBuilder();
        for (int e = 0; e < events.size(); e++) {
            if (events.get(e).startsWith("data: {")) {
                String piece = new ObjectMapper().readTree(events.get(e).substring(6)).path("choices").path(0)
                        .path("text").asText();
                if (!piece.isEmpty() && firstText < 0) {
                    firstText = e;
                }
                text.append(piece);
            }
        }
        assertTrue(firstText >= 0 && firstText < sampled, "text streamed before the pool ended: " + sse);
        JsonNode whole = new ObjectMapper().readTree(given().contentType(ContentType.JSON)
                .body(String.format(body, "false")).post("/v1/completions").then().statusCode(200).extract().asString());
        assertEquals(whole.path("choices").path(0).path("text").asText(), text.toString(), sse);
    }

    @Test
    void failuresBeforeTheStreamOpensAreOrdinaryHttpErrors() {
        given().contentType(ContentType.JSON)
                .body("{\"model\": \"llama\", \"prompt\": \"" + "word ".repeat(3000) + "\", \"stream\": true}")
                .post("/v1/completions").then().statusCode(400).contentType(startsWith("application/json"))
                .body("error.param", equalTo("prompt"));
        given().contentType(ContentType.JSON).body("{\"model\": \"x\", \"prompt\": \"hi\", \"stream\": true}")
                .post("/v1/completions").then().statusCode(404).body("error.code", equalTo("model_not_found"));
        given().contentType(ContentType.JSON).body("{\"model\": \"llama\", \"prompt\": \"hi\", \"n\": 3, \"best_of\": 2}")
                .post("/v1/completions").then().statusCode(400).body("error.param", equalTo("n"));
        given().contentType(ContentType.JSON).body("{\"model\": \"llama\", \"prompt\": [1, 2], \"method\": \"bon\"}")
                .post("/v1/completions").then().statusCode(400).body("error.param", equalTo("prompt"));
    }
}
