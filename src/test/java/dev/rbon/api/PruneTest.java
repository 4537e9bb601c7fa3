package dev.rbon.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * prune (issue 20) over HTTP: every invalid form is refused naming {@code prune.every}, {@code prune.keep} or
 * {@code prune} itself (problem+json on /v1/generate: 400 for a wrong JSON type, 422 for a value out of range,
 * also the strings "NaN" and "Infinity", which Jackson reads as those doubles;
 * OpenAI's 400 with that {@code param} on the completions routes), a valid one reaches the decoder (keep 1 prunes
 * nothing, so it answers exactly as the same seeded request without prune), and the routes on supplied candidates
 * say why prune is not theirs. The default profile (the chat route's refusals come before its chat template).
 */
@QuarkusTest
class PruneTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    /** Each invalid prune value: the status /v1/generate answers (the OpenAI routes answer 400) and the field. */
    static final String INVALID = """
            {"every": 0, "keep": 0.5}                 | 422 | prune.every
            {"every": -16, "keep": 0.5}               | 422 | prune.every
            {"every": 4, "keep": 0}                   | 422 | prune.keep
            {"every": 4, "keep": -0.5}                | 422 | prune.keep
            {"every": 4, "keep": 1.5}                 | 422 | prune.keep
            {"every": 4, "keep": 1.0000001}           | 422 | prune.keep
            {"every": 4, "keep": 1e999}               | 422 | prune.keep
            {"every": 4, "keep": -1e999}              | 422 | prune.keep
            {"keep": 0.5}                             | 422 | prune.every
            {"every": 4}                              | 422 | prune.keep
            {}                                        | 422 | prune.every
            {"every": null, "keep": 0.5}              | 422 | prune.every
            {"every": 4, "keep": null}                | 422 | prune.keep
            {"every": 4, "keep": 0.5, "colour": 1}    | 422 | prune.colour
            {"every": 4, "fraction": 0.5}             | 422 | prune.fraction
            16                                        | 400 | prune
            "every=16;keep=0.5"                       | 400 | prune
            [16, 0.5]                                 | 400 | prune
            true                                      | 400 | prune
            {"every": 2.5, "keep": 0.5}               | 400 | prune.every
            {"every": "16", "keep": 0.5}              | 400 | prune.every
            {"every": true, "keep": 0.5}              | 400 | prune.every
            {"every": [16], "keep": 0.5}              | 400 | prune.every
            {"every": 3000000000, "keep": 0.5}        | 400 | prune.every
            {"every": 4, "keep": "0.5"}               | 400 | prune.keep
            {"every": 4, "keep": "NaN"}               | 422 | prune.keep
            {"every": 4, "keep": "Infinity"}          | 422 | prune.keep
            {"every": 4, "keep": NaN}                 | 400 | prune.keep
            {"every": 4, "keep": Infinity}            | 400 | prune.keep
            {"every": 4, "keep": -Infinity}           | 400 | prune.keep
            {"every": 4, "keep": true}                | 400 | prune.keep
            {"every": 4, "keep": {}}                  | 400 | prune.keep
            """;

    @ParameterizedTest(name = "/v1/generate prune {0} -> {1} {2}")
    @CsvSource(delimiter = '|', textBlock = INVALID)
    void generateRefusesEveryInvalidPrune(String prune, int status, String field) {
        given().contentType(ContentType.JSON)
                .body("{\"prompt\": \"x\", \"n\": 2, \"max_new_tokens\": 2, \"prune\": " + prune + "}")
                .post("/v1/generate").then().statusCode(status)
                .contentType(startsWith(Problem.MEDIA_TYPE))
                .body("status", equalTo(status))
                .body("errors.field", hasItem(field));
    }

    @ParameterizedTest(name = "/v1/chat/completions prune {0} -> 400 {2}")
    @CsvSource(delimiter = '|', textBlock = INVALID)
    void chatRefusesEveryInvalidPrune(String prune, int status, String field) {
        openAiRefusal("/v1/chat/completions", "{\"model\": \"llama\", \"messages\": [{\"role\": \"user\", "
                + "\"content\": \"hi\"}], \"max_tokens\": 2, \"prune\": " + prune + "}", field);
    }

    @ParameterizedTest(name = "/v1/completions prune {0} -> 400 {2}")
    @CsvSource(delimiter = '|', textBlock = INVALID)
    void completionsRefuseEveryInvalidPrune(String prune, int status, String field) {
        openAiRefusal("/v1/completions", "{\"model\": \"llama\", \"prompt\": \"hi\", \"max_tokens\": 2, "
                + "\"prune\": " + prune + "}", field);
        // with best_of = n, as a plain engine request would be: prune makes it a pool, refused the same way
        openAiRefusal("/v1/completions", "{\"model\": \"llama\", \"prompt\": \"hi\", \"n\": 2, \"best_of\": 2, "
                + "\"max_tokens\": 2, \"prune\": " + prune + "}", field);
    }

    static void openAiRefusal(String route, String body, String field) {
        given().contentType(ContentType.JSON).body(body).post(route).then().statusCode(400)
                .contentType(startsWith("application/json"))
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.param", equalTo(field))
                .body("error.message", containsString(field));
    }

    /** All offending fields together: both on rbon's route, the first as OpenAI's param with both in the message. */
    @Test
    void bothFieldsAreReportedTogether() {
        given().contentType(ContentType.JSON)
                .body("{\"prompt\": \"x\", \"n\": 0, \"prune\": {\"every\": 0, \"keep\": 2}}").post("/v1/generate")
                .then().statusCode(422).body("errors.field", hasItems("n", "prune.every", "prune.keep"));
        given().contentType(ContentType.JSON).body("{\"model\": \"llama\", \"prompt\": \"hi\", "
                + "\"prune\": {\"every\": 0, \"keep\": 2}}").post("/v1/completions").then().statusCode(400)
                .body("error.param", equalTo("prune.every"))
                .body("error.message", containsString("prune.keep: must be in (0, 1]"));
    }

    /** Nothing is decoded on the routes that take the client's candidates: prune is refused, saying so. */
    @Test
    void theRoutesOnSuppliedCandidatesSayWhyPruneIsNotTheirs() {
        given().contentType(ContentType.JSON).body("{\"prompt\": \"x\", \"candidates\": [\"a\", \"b\"], "
                + "\"prune\": {\"every\": 2, \"keep\": 0.5}}").post("/v1/select").then().statusCode(422)
                .contentType(startsWith(Problem.MEDIA_TYPE))
                .body("errors.field", hasItem("prune"))
                .body("errors[0].message", containsString("nothing is decoded here"));
        given().contentType(ContentType.JSON).body("{\"query\": \"x\", \"documents\": [\"a\", \"b\"], "
                + "\"prune\": {\"every\": 2, \"keep\": 0.5}}").post("/v1/rerank").then().statusCode(400)
                .contentType(startsWith("application/json"))
                .body("error.param", equalTo("prune"))
                .body("error.message", containsString("nothing is decoded here"));
    }

    static final String SEEDED = "\"prompt\": \"The licence grants you\", \"method\": \"rbon_kl\", \"beta\": 0.5, "
            + "\"n\": 6, \"max_new_tokens\": 10, \"seed\": 20, \"return_candidates\": true";

    /** keep 1 prunes nothing: the answer is the one without prune, number for number (timings aside). */
    @ParameterizedTest(name = "prune {0}")
    @CsvSource(delimiter = '|', value = {"{\"every\": 1, \"keep\": 1}", "{\"every\": 3, \"keep\": 1.0}", "null"})
    void aPruneThatKeepsEveryCandidateAnswersAsWithout(String prune) throws Exception {
        JsonNode without = generate("{" + SEEDED + "}");
        JsonNode with = generate("{" + SEEDED + ", \"prune\": " + prune + "}");
        assertEquals(withoutTimings(without), withoutTimings(with));
        assertTrue(with.path("timings_ms").path("prune").isNumber(), "timings_ms.prune: " + with);
        for (JsonNode c : with.path("candidates")) {
            assertTrue(!c.has("pruned_at") && !c.path("finish_reason").asText().equals("pruned"), c.toString());
        }
    }

    /** The same on /v1/completions: the pool, its ranking and the returned choices. */
    @Test
    void aCompletionWithKeepOneAnswersAsWithout() throws Exception {
        String body = "\"model\": \"llama\", \"prompt\": \"The licence grants you\", \"best_of\": 5, \"n\": 2, "
                + "\"method\": \"bon\", \"max_tokens\": 8, \"seed\": 4, \"return_candidates\": true";
        JsonNode without = post("/v1/completions", "{" + body + "}");
        JsonNode with = post("/v1/completions", "{" + body + ", \"prune\": {\"every\": 2, \"keep\": 1}}");
        assertEquals(without.path("choices"), with.path("choices"));
        assertEquals(without.path("rbon").path("candidates"), with.path("rbon").path("candidates"));
        assertEquals(without.path("usage"), with.path("usage"));
        assertTrue(with.path("rbon").path("timings_ms").path("prune").isNumber(), with.toString());
    }

    /** A prune is an rbon field: with best_of = n the request is still a pool (an rbon account), not an engine's. */
    @Test
    void pruneMakesACompletionAPoolAsMethodDoes() throws Exception {
        JsonNode pool = post("/v1/completions", "{\"model\": \"llama\", \"prompt\": \"hi\", \"n\": 2, \"best_of\": 2, "
                + "\"max_tokens\": 3, \"seed\": 3, \"prune\": {\"every\": 1, \"keep\": 1}}");
        assertTrue(pool.has("rbon"), pool.toString());
        Http.post("/v1/completions", "{\"model\": \"llama\", \"prompt\": \"hi\", \"echo\": true, "
                + "\"prune\": {\"every\": 1, \"keep\": 0.5}}").then().statusCode(400)
                .body("error.param", equalTo("echo")).body("error.message", containsString("prune"));
        given().contentType(ContentType.JSON).body("{\"model\": \"llama\", \"prompt\": \"hi\", \"n\": 2, "
                + "\"best_of\": 2, \"max_tokens\": 3, \"prune\": null}").post("/v1/completions").then()
                .statusCode(200).body("$", not(hasKey("rbon")));
    }

    /**
     * What a pruning pool reports, whichever candidates the decoder prunes: a pruned candidate has finish_reason
     * pruned, its tokens when it left (pruned_at, a decision point), and usage counts every candidate's tokens.
     */
    @Test
    void eachCandidateReportsItsFate() throws Exception {
        JsonNode body = generate("{\"prompt\": \"Once upon a time\", \"method\": \"rbon_wd\", \"beta\": 1, \"n\": 8, "
                + "\"max_new_tokens\": 12, \"seed\": 11, \"return_candidates\": true, "
                + "\"prune\": {\"every\": 3, \"keep\": 0.5}}");
        int tokens = 0;
        for (JsonNode c : body.path("candidates")) {
            tokens += c.path("tokens").asInt();
            if (c.has("pruned_at")) {
                assertEquals("pruned", c.path("finish_reason").asText(), c.toString());
                assertEquals(c.path("tokens").asInt(), c.path("pruned_at").asInt(), c.toString());
                assertEquals(0, c.path("pruned_at").asInt() % 3, c.toString());
            } else {
                assertTrue(List.of("stop", "length").contains(c.path("finish_reason").asText()), c.toString());
            }
        }
        assertEquals(tokens, body.path("usage").path("completion_tokens").asInt());
    }

    static JsonNode generate(String body) throws Exception {
        return post("/v1/generate", body);
    }

    static JsonNode post(String route, String body) throws Exception {
        return JSON.readTree(given().contentType(ContentType.JSON).body(body).post(route).then().statusCode(200)
                .extract().asString());
    }

    static JsonNode withoutTimings(JsonNode answer) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = answer.deepCopy();
        copy.remove(List.of("id", "timings_ms"));
        return copy;
    }
}
