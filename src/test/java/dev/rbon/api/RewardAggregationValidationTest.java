package dev.rbon.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * reward_aggregation and reward_std_weight (issue 21) over HTTP: every invalid form is refused naming the field on
 * every route that scores with the reward model (problem+json on rbon's routes: 400 for a wrong JSON type, 422 for
 * a value out of range, also the strings "NaN" and "Infinity", which Jackson reads as those doubles; OpenAI's 400
 * with that {@code param} on the OpenAI and Cohere routes); a weight is checked whatever the aggregation, as beta is
 * for the methods that ignore it. The default profile: one reward model, so every aggregation is its reward.
 */
@QuarkusTest
class RewardAggregationValidationTest {

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    /** Each invalid field and value: the status rbon's routes answer (the OpenAI routes answer 400) and the field. */
    static final String INVALID = """
            "reward_aggregation": "MEAN"                                  | 422 | reward_aggregation
            "reward_aggregation": "max"                                   | 422 | reward_aggregation
            "reward_aggregation": ""                                      | 422 | reward_aggregation
            "reward_aggregation": "mean "                                 | 422 | reward_aggregation
            "reward_aggregation": "mean-minus-std"                        | 422 | reward_aggregation
            "reward_aggregation": 1                                       | 400 | reward_aggregation
            "reward_aggregation": ["mean"]                                | 400 | reward_aggregation
            "reward_aggregation": true                                    | 400 | reward_aggregation
            "reward_aggregation": {"name": "min"}                         | 400 | reward_aggregation
            "reward_std_weight": -1                                       | 422 | reward_std_weight
            "reward_std_weight": -1e-300                                  | 422 | reward_std_weight
            "reward_aggregation": "mean_minus_std", "reward_std_weight": -2 | 422 | reward_std_weight
            "reward_aggregation": "min", "reward_std_weight": -2          | 422 | reward_std_weight
            "reward_std_weight": 1e999                                    | 422 | reward_std_weight
            "reward_std_weight": -1e999                                   | 422 | reward_std_weight
            "reward_std_weight": "NaN"                                     | 422 | reward_std_weight
            "reward_std_weight": "Infinity"                                | 422 | reward_std_weight
            "reward_std_weight": "1"                                      | 400 | reward_std_weight
            "reward_std_weight": true                                     | 400 | reward_std_weight
            "reward_std_weight": [1]                                      | 400 | reward_std_weight
            "reward_std_weight": NaN                                      | 400 | reward_std_weight
            "reward_std_weight": Infinity                                 | 400 | reward_std_weight
            """;

    @ParameterizedTest(name = "/v1/generate {0} -> {1} {2}")
    @CsvSource(delimiter = '|', textBlock = INVALID)
    void generateRefuses(String field, int status, String name) {
        problem("/v1/generate", "{\"prompt\": \"x\", \"n\": 2, \"max_new_tokens\": 2, " + field + "}", status, name);
    }

    @ParameterizedTest(name = "/v1/select {0} -> {1} {2}")
    @CsvSource(delimiter = '|', textBlock = INVALID)
    void selectRefuses(String field, int status, String name) {
        problem("/v1/select", "{\"prompt\": \"x\", \"candidates\": [\"a\", \"b\"], " + field + "}", status, name);
    }

    @ParameterizedTest(name = "/v1/chat/completions {0} -> 400 {2}")
    @CsvSource(delimiter = '|', textBlock = INVALID)
    void chatRefuses(String field, int status, String name) {
        PruneTest.openAiRefusal("/v1/chat/completions", "{\"model\": \"llama\", \"messages\": [{\"role\": \"user\", "
                + "\"content\": \"hi\"}], \"max_tokens\": 2, " + field + "}", name);
    }

    @ParameterizedTest(name = "/v1/completions {0} -> 400 {2}")
    @CsvSource(delimiter = '|', textBlock = INVALID)
    void completionsRefuse(String field, int status, String name) {
        PruneTest.openAiRefusal("/v1/completions", "{\"model\": \"llama\", \"prompt\": \"hi\", \"max_tokens\": 2, "
                + field + "}", name);
        // with best_of = n, as a plain engine request would be: the field makes it a pool, refused the same way
        PruneTest.openAiRefusal("/v1/completions", "{\"model\": \"llama\", \"prompt\": \"hi\", \"n\": 2, "
                + "\"best_of\": 2, \"max_tokens\": 2, " + field + "}", name);
    }

    @ParameterizedTest(name = "/v1/rerank {0} -> 400 {2}")
    @CsvSource(delimiter = '|', textBlock = INVALID)
    void rerankRefuses(String field, int status, String name) {
        PruneTest.openAiRefusal("/v1/rerank", "{\"query\": \"x\", \"documents\": [\"a\", \"b\"], " + field + "}",
                name);
    }

    static void problem(String route, String body, int status, String field) {
        given().contentType(ContentType.JSON).body(body).post(route).then().statusCode(status)
                .contentType(startsWith(Problem.MEDIA_TYPE))
                .body("status", equalTo(status))
                .body("errors.field", hasItem(field));
    }

    @Test
    void bothFieldsAreReportedTogetherWithTheOthers() {
        given().contentType(ContentType.JSON).body("{\"prompt\": \"x\", \"n\": 0, \"reward_aggregation\": \"max\", "
                + "\"reward_std_weight\": -1}").post("/v1/generate").then().statusCode(422)
                .body("errors.field", hasItems("n", "reward_aggregation", "reward_std_weight"))
                .body("errors.message", hasItem(containsString("expected one of mean, min, mean_minus_std")));
        given().contentType(ContentType.JSON).body("{\"model\": \"llama\", \"prompt\": \"hi\", "
                + "\"reward_aggregation\": \"max\", \"reward_std_weight\": -1}").post("/v1/completions").then()
                .statusCode(400)
                .body("error.param", equalTo("reward_aggregation"))
                .body("error.message", containsString("reward_std_weight: must be a finite number >= 0"));
    }

    /** Valid values are taken; with one reward model every aggregation is its reward exactly (std 0). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "\"reward_aggregation\": \"mean\"",
        "\"reward_aggregation\": \"min\", \"reward_std_weight\": 0",
        "\"reward_aggregation\": \"mean_minus_std\", \"reward_std_weight\": 1e300",
        "\"reward_aggregation\": null, \"reward_std_weight\": null",
        "\"reward_std_weight\": 2.5",
    })
    void validValuesAreTakenAndOneRewardModelIsItsOwnAggregate(String fields) {
        String candidates = "\"prompt\": \"The licence grants you\", \"candidates\": [\" the right to copy.\", "
                + "\" nothing\"]";
        JsonPath plain = Http.post("/v1/select", "{" + candidates + "}").then().statusCode(200).extract().jsonPath();
        JsonPath with = Http.post("/v1/select", "{" + candidates + ", " + fields + "}").then().statusCode(200)
                .body("models.reward_members", equalTo(List.of("reward-llama")))
                .extract().jsonPath();
        for (int i = 0; i < 2; i++) {
            double reward = plain.getDouble("candidates[" + i + "].reward");
            assertEquals(reward, with.getDouble("candidates[" + i + "].reward"), 0.0);
            assertEquals(List.of(reward),
                    with.getList("candidates[" + i + "].rewards", Double.class));
        }
        Http.post("/v1/generate", "{\"prompt\": \"x\", \"n\": 2, \"max_new_tokens\": 2, " + fields + "}").then()
                .statusCode(200);
        // (the chat route's policy here has no chat template: its refusals above come before the template)
        Http.post("/v1/completions", "{\"model\": \"llama\", \"prompt\": \"hi\", \"max_tokens\": 2, \"best_of\": 2, "
                + fields + "}").then().statusCode(200);
        Http.post("/v1/rerank", "{\"query\": \"x\", \"documents\": [\"a\", \"b\"], " + fields + "}").then()
                .statusCode(200);
    }
}
