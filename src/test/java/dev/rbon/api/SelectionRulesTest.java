package dev.rbon.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rbon.select.BestOfPoisson;
import dev.rbon.select.ChoiceStats;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * bop, self_certainty, kl_budget and the choice's reward rank and KL over HTTP on the default models (issue 21): bop
 * decodes the first n' candidates of the same seeded pool, self_certainty picks the sampler's most certain
 * candidate, kl_budget meets its budget, every bad value is refused naming its field.
 */
@QuarkusTest
class SelectionRulesTest {

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    private static JsonPath generate(Map<String, Object> body) {
        return Http.post("/v1/generate", body).then().statusCode(200).extract().jsonPath();
    }

    private static Map<String, Object> request(String method, Object... more) {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("prompt", "Once upon a time", "method", method,
                "n", 8, "max_new_tokens", 8, "seed", 11, "return_candidates", true));
        for (int i = 0; i < more.length; i += 2) {
            body.put((String) more[i], more[i + 1]);
        }
        return body;
    }

    @Test
    void bopDecodesTheFirstCandidatesOfTheSameSeededPoolAndKeepsTheBest() {
        List<String> pool = generate(request("bon")).getList("candidates.text");
        int smaller = 0;
        for (double mu : new double[] {0, 1, 3}) {
            for (long seed = 1; seed <= 4; seed++) {
                JsonPath bop = generate(request("bop", "beta", mu, "seed", seed));
                List<String> texts = bop.getList("candidates.text");
                List<String> same = generate(request("bon", "seed", seed)).getList("candidates.text");
                assertEquals(same.subList(0, texts.size()), texts, "the first n' of the seed's pool");
                assertEquals(texts.size(), bop.getInt("n"));
                assertEquals(0, bop.getInt("reward_rank"), "the best of them by reward");
                assertEquals(mu, bop.getDouble("beta"), 0.0);
                assertEquals(BestOfPoisson.kl(mu, 8), bop.getDouble("kl"), 1e-12);
                assertEquals(texts, generate(request("bop", "beta", mu, "seed", seed)).getList("candidates.text"),
                        "a seed decodes the same n'");
                smaller += texts.size() < 8 ? 1 : 0;
                if (mu == 0) {
                    assertEquals(1, texts.size(), "mu 0 decodes one");
                }
            }
        }
        assertTrue(smaller >= 8, "bop decodes fewer than n: " + smaller);
        assertTrue(pool.size() == 8);
    }

    @Test
    void bopOnSuppliedCandidatesTakesTheFirstOnes() {
        List<String> candidates = List.of("a dog", "a cat", "the end", "she ran", "he smiled", "they ate");
        JsonPath select = Http.post("/v1/select", Map.of("prompt", "Once upon a time", "candidates", candidates,
                "method", "bop", "beta", 1.5, "seed", 3)).then().statusCode(200).extract().jsonPath();
        int decoded = select.getInt("n");
        assertEquals(candidates.subList(0, decoded), select.getList("candidates.text"));
    }

    @Test
    void theChoiceReportsItsRankAndKl() {
        JsonPath bon = generate(request("bon"));
        assertEquals(0, bon.getInt("reward_rank"));
        assertEquals(ChoiceStats.bestOfN(8), bon.getDouble("kl"), 1e-12);
        JsonPath random = generate(request("random"));
        List<Double> rewards = random.getList("candidates.reward", Double.class);
        double chosen = rewards.get(random.getInt("chosen_index"));
        assertEquals(rewards.stream().filter(r -> r > chosen).count(), random.getInt("reward_rank"));
        assertEquals(0, random.getDouble("kl"), 1e-12, "a uniform draw is the pool's reference");
        JsonPath wd = generate(request("rbon_wd", "beta", 1));
        assertEquals(Math.log(8), wd.getDouble("kl"), 1e-12);
    }

    @ParameterizedTest(name = "{0} with kl_budget {1}")
    @CsvSource({"soft_bon, 0.3", "soft_bon, 1.0", "srbon_kl, 0.2", "srbon_kl, 0.8"})
    void klBudgetIsMetPerPool(String method, double budget) {
        JsonPath answer = generate(request(method, "kl_budget", budget));
        double beta = answer.getDouble("beta");
        assertTrue(beta > 0, "beta " + beta);
        double kl = answer.getDouble("kl");
        assertTrue(Math.abs(kl - budget) < 1e-6 || kl < budget, "kl " + kl + " for budget " + budget);
        JsonPath same = generate(request(method, "beta", beta));
        assertEquals(kl, same.getDouble("kl"), 1e-9, "the beta reported gives the KL reported");
        assertEquals(answer.getList("candidates.probability"), same.getList("candidates.probability"));
    }

    @Test
    void bopsKlBudgetSetsMu() {
        JsonPath answer = generate(request("bop", "kl_budget", 0.5));
        assertEquals(BestOfPoisson.muForKl(0.5, 8), answer.getDouble("beta"), 1e-12);
        assertEquals(0.5, answer.getDouble("kl"), 1e-9);
    }

    /** Each refused kl_budget: method, the budget's JSON, beta's JSON (or -), the status and a word of the message. */
    @ParameterizedTest(name = "{0} kl_budget {1} beta {2} -> {3}")
    @CsvSource(delimiter = '|', textBlock = """
            soft_bon | -0.1     | -   | 422 | >= 0
            soft_bon | 1e999    | -   | 422 | finite
            soft_bon | "NaN"    | -   | 422 | finite
            soft_bon | 0.5      | 1   | 422 | not both
            bon      | 0.5      | -   | 422 | srbon_kl, soft_bon and bop
            rbon_kl  | 0.5      | -   | 422 | srbon_kl, soft_bon and bop
            soft_bon | "0.5"    | -   | 400 | wrong type
            soft_bon | true     | -   | 400 | wrong type
            soft_bon | [0.5]    | -   | 400 | wrong type
            """)
    void badBudgetsAreRefusedNamingTheField(String method, String budget, String beta, int status, String word) {
        String body = "{\"prompt\": \"hi\", \"method\": \"" + method + "\", \"kl_budget\": " + budget
                + ("-".equals(beta) ? "" : ", \"beta\": " + beta) + "}";
        given().contentType(ContentType.JSON).body(body).post("/v1/generate").then().statusCode(status)
                .contentType(containsString("application/problem+json"))
                .body("errors.field", hasItem("kl_budget"))
                .body("errors.find { it.field == 'kl_budget' }.message", containsString(word));
        String completion = "{\"model\": \"llama\", \"prompt\": \"hi\", \"method\": \"" + method
                + "\", \"kl_budget\": " + budget + ("-".equals(beta) ? "" : ", \"beta\": " + beta) + "}";
        given().contentType(ContentType.JSON).body(completion).post("/v1/completions").then().statusCode(400)
                .body("error.param", equalTo("kl_budget"));
    }

    @Test
    void selfCertaintyPicksTheMostCertainCandidateOfTheSameSeededPool() {
        JsonPath bon = generate(request("bon"));
        JsonPath certain = generate(request("self_certainty"));
        assertEquals(bon.getList("candidates.text"), certain.getList("candidates.text"), "the same pool");
        List<Double> scores = certain.getList("candidates.self_certainty", Double.class);
        assertEquals(bon.getList("candidates.self_certainty", Double.class), scores, "reported under any method");
        int best = 0;
        for (int i = 0; i < scores.size(); i++) {
            assertTrue(scores.get(i) >= 0, "a KL: " + scores.get(i));
            best = scores.get(i) > scores.get(best) ? i : best;
        }
        assertEquals(best, certain.getInt("chosen_index"));
        assertEquals(scores.get(best), certain.getDouble("candidates[" + best + "].objective"), 0.0);
        assertEquals(ChoiceStats.bestOfN(8), certain.getDouble("kl"), 1e-12);
    }

    @Test
    void selfCertaintyIsRefusedWhereNothingIsSampled() {
        Http.post("/v1/select", Map.of("prompt", "Once upon a time", "candidates", List.of("a", "b"),
                "method", "self_certainty")).then().statusCode(422)
                .body("errors.field", hasItem("method"))
                .body("errors.find { it.field == 'method' }.message", containsString("supplied"));
        given().contentType(ContentType.JSON).body(Map.of("query", "Once upon a time", "documents", List.of("a", "b"),
                "method", "self_certainty")).post("/v1/rerank").then().statusCode(400)
                .body("error.param", equalTo("method"));
    }
}
