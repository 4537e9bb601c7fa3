package dev.rbon.api.openai;

import dev.rbon.decode.AdmissionTest;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rbon.api.Http;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Refusals on the OpenAI routes, on the hf-tiny models with a 4 MiB memory budget: a streamed request refused by
 * admission gets the same 4xx as an unstreamed one (the stream opens only once admitted), and each refusal names the
 * field the client sent (best_of, max_tokens, max_completion_tokens), not rbon's n or max_new_tokens.
 */
@QuarkusTest
@TestProfile(AdmissionTest.SmallBudget.class)
class OpenAiAdmissionTest {

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    @Test
    void aStreamRefusedByAdmissionGetsTheSameStatusAndBodyAsAPlainRequest() {
        String body = "{\"model\": \"llama\", \"prompt\": \"hello there\", \"best_of\": 64, \"max_tokens\": 200,"
                + " \"method\": \"bon\", \"stream\": %s}";
        Response plain = Http.post("/v1/completions", String.format(body, "false"));
        Response streamed = Http.post("/v1/completions", String.format(body, "true"));
        plain.then().statusCode(400).contentType(startsWith("application/json"))
                .body("error.param", equalTo("best_of"))
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.message", containsString("best_of=64"))
                .body("error.message", containsString("rbon.limits.max-request-memory"));
        streamed.then().statusCode(400).contentType(startsWith("application/json"));
        assertEquals(plain.asString(), streamed.asString());
    }

    @Test
    void aContextRefusalNamesTheClientsTokenField() {
        Http.post("/v1/completions", "{\"model\": \"llama\", \"prompt\": \"hello there\", \"max_tokens\": 255,"
                + " \"best_of\": 1, \"method\": \"bon\", \"stream\": true}")
                .then().statusCode(400).body("error.param", equalTo("max_tokens"))
                .body("error.message", containsString("max_tokens ("))
                .body("error.message", not(containsString("max_new_tokens")));
        // rbon's own route keeps rbon's names
        Http.post("/v1/generate", "{\"prompt\": \"hello there\", \"max_new_tokens\": 255, \"n\": 1}")
                .then().statusCode(422).body("errors[0].field", equalTo("max_new_tokens"));
    }
}
