package dev.rbon.remote;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rbon.api.Http;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A reward ensemble of two remote engines (rbon.models.reward.url with two urls, one tokenizer folder for both):
 * each is asked for its scores, rewards[k] are engine k's in configuration order, and the aggregate selects. The
 * engines are {@link FakeEngine}s replaying vLLM's /classify answer for three candidates, so the aggregations
 * choose differently: scores A = (0, 2, 5), B = (4, 2, 1) give mean (2, 2, 3), min (0, 2, 1), and mean - std
 * (0, 2, 1).
 */
@QuarkusTest
@TestProfile(RemoteRewardEnsembleTest.TwoRewardEngines.class)
class RemoteRewardEnsembleTest {

    static final List<String> CANDIDATES = List.of(" a", " b", " c");

    public static class TwoRewardEngines implements QuarkusTestProfile {
        private static FakeEngine first;
        private static FakeEngine second;

        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                if (first == null) { // the JVM ends with the test run: the engines with it
                    first = engine(0, 2, 5);
                    second = engine(4, 2, 1);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("rbon.models.reward.url", first.url("") + "," + second.url(""),
                    "rbon.models.reward.model", "engine-a,engine-b");
        }

        private static FakeEngine engine(double... scores) throws IOException {
            FakeEngine engine = new FakeEngine();
            StringBuilder data = new StringBuilder();
            for (int i = 0; i < scores.length; i++) {
                data.append(i == 0 ? "" : ", ").append("{\"index\": ").append(i).append(", \"probs\": [")
                        .append(scores[i]).append("]}");
            }
            engine.answer = FakeEngine.Answer.json("{\"object\": \"list\", \"data\": [" + data + "]}");
            return engine;
        }
    }

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"mean, 2, 3", "min, 1, 2", "mean_minus_std, 1, 2"})
    void eachEngineScoresAndTheAggregateSelects(String aggregation, int chosen, double chosenReward) {
        JsonPath answer = Http.post("/v1/select", Map.of("prompt", "x", "candidates", CANDIDATES,
                "reward_aggregation", aggregation)).then().statusCode(200)
                .body("models.reward", equalTo("engine-a,engine-b"))
                .body("models.reward_members", equalTo(List.of("engine-a", "engine-b")))
                .extract().jsonPath();
        assertEquals(List.of(0.0, 4.0), answer.getList("candidates[0].rewards", Double.class));
        assertEquals(List.of(2.0, 2.0), answer.getList("candidates[1].rewards", Double.class));
        assertEquals(List.of(5.0, 1.0), answer.getList("candidates[2].rewards", Double.class));
        assertEquals(chosen, answer.getInt("chosen_index"));
        assertEquals(chosenReward, answer.getDouble("chosen.reward"), 0.0);
    }

    /** /v1/models lists both engines as reward models, by their model names. */
    @Test
    void modelsListBothEngines() {
        List<Map<String, Object>> data = io.restassured.RestAssured.given().get("/v1/models").then().statusCode(200)
                .extract().jsonPath().getList("data");
        assertEquals(List.of("engine-a", "engine-b"), data.stream().filter(m -> "reward".equals(m.get("role")))
                .map(m -> m.get("id")).toList());
    }
}
