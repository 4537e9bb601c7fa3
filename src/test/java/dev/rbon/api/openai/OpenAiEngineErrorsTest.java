package dev.rbon.api.openai;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.rbon.api.Http;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A remote reward engine that fails (503, then 500) as the OpenAI routes report it: OpenAI's error shape with the
 * engine's gateway status, typed (service_unavailable_error, server_error) and coded (engine_unavailable,
 * engine_failed), or a typed error event once a stream has begun; rbon's own routes keep problem+json.
 */
@QuarkusTest
@TestProfile(OpenAiEngineErrorsTest.FailingReward.class)
class OpenAiEngineErrorsTest {

    /** The status the fake reward engine answers /classify with (its /health is always 200). */
    static volatile int classifyStatus = 503;

    static final HttpServer ENGINE = engine();

    public static class FailingReward implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rbon.models.reward.url", "http://127.0.0.1:" + ENGINE.getAddress().getPort(),
                    "rbon.models.reward.retries", "0");
        }
    }

    private static HttpServer engine() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                int status = exchange.getRequestURI().getPath().equals("/health") ? 200 : classifyStatus;
                byte[] body = "{\"error\": \"engine trouble\"}".getBytes();
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final String COMPLETION = "{\"model\": \"llama\", \"prompt\": \"The licence grants you\", \"best_of\": 2,"
            + " \"max_tokens\": 3, \"method\": \"bon\", \"stream\": %s}";

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    @Test
    void anUnavailableEngineIsA503InOpenAisShape() {
        classifyStatus = 503;
        given().contentType(ContentType.JSON).body(String.format(COMPLETION, "false")).post("/v1/completions")
                .then().statusCode(503).contentType(startsWith("application/json"))
                .header("Retry-After", notNullValue())
                .body("error.type", equalTo("service_unavailable_error"))
                .body("error.code", equalTo("engine_unavailable"));
    }

    @Test
    void aFailingEngineIsA502OrATypedErrorEventInAStream() {
        classifyStatus = 500;
        given().contentType(ContentType.JSON).body(String.format(COMPLETION, "false")).post("/v1/completions")
                .then().statusCode(502).contentType(startsWith("application/json"))
                .body("error.type", equalTo("server_error"))
                .body("error.code", equalTo("engine_failed"));
        String sse = given().contentType(ContentType.JSON).body(String.format(COMPLETION, "true"))
                .post("/v1/completions").then().statusCode(200).extract().asString();
        assertTrue(sse.contains("data: {\"error\":{") && sse.contains("\"code\":\"engine_failed\"")
                && sse.contains("\"type\":\"server_error\"") && sse.endsWith("data: [DONE]\n\n"), sse);
        // rbon's own route: problem+json, as before
        given().contentType(ContentType.JSON).body("{\"prompt\": \"hi\", \"n\": 2, \"max_new_tokens\": 3}")
                .post("/v1/generate").then().statusCode(502).contentType(startsWith("application/problem+json"));
    }
}
