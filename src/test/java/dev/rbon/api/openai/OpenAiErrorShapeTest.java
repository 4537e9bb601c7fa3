package dev.rbon.api.openai;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.rbon.api.FailOnRequest;
import dev.rbon.api.Http;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The error shape is the matched resource's choice, not the path's: every failure of the OpenAI resources, wherever
 * it arises (a request filter such as the ShutdownFilter, the body's deserialization, strict JSON, validation, the
 * model check, the size limit), answers in OpenAI's {"error": {...}}; the same failure on rbon's and the pooling
 * routes answers in problem+json.
 */
@QuarkusTest
class OpenAiErrorShapeTest {

    /** A valid body for each POST route (the filter fails the request before it is read). */
    private static final String CHAT = "{\"model\": \"llama\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
    private static final String COMPLETION = "{\"model\": \"llama\", \"prompt\": \"hi\", \"max_tokens\": 1}";
    private static final String RERANK = "{\"query\": \"hi\", \"documents\": [\"a\"]}";
    private static final String GENERATE = "{\"prompt\": \"hi\", \"n\": 1, \"max_new_tokens\": 1}";
    private static final String CLASSIFY = "{\"input\": \"hi\"}";

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    private static Response call(String route, String failure) {
        RequestSpecification request = given().header(FailOnRequest.HEADER, failure);
        return switch (route) {
            case "/v1/models" -> request.get(route);
            case "/v1/chat/completions" -> request.contentType(ContentType.JSON).body(CHAT).post(route);
            case "/v1/completions" -> request.contentType(ContentType.JSON).body(COMPLETION).post(route);
            case "/v1/rerank" -> request.contentType(ContentType.JSON).body(RERANK).post(route);
            case "/v1/generate" -> request.contentType(ContentType.JSON).body(GENERATE).post(route);
            case "/classify" -> request.contentType(ContentType.JSON).body(CLASSIFY).post(route);
            default -> throw new IllegalArgumentException(route);
        };
    }

    /** Thrown where the ShutdownFilter throws: before the body is read, after the resource is matched. */
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
        "/v1/chat/completions, not-ready, 503, service_unavailable_error, 5",
        "/v1/completions, not-ready, 503, service_unavailable_error, 5",
        "/v1/models, not-ready, 503, service_unavailable_error, 5",
        "/v1/rerank, not-ready, 503, service_unavailable_error, 5",
        "/v1/chat/completions, queue-full, 429, rate_limit_error, 1",
        "/v1/completions, queue-full, 429, rate_limit_error, 1",
        "/v1/rerank, queue-full, 429, rate_limit_error, 1",
        "/v1/completions, timeout, 504, timeout_error, ",
        "/v1/rerank, engine-unreachable, 503, service_unavailable_error, 5",
        "/v1/chat/completions, engine-unreachable, 503, service_unavailable_error, 5",
        "/v1/completions, bug, 500, server_error, ",
        "/v1/models, bug, 500, server_error, ",
    })
    void filterFailuresOnTheOpenAiRoutesAreOpenAiErrors(String route, String failure, int status, String type,
            String retryAfter) {
        var then = call(route, failure).then().statusCode(status).contentType(startsWith("application/json"))
                .body("error.type", equalTo(type));
        if (retryAfter != null) {
            then.header("Retry-After", retryAfter);
        }
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
        "/v1/generate, not-ready, 503, 5",
        "/classify, not-ready, 503, 5",
        "/v1/generate, queue-full, 429, 1",
        "/classify, queue-full, 429, 1",
        "/v1/generate, timeout, 504, ",
        "/v1/generate, engine-unreachable, 503, 5",
        "/v1/generate, bug, 500, ",
    })
    void theSameFailuresElsewhereAreProblems(String route, String failure, int status, String retryAfter) {
        var then = call(route, failure).then().statusCode(status)
                .contentType(startsWith("application/problem+json")).body("status", equalTo(status));
        if (retryAfter != null) {
            then.header("Retry-After", retryAfter);
        }
    }

    /** Several invalid fields: problem+json's 422 lists them; OpenAI's 400 names the first as its param. */
    @Test
    void invalidValuesAre400OnOpenAiRoutesAnd422Elsewhere() {
        call("/v1/completions", "invalid").then().statusCode(400).contentType(startsWith("application/json"))
                .body("error.type", equalTo("invalid_request_error")).body("error.param", equalTo("beta"))
                .body("error.message", equalTo("beta: is wrong; n: is wrong too"));
        call("/v1/generate", "invalid").then().statusCode(422).contentType(startsWith("application/problem+json"))
                .body("errors.field[1]", equalTo("n"));
    }

    /** Quarkus's JSON reader reports unparseable JSON as a 400 WebApplicationException, as on every route. */
    @ParameterizedTest
    @ValueSource(strings = {"/v1/chat/completions", "/v1/completions", "/v1/rerank"})
    void malformedJsonIsAnOpenAiError(String route) {
        given().contentType(ContentType.JSON).body("{\"model\": ").post(route).then().statusCode(400)
                .contentType(startsWith("application/json")).body("error.type", equalTo("invalid_request_error"));
        given().contentType(ContentType.JSON).body("{\"prompt\": ").post("/v1/generate").then().statusCode(400)
                .contentType(startsWith("application/problem+json"));
    }

    /** Deserialized into a record by RESTEasy (rerank) or read by OpenAiBodies (completions): the field is named. */
    @Test
    void deserializationFailuresNameTheField() {
        Http.post("/v1/rerank", "{\"query\": \"x\", \"documents\": [\"a\"], \"top_n\": \"2\"}").then().statusCode(400)
                .contentType(startsWith("application/json")).body("error.param", equalTo("top_n"));
        Http.post("/v1/rerank", "{\"query\": \"x\", \"documents\": [\"a\"], \"colour\": 1}").then().statusCode(400)
                .contentType(startsWith("application/json")).body("error.param", equalTo("colour"));
        Http.post("/v1/completions", "{\"model\": \"llama\", \"prompt\": \"x\", \"n\": 2.5}").then().statusCode(400)
                .contentType(startsWith("application/json")).body("error.param", equalTo("n"));
        Http.post("/v1/chat/completions", "{\"model\": \"llama\", \"messages\": [], \"frequency_penalty\": 1}").then()
                .statusCode(400).body("error.param", equalTo("frequency_penalty"));
        Http.post("/v1/rerank", "null").then().statusCode(400).contentType(startsWith("application/json"))
                .body("error.param", equalTo("body"));
        // a number past its type's range: Jackson's coercion error, named by where the parser stood
        Http.post("/v1/completions", "{\"model\": \"llama\", \"prompt\": \"x\", \"seed\": 18446744073709551616}")
                .then().statusCode(400).body("error.param", equalTo("seed"));
        Http.post("/v1/rerank", "{\"query\": \"x\", \"documents\": [\"a\"], \"top_n\": 99999999999}").then()
                .statusCode(400).body("error.param", equalTo("top_n"));
    }

    /** The size limit answers before any resource is matched: the dialect routes its own paths to it. */
    @ParameterizedTest
    @ValueSource(strings = {"/v1/chat/completions", "/v1/completions", "/v1/rerank"})
    void aBodyOverTheLimitIsAnOpenAi413(String route) {
        given().contentType(ContentType.JSON).body("{\"prompt\": \"" + "a".repeat(1_100_000) + "\"}").post(route)
                .then().statusCode(413).contentType(startsWith("application/json"))
                .body("error.code", equalTo("request_too_large"));
    }

    @Test
    void aBodyOverTheLimitElsewhereIsAProblem() {
        given().contentType(ContentType.JSON).body("{\"input\": \"" + "a".repeat(1_100_000) + "\"}").post("/classify")
                .then().statusCode(413).contentType(startsWith("application/problem+json"));
    }

    /**
     * The documented exception: a request no resource method matches (a wrong HTTP method, a body that is not JSON)
     * fails inside RESTEasy's routing, before there is a resource to ask, so it answers in problem+json on every path.
     */
    @Test
    void routingFailuresComeBeforeAnyResourceAndAreProblems() {
        given().get("/v1/chat/completions").then().statusCode(405)
                .contentType(startsWith("application/problem+json"));
        given().contentType(ContentType.TEXT).body("hi").post("/v1/completions").then().statusCode(415)
                .contentType(startsWith("application/problem+json"));
    }
}
