package dev.rbon.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No JSON coercion on any route: every field of every request, sent with a value of each wrong kind, is a 400
 * naming that field (problem+json on rbon's routes, OpenAI's error shape on the OpenAI routes). Jackson's defaults
 * would have turned 42 into "42", 2.5 into 2, "4" into 4 and 1 into true.
 */
@QuarkusTest
class StrictJsonTest {

    /** The wrong values for a field of each kind; integers still widen to floating-point fields. */
    static final Map<String, List<String>> WRONG = Map.of(
            "string", List.of("42", "2.5", "true", "[\"a\"]", "{\"a\": 1}"),
            "integer", List.of("2.5", "\"4\"", "true", "[4]", "\"\""),
            "long", List.of("1.5", "\"7\"", "false"),
            "number", List.of("\"0.5\"", "true", "[0.5]", "\"\""),
            "boolean", List.of("1", "\"true\"", "0.0", "\"\""),
            "strings", List.of("\"a\"", "[1]", "[true]", "7"),
            "messages", List.of("\"hi\"", "[1]", "[{\"role\": 1, \"content\": \"x\"}]",
                    "[{\"role\": \"user\", \"content\": 5}]"),
            "prune", List.of("16", "\"every=16;keep=0.5\"", "[16, 0.5]", "true", "{\"every\": 2.5, \"keep\": 0.5}",
                    "{\"every\": \"16\", \"keep\": 0.5}", "{\"every\": 4, \"keep\": \"0.5\"}",
                    "{\"every\": 4, \"keep\": true}"));

    /** route, a valid body with {} where the field goes, the field, its kind. */
    static final List<String[]> FIELDS = List.of(
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "method", "string"},
            new String[] {"/v1/generate", "{%s}", "prompt", "string"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "beta", "number"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "n", "integer"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "max_new_tokens", "integer"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "temperature", "number"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "top_p", "number"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "top_k", "integer"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "epsilon", "number"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "no_repeat_ngram_size", "integer"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "stop", "strings"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "seed", "long"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "timeout_ms", "integer"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "reward_normalization", "string"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "reward_aggregation", "string"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "reward_std_weight", "number"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "return_candidates", "boolean"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "return_token_ids", "boolean"},
            new String[] {"/v1/generate", "{%s}", "messages", "messages"},
            new String[] {"/v1/generate", "{\"prompt\": \"x\", %s}", "prune", "prune"},
            new String[] {"/v1/select", "{\"candidates\": [\"a\"], %s}", "prompt", "string"},
            new String[] {"/v1/select", "{\"prompt\": \"x\", %s}", "candidates", "strings"},
            new String[] {"/v1/select", "{\"candidates\": [\"a\"], %s}", "messages", "messages"},
            new String[] {"/v1/select", "{\"prompt\": \"x\", \"candidates\": [\"a\"], %s}", "method", "string"},
            new String[] {"/v1/select", "{\"prompt\": \"x\", \"candidates\": [\"a\"], %s}", "beta", "number"},
            new String[] {"/v1/select", "{\"prompt\": \"x\", \"candidates\": [\"a\"], %s}", "seed", "long"},
            new String[] {"/v1/select", "{\"prompt\": \"x\", \"candidates\": [\"a\"], %s}", "reward_aggregation",
                    "string"},
            new String[] {"/v1/select", "{\"prompt\": \"x\", \"candidates\": [\"a\"], %s}", "reward_std_weight",
                    "number"},
            new String[] {"/v1/select", "{\"prompt\": \"x\", \"candidates\": [\"a\"], %s}", "return_candidates",
                    "boolean"},
            new String[] {"/v1/rerank", "{\"documents\": [\"a\"], %s}", "query", "string"},
            new String[] {"/v1/rerank", "{\"query\": \"x\", \"documents\": [\"a\"], %s}", "top_n", "integer"},
            new String[] {"/v1/rerank", "{\"query\": \"x\", \"documents\": [\"a\"], %s}", "model", "string"},
            new String[] {"/v1/rerank", "{\"query\": \"x\", \"documents\": [\"a\"], %s}", "method", "string"},
            new String[] {"/v1/rerank", "{\"query\": \"x\", \"documents\": [\"a\"], %s}", "beta", "number"},
            new String[] {"/v1/rerank", "{\"query\": \"x\", \"documents\": [\"a\"], %s}", "reward_aggregation",
                    "string"},
            new String[] {"/v1/rerank", "{\"query\": \"x\", \"documents\": [\"a\"], %s}", "reward_std_weight",
                    "number"},
            new String[] {"/v1/rerank", "{\"query\": \"x\", \"documents\": [\"a\"], %s}", "return_documents",
                    "boolean"});

    static Stream<Arguments> wrongKinds() {
        List<Arguments> cases = new ArrayList<>();
        for (String[] f : FIELDS) {
            for (String value : WRONG.get(f[3])) {
                cases.add(Arguments.of(f[0], String.format(f[1], "\"" + f[2] + "\": " + value), f[2]));
            }
        }
        return cases.stream();
    }

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("wrongKinds")
    void everyFieldRefusesEveryWrongKind(String route, String body, String field) {
        var response = given().contentType(ContentType.JSON).body(body).post(route).then();
        if (route.equals("/v1/rerank")) { // the Cohere-shaped rerank answers in OpenAI's error shape
            response.statusCode(400).contentType(startsWith("application/json"))
                    .body("error.type", equalTo("invalid_request_error"))
                    .body("error.param", startsWith(field));
        } else {
            response.statusCode(400).contentType(startsWith("application/problem+json"))
                    .body("errors.field", hasItem(startsWith(field)));
        }
    }

    /** The cases the issue names: each was coerced and answered 200 before. */
    @Test
    void theReportedCoercionsAreRefused() {
        given().contentType(ContentType.JSON).body("{\"prompt\": 42, \"n\": 1}").post("/v1/generate")
                .then().statusCode(400).body("errors.field", hasItem("prompt"))
                .body("detail", containsString("prompt"));
        given().contentType(ContentType.JSON).body("{\"prompt\": \"x\", \"n\": 2.5}").post("/v1/generate")
                .then().statusCode(400).body("errors.field", hasItem("n"));
        given().contentType(ContentType.JSON).body("{\"prompt\": \"x\", \"candidates\": [1, 2.5]}").post("/v1/select")
                .then().statusCode(400).body("errors.field", hasItem("candidates[0]"));
        given().contentType(ContentType.JSON).body("{\"query\": \"x\", \"documents\": [1, 2]}").post("/v1/rerank")
                .then().statusCode(400).body("error.param", equalTo("documents[0]"));
    }

    /** JSON has one number type: an integer is a valid value of a floating-point field. */
    @Test
    void integersStillFillFloatingPointFields() {
        given().contentType(ContentType.JSON)
                .body("{\"prompt\": \"x\", \"n\": 1, \"max_new_tokens\": 2, \"beta\": 1, \"temperature\": 1, "
                        + "\"top_p\": 1, \"method\": \"rbon_kl\"}")
                .post("/v1/generate").then().statusCode(200).body("beta", equalTo(1.0));
    }
}
