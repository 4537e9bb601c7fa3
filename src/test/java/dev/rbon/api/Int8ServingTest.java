package dev.rbon.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code rbon.models.dtype=int8} through the service: the policy (stories260K), its reference and the decoder
 * reward model load with int8 weights and say so on /v1/models, and an aligned request decodes, scores and selects
 * on them, the same answer every time for a seed.
 */
@QuarkusTest
@TestProfile(Int8ServingTest.Int8.class)
class Int8ServingTest {

    public static class Int8 implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rbon.models.policy.path", "${shared.dir}/models/stories260K/hf", "rbon.models.dtype", "int8");
        }
    }

    @BeforeEach
    void ready() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    @Test
    void theModelsComputeWithInt8Weights() {
        given().get("/v1/models").then().statusCode(200)
                .body("data.find { it.role == 'policy' }.dtype", equalTo("int8"));
    }

    @Test
    void anAlignedRequestRunsOnInt8WeightsAndRepeatsForItsSeed() {
        String body = "{\"prompt\": \"Once upon a time\", \"n\": 4, \"max_new_tokens\": 24, \"seed\": 9,"
                + " \"method\": \"rbon_kl\", \"beta\": 0.5, \"return_candidates\": true}";
        JsonPath first = given().contentType(ContentType.JSON).body(body).post("/v1/generate").then().statusCode(200)
                .body("candidates", hasSize(4)).extract().jsonPath();
        JsonPath again = given().contentType(ContentType.JSON).body(body).post("/v1/generate").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(first.getList("candidates"), again.getList("candidates"));
        assertEquals(first.getInt("chosen_index"), again.getInt("chosen_index"));
    }
}
