package dev.rbon.api;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.rbon.Shared;
import dev.rbon.model.SequenceClassifier;
import dev.rbon.score.Conversation;
import dev.rbon.score.RewardInput;
import dev.rbon.score.RewardScorer;
import dev.rbon.select.RewardAggregation;
import dev.rbon.select.RewardNormalization;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A reward ensemble of two different real reward models (issue 21): the embedded default reward-noisy (a word-level
 * Llama the lab trains) and the hf-tiny reward-gpt2 fixture. Each candidate's rewards[k] is what member k alone
 * gives for the same text (a direct {@link RewardScorer} call on that member), reward is the request's aggregate of
 * them, the method selects on the aggregate, and reward_normalization rescales the aggregate.
 */
@QuarkusTest
@TestProfile(RewardEnsembleTest.TwoRewardModels.class)
class RewardEnsembleTest {

    static final Path NOISY = Path.of("models/reward-noisy").toAbsolutePath();

    static Path gpt2() {
        return Shared.hfTiny("reward-gpt2");
    }

    public static class TwoRewardModels implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rbon.models.reward.path", NOISY + "," + gpt2());
        }
    }

    static final List<String> MEMBERS = List.of("reward-noisy", "reward-gpt2");
    static final String PROMPT = "what is 3 plus 5 ?";

    private static List<SequenceClassifier> members;

    @BeforeAll
    static void loadTheMembersAlone() throws Exception {
        members = List.of(SequenceClassifier.load(NOISY, Device.cpu()), SequenceClassifier.load(gpt2(), Device.cpu()));
    }

    @AfterAll
    static void close() {
        members.forEach(SequenceClassifier::close);
    }

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    /** What each member alone gives the texts as responses to the prompt: [member][text]. */
    static double[][] alone(String prompt, List<String> texts) {
        double[][] out = new double[members.size()][];
        for (int k = 0; k < members.size(); k++) {
            SequenceClassifier member = members.get(k);
            out[k] = RewardScorer.rewards(member, RewardInput.choose("auto", member), Conversation.of(prompt), texts);
        }
        return out;
    }

    /**
     * Every candidate of an answer: rewards[k] as member k alone scores its text, reward their aggregate; the chosen
     * one is the argmax of the aggregate (bon). Returns the rewards by member.
     */
    static double[][] checkCandidates(JsonPath answer, String prefix, RewardAggregation aggregation, double w) {
        List<String> texts = answer.getList(prefix + "candidates.text", String.class);
        double[][] expected = alone(PROMPT, texts);
        double[][] reported = new double[MEMBERS.size()][texts.size()];
        double[] aggregate = new double[texts.size()];
        for (int i = 0; i < texts.size(); i++) {
            List<Double> rewards = answer.getList(prefix + "candidates[" + i + "].rewards", Double.class);
            assertEquals(MEMBERS.size(), rewards.size(), "one reward per member: " + rewards);
            for (int k = 0; k < MEMBERS.size(); k++) {
                reported[k][i] = rewards.get(k);
                assertEquals(expected[k][i], rewards.get(k), 1e-4, MEMBERS.get(k) + " on '" + texts.get(i) + "'");
            }
            aggregate[i] = answer.getDouble(prefix + "candidates[" + i + "].reward");
        }
        assertArrayEquals(aggregation.apply(reported, w), aggregate, 1e-9, aggregation.wireName());
        return reported;
    }

    private static void assertArrayEquals(double[] expected, double[] actual, double delta, String what) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual, delta, what);
    }

    static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }

    @ParameterizedTest(name = "{0}, w {1}")
    @CsvSource({"mean, 1", "min, 1", "mean_minus_std, 2.5", "mean_minus_std, 0"})
    void generateReportsEachMembersRewardAndSelectsOnTheAggregate(String name, double w) {
        RewardAggregation aggregation = RewardAggregation.fromWire(name);
        JsonPath answer = Http.post("/v1/generate", Map.of("prompt", PROMPT, "n", 6, "max_new_tokens", 10,
                "seed", 5, "return_candidates", true, "reward_aggregation", name, "reward_std_weight", w)).then()
                .statusCode(200)
                .body("models.reward", equalTo("reward-noisy,reward-gpt2"))
                .body("models.reward_members", equalTo(MEMBERS))
                .extract().jsonPath();
        checkCandidates(answer, "", aggregation, w);
        double[] rewards = answer.getList("candidates.reward", Double.class).stream().mapToDouble(d -> d).toArray();
        assertEquals(argmax(rewards), answer.getInt("chosen_index"), "bon picks the best aggregate");
        assertEquals(rewards[answer.getInt("chosen_index")], answer.getDouble("chosen.reward"), 0.0);
    }

    /** /v1/select: the same numbers on the client's candidates, each aggregation choosing on its own aggregate. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"mean", "min", "mean_minus_std"})
    void selectScoresSuppliedCandidatesWithEveryMember(String name) {
        List<String> candidates = List.of(" it is 8 .", " 9", " what a great question ! the answer is 9 !",
                " eight", " the answer is 8 .");
        RewardAggregation aggregation = RewardAggregation.fromWire(name);
        JsonPath answer = Http.post("/v1/select", Map.of("prompt", PROMPT, "candidates", candidates,
                "reward_aggregation", name, "reward_std_weight", 3)).then().statusCode(200)
                .body("models.reward_members", equalTo(MEMBERS)).extract().jsonPath();
        checkCandidates(answer, "", aggregation, 3);
        assertEquals(argmax(aggregation.apply(alone(PROMPT, candidates), 3)), answer.getInt("chosen_index"),
                name + " selects on its aggregate");
    }

    /** reward_normalization rescales the aggregate: bon's objective is the zscore of the candidates' reward. */
    @Test
    void normalizationAppliesToTheAggregate() {
        List<String> candidates = List.of(" it is 8 .", " 9", " eight", " the answer is 8 .");
        JsonPath answer = Http.post("/v1/select", Map.of("prompt", PROMPT, "candidates", candidates,
                "reward_aggregation", "mean_minus_std", "reward_std_weight", 0.5, "reward_normalization", "zscore"))
                .then().statusCode(200).extract().jsonPath();
        double[][] byMember = checkCandidates(answer, "", RewardAggregation.MEAN_MINUS_STD, 0.5);
        double[] z = RewardNormalization.ZSCORE.apply(RewardAggregation.MEAN_MINUS_STD.apply(byMember, 0.5));
        double[] objectives = answer.getList("candidates.objective", Double.class).stream().mapToDouble(d -> d)
                .toArray();
        assertArrayEquals(z, objectives, 1e-9, "objective = zscore(aggregate)");
    }

    /** The OpenAI extra body: the pool's candidates and each choice carry rewards and the aggregate. */
    @Test
    void completionsCarryTheMembersRewards() {
        JsonPath answer = Http.post("/v1/completions", Map.of("model", "llama", "prompt", PROMPT, "best_of", 4,
                "n", 2, "max_tokens", 8, "seed", 3, "return_candidates", true, "reward_aggregation", "min")).then()
                .statusCode(200)
                .body("rbon.models.reward_members", equalTo(MEMBERS))
                .extract().jsonPath();
        checkCandidates(answer, "rbon.", RewardAggregation.MIN, 1);
        int chosen = answer.getInt("rbon.chosen_index");
        assertEquals(answer.getList("rbon.candidates[" + chosen + "].rewards"),
                answer.getList("choices[0].rbon.rewards"));
        double[] rewards = answer.getList("rbon.candidates.reward", Double.class).stream().mapToDouble(d -> d)
                .toArray();
        assertEquals(argmax(rewards), chosen);
    }

    /** Pruning ranks partial texts on the aggregate: a pruned candidate reports its members' partial rewards. */
    @Test
    void prunedCandidatesCarryTheirPartialRewardsAndTheirAggregate() {
        JsonPath answer = Http.post("/v1/generate", Map.of("prompt", PROMPT, "n", 6, "max_new_tokens", 12,
                "seed", 9, "return_candidates", true, "reward_aggregation", "min",
                "prune", Map.of("every", 3, "keep", 0.5))).then().statusCode(200).extract().jsonPath();
        checkCandidates(answer, "", RewardAggregation.MIN, 1);
        assertTrue(answer.getList("candidates.finish_reason").contains("pruned"), "something was pruned");
    }

    /** Rerank's relevance under bon is the aggregate. */
    @Test
    void rerankRanksByTheAggregate() {
        List<String> documents = List.of(" it is 8 .", " 9", " eight");
        double[] mins = RewardAggregation.MIN.apply(alone(PROMPT, documents), 1);
        JsonPath ranked = Http.post("/v1/rerank", Map.of("query", PROMPT, "documents", documents,
                "reward_aggregation", "min")).then().statusCode(200)
                .body("model", equalTo("reward-noisy,reward-gpt2")).extract().jsonPath();
        assertEquals(argmax(mins), ranked.getInt("results[0].index"));
        assertEquals(mins[argmax(mins)], ranked.getDouble("results[0].relevance_score"), 1e-4);
    }

    /** /v1/models lists each member; /classify serves one member by name and asks which without one. */
    @Test
    void modelsListEachMemberAndClassifyServesOneByName() {
        Http.post("/classify", Map.of("input", List.of(PROMPT + " it is 8 ."))).then().statusCode(422)
                .body("errors.field", hasItem("model"))
                .body("detail", containsString("reward-noisy, reward-gpt2"));
        SequenceClassifier member = members.get(1);
        double gpt2 = member.score(List.of(member.tokenizer().encode(PROMPT + " it is 8 .", true)))[0];
        JsonPath classified = Http.post("/classify", Map.of("model", "reward-gpt2", "use_activation", false,
                "input", List.of(PROMPT + " it is 8 ."))).then().statusCode(200).extract().jsonPath();
        assertEquals(gpt2, classified.getDouble("data[0].probs[0]"), 1e-4);
        JsonPath models = io.restassured.RestAssured.given().get("/v1/models").then().statusCode(200).extract()
                .jsonPath();
        List<String> rewardIds = new ArrayList<>();
        List<Map<String, Object>> data = models.getList("data");
        for (Map<String, Object> model : data) {
            if ("reward".equals(model.get("role"))) {
                rewardIds.add((String) model.get("id"));
            }
        }
        assertEquals(MEMBERS, rewardIds);
    }

    /**
     * The ensemble's disagreement reaches /q/metrics as the std of the chosen candidate's member rewards, and every
     * series k8s/base/prometheusrule.yaml reads is one the service exports.
     */
    @Test
    void disagreementIsExportedForTheAlertingRules() throws Exception {
        double before = Http.metric("rbon_ensemble_disagreement_count");
        JsonPath answer = Http.post("/v1/generate", Map.of("prompt", PROMPT, "n", 4, "max_new_tokens", 6, "seed", 5,
                "return_candidates", true)).then().statusCode(200).extract().jsonPath();
        List<Float> rewards = answer.getList("chosen.rewards", Float.class);
        double mean = (rewards.get(0) + rewards.get(1)) / 2.0;
        double std = Math.abs(rewards.get(0) - mean);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> Http.metric("rbon_ensemble_disagreement_count") >= before + 2);
        String metrics = io.restassured.RestAssured.given().get("/q/metrics").asString();
        assertTrue(metrics.contains("rbon_ensemble_disagreement_max{method=\"bon\",of=\"chosen\"}"), "exported");
        assertTrue(Http.metric("rbon_ensemble_disagreement_max") >= std - 1e-4, "the chosen std " + std);
        String rule = java.nio.file.Files.readString(java.nio.file.Path.of("k8s/base/prometheusrule.yaml"));
        java.util.regex.Matcher series = java.util.regex.Pattern.compile("\\b(rbon_[a-z_]+)\\{").matcher(rule);
        int read = 0;
        while (series.find()) {
            assertTrue(metrics.contains(series.group(1) + "{"), series.group(1) + " is exported");
            read++;
        }
        assertTrue(read >= 4, "the rules read the disagreement's sum and count, chosen and pool");
    }
}
