package dev.rbon.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad input gets a 4xx problem+json naming the field, never a 500, and the server stays ready. */
@QuarkusTest
class ValidationTest {

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', value = {
        "{\"prompt\": \"x\", \"n\": 0}                     | 422 | n",
        "{\"prompt\": \"x\", \"n\": -1}                    | 422 | n",
        "{\"prompt\": \"x\", \"n\": 100000}                | 422 | n",
        "{\"prompt\": \"x\", \"beta\": -1}                 | 422 | beta",
        "{\"prompt\": \"x\", \"method\": \"rbon_kl\", \"beta\": 1e999} | 422 | beta",
        "{\"prompt\": \"x\", \"method\": \"srbon_kl\", \"beta\": 0} | 422 | beta",
        "{\"prompt\": \"x\", \"method\": \"best\"}         | 422 | method",
        "{\"prompt\": \"\"}                                | 422 | prompt",
        "{\"n\": 2}                                        | 422 | prompt",
        "{\"prompt\": \"x\", \"colour\": \"red\"}          | 422 | colour",
        "{\"prompt\": \"x\", \"temperature\": -0.5}        | 422 | temperature",
        "{\"prompt\": \"x\", \"temperature\": -1e-4}       | 422 | temperature",
        "{\"prompt\": \"x\", \"stop\": [\"a\", \"b\", \"c\", \"d\", \"e\"]} | 422 | stop",
        "{\"prompt\": \"x\", \"timeout_ms\": 0}            | 422 | timeout_ms",
        "{\"prompt\": \"x\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]} | 422 | messages",
        "{\"messages\": []}                                 | 422 | messages",
        "{\"messages\": [{\"role\": \"robot\", \"content\": \"hi\"}]} | 422 | messages[0].role",
        "{\"messages\": [{\"role\": \"user\"}]}             | 422 | messages[0].content",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]} | 422 | messages",
        "{\"prompt\": \"x\", \"top_p\": 0}                 | 422 | top_p",
        "{\"prompt\": \"x\", \"top_p\": 1.5}               | 422 | top_p",
        "{\"prompt\": \"x\", \"top_k\": -3}                | 422 | top_k",
        "{\"prompt\": \"x\", \"epsilon\": 1}               | 422 | epsilon",
        "{\"prompt\": \"x\", \"max_new_tokens\": 0}        | 422 | max_new_tokens",
        "{\"prompt\": \"x\", \"max_new_tokens\": 100000}   | 422 | max_new_tokens",
        "{\"prompt\": \"x\", \"stop\": [\"\"]}             | 422 | stop[0]",
        "{\"prompt\": \"x\", \"reward_normalization\": \"minmax\"} | 422 | reward_normalization",
        "{\"prompt\": \"x\", \"beta\": \"high\"}           | 400 | beta",
        "{\"prompt\": \"x\", \"n\": \"four\"}              | 400 | n",
        "{\"prompt\": [1, 2]}                              | 400 | prompt",
        "{\"prompt\": \"x\", \"seed\": 18446744073709551616} | 400 | seed",
        "{\"prompt\": \"x\", \"beta\": NaN}              | 400 | beta",
        "{\"prompt\": \"x\", \"top_p\": -Infinity}       | 400 | top_p",
        "{\"prompt\": \"x\", \"prune\": {\"every\": 0, \"keep\": 0.5}} | 422 | prune.every",
        "{\"prompt\": \"x\", \"prune\": {\"every\": 4, \"keep\": 1.5}} | 422 | prune.keep",
    })
    void generateRejects(String body, int status, String field) {
        given().contentType(ContentType.JSON).body(body).post("/v1/generate")
                .then().statusCode(status)
                .contentType(startsWith("application/problem+json"))
                .body("status", equalTo(status))
                .body("errors.field", hasItem(field));
        given().contentType(ContentType.JSON).body("{\"prompt\": \"ok\", \"n\": 1, \"max_new_tokens\": 2}")
                .post("/v1/generate").then().statusCode(200);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "{\"prompt\": \"x\"                 | 400",
        "not json                           | 400",
        "[]                                 | 400",
    })
    void malformedBodiesAreBadRequests(String body, int status) {
        given().contentType(ContentType.JSON).body(body).post("/v1/generate")
                .then().statusCode(status).contentType(startsWith("application/problem+json"));
    }

    @org.junit.jupiter.api.Test
    void aBodyOverTheSizeLimitIs413() {
        String huge = "{\"prompt\": \"" + "a".repeat(1_100_000) + "\"}";
        given().contentType(ContentType.JSON).body(huge).post("/v1/generate")
                .then().statusCode(413).contentType(startsWith("application/problem+json"));
        given().contentType(ContentType.JSON).body("{\"prompt\": \"ok\", \"n\": 1, \"max_new_tokens\": 2}")
                .post("/v1/generate").then().statusCode(200);
    }

    @org.junit.jupiter.api.Test
    void aPromptOverTheTokenLimitIs422() {
        given().contentType(ContentType.JSON).body("{\"prompt\": \"" + "word ".repeat(3000) + "\"}")
                .post("/v1/generate").then().statusCode(422).body("errors.field", hasItem("prompt"));
        given().contentType(ContentType.JSON)
                .body("{\"prompt\": \"" + "word ".repeat(100) + "\", \"max_new_tokens\": 250}")
                .post("/v1/generate").then().statusCode(422).body("errors.field", hasItem("max_new_tokens"));
    }

    @org.junit.jupiter.api.Test
    void aCandidateOverTheContextIs422() {
        given().contentType(ContentType.JSON)
                .body("{\"prompt\": \"x\", \"candidates\": [\"ok\", \"" + "word ".repeat(400) + "\"]}")
                .post("/v1/select").then().statusCode(422).body("errors.field", hasItem("candidates[1]"));
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', value = {
        "{\"prompt\": \"x\", \"candidates\": []}           | 422 | candidates",
        "{\"prompt\": \"x\"}                               | 422 | candidates",
        "{\"prompt\": \"x\", \"candidates\": [\"a\", null]} | 422 | candidates[1]",
        "{\"candidates\": [\"a\"]}                         | 422 | prompt",
        "{\"prompt\": \"x\", \"candidates\": [1, 2]}        | 400 | candidates[0]",
        "{\"prompt\": \"x\", \"candidates\": \"a\"}          | 400 | candidates",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"prompt\": \"x\", \"candidates\": [\"a\"]} | 422 | messages",
    })
    void selectRejects(String body, int status, String field) {
        given().contentType(ContentType.JSON).body(body).post("/v1/select")
                .then().statusCode(status).body("errors.field", hasItem(field));
    }
}
