package dev.rbon.decode;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A request over rbon.limits.max-request-memory gets a 422 naming the field before anything is sampled; requests
 * within it still run, and the service stays ready. On the hf-tiny models with a 4 MiB budget: n=64 x 200 tokens
 * is estimated at ~100 MiB (the reference pass), n=1 x 4 tokens at well under 1 MiB.
 */
@QuarkusTest
@TestProfile(AdmissionTest.SmallBudget.class)
public class AdmissionTest {

    /** A 4 MiB memory budget (also OpenAiAdmissionTest's: one Quarkus start for both). */
    public static class SmallBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rbon.limits.max-request-memory", "4M");
        }
    }

    @BeforeEach
    void waitUntilReady() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    @Test
    void aGenerateOverTheBudgetIsRefusedUpFrontNamingTheFieldAndTheLimit() {
        double tokensBefore = generatedTokens();
        given().contentType(ContentType.JSON).body("{\"prompt\": \"hello there\", \"n\": 64, \"max_new_tokens\": 200}")
                .post("/v1/generate")
                .then().statusCode(422)
                .contentType(startsWith("application/problem+json"))
                .body("errors.field", hasItem("n"))
                .body("detail", containsString("rbon.limits.max-request-memory of 4 MiB"));
        assertEquals(tokensBefore, generatedTokens(), "tokens were sampled for a refused request");
        given().get("/q/health/ready").then().statusCode(200);
        given().contentType(ContentType.JSON).body("{\"prompt\": \"hello there\", \"n\": 1, \"max_new_tokens\": 4}")
                .post("/v1/generate").then().statusCode(200);
    }

    @Test
    void aRerankOverTheBudgetNamesTheCandidates() {
        given().contentType(ContentType.JSON).body(select(32, "word ".repeat(60))).post("/v1/select")
                .then().log().ifValidationFails().statusCode(422)
                .body("errors.field", hasItem("candidates"))
                .body("errors[0].message", containsString("32 candidates"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void aCandidateLongerThanTheRewardModelsContextIsRefusedBeforeScoring() {
        given().contentType(ContentType.JSON).body(select(2, "word ".repeat(150))).post("/v1/select")
                .then().statusCode(422)
                .body("errors.field", hasItem("candidates[0]"))
                .body("errors[0].message", containsString("reward model"));
    }

    private static String select(int candidates, String text) {
        StringBuilder body = new StringBuilder("{\"prompt\": \"hello\", \"candidates\": [");
        for (int i = 0; i < candidates; i++) {
            body.append(i == 0 ? "" : ",").append('"').append(text).append('"');
        }
        return body.append("]}").toString();
    }

    static double generatedTokens() {
        return given().get("/q/metrics").asString().lines()
                .filter(l -> l.startsWith("rbon_generated_tokens_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
