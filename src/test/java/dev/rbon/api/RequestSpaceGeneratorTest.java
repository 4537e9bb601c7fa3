package dev.rbon.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link RequestSpaceTest}'s generator and oracle on their own (no server), over 3000 seeds: a seed always draws the
 * same request, so a printed seed replays it; an invalid case always names a field and a valid one none; every body
 * but the deliberately malformed ones is a JSON object; a stream is never expected to be refused. prune (issue 20)
 * is judged by a rule of its own here: acceptable on the decoding routes iff absent, null, or {every, keep} with an
 * integer every >= 1 and a keep in (0, 1] and nothing else; never a field of /v1/select or /v1/rerank; and it is
 * drawn in valid and invalid forms on every decoding route. reward_aggregation and reward_std_weight likewise, on
 * every route that scores with the reward model.
 */
class RequestSpaceGeneratorTest {

    static final Set<String> DECODING = Set.of("/v1/generate", "/v1/chat/completions", "/v1/completions");
    static final Set<String> SUPPLIED = Set.of("/v1/select", "/v1/rerank");

    @Test
    void aSeedDrawsOneRequestAndItsOracleIsConsistent() {
        RequestSpaceTest.Env env = new RequestSpaceTest.Env("policy", "reward");
        SplittableRandom seeds = new SplittableRandom(3000);
        Map<String, Integer> validPrunes = new TreeMap<>();
        Map<String, Integer> invalidPrunes = new TreeMap<>();
        Map<String, Integer> validEnsembles = new TreeMap<>();
        Map<String, Integer> invalidEnsembles = new TreeMap<>();
        for (int i = 0; i < 3000; i++) {
            long seed = seeds.nextLong();
            RequestSpaceTest.Case a = RequestSpaceTest.draw(seed, env);
            assertEquals(a, RequestSpaceTest.draw(seed, env));
            switch (a.expect()) {
                case VALID -> assertTrue(a.fields().isEmpty(), a.describe());
                case INVALID, EITHER -> assertFalse(a.fields().isEmpty(), a.describe());
                case MALFORMED -> assertFalse(a.stream(), a.describe());
            }
            if (a.expect() != RequestSpaceTest.Expect.MALFORMED) {
                JsonNode body = RequestSpaceTest.parse(a.body());
                assertTrue(body != null && body.isObject(), a.describe());
                pruneJudged(a, body, validPrunes, invalidPrunes);
                rewardEnsembleJudged(a, body, validEnsembles, invalidEnsembles);
            }
            if (a.stream()) {
                assertTrue(a.expect() != RequestSpaceTest.Expect.INVALID, a.describe());
            }
        }
        for (String route : DECODING) {
            assertTrue(validPrunes.getOrDefault(route, 0) > 10, "valid prunes drawn: " + validPrunes);
            assertTrue(invalidPrunes.getOrDefault(route, 0) > 3, "invalid prunes drawn: " + invalidPrunes);
        }
        for (String route : SELECTING) {
            assertTrue(validEnsembles.getOrDefault(route, 0) > 10, "valid reward fields drawn: " + validEnsembles);
            assertTrue(invalidEnsembles.getOrDefault(route, 0) > 2, "invalid reward fields drawn: "
                    + invalidEnsembles);
        }
    }

    /** The case's expectation agrees with prune's own rule; counts the prunes drawn per route. */
    static void pruneJudged(RequestSpaceTest.Case a, JsonNode body, Map<String, Integer> valid,
            Map<String, Integer> invalid) {
        boolean namesPrune = a.fields().stream().anyMatch(f -> f.equals("prune") || f.startsWith("prune."));
        if (SUPPLIED.contains(a.route())) {
            assertEquals(body.has("prune"), namesPrune, a.describe());
            if (body.has("prune")) {
                assertEquals(RequestSpaceTest.Expect.INVALID, a.expect(), a.describe());
            }
            return;
        }
        if (!DECODING.contains(a.route()) || !body.has("prune")) {
            assertFalse(namesPrune, a.describe());
            return;
        }
        boolean acceptable = acceptable(body.get("prune"));
        assertEquals(!acceptable, namesPrune, a.describe());
        if (!acceptable) {
            assertTrue(a.expect() == RequestSpaceTest.Expect.INVALID, a.describe());
            invalid.merge(a.route(), 1, Integer::sum);
        } else if (a.expect() == RequestSpaceTest.Expect.VALID && body.get("prune").isObject()) {
            valid.merge(a.route(), 1, Integer::sum);
        }
    }

    /** The routes that score with the reward model, where reward_aggregation and reward_std_weight are fields. */
    static final Set<String> SELECTING = Set.of("/v1/generate", "/v1/select", "/v1/chat/completions",
            "/v1/completions", "/v1/rerank");

    /**
     * reward_aggregation and reward_std_weight (issue 21) by their own rule: each absent, null, or valid (one of
     * mean, min, mean_minus_std; a finite number >= 0, whatever the aggregation); an invalid one is named.
     */
    static void rewardEnsembleJudged(RequestSpaceTest.Case a, JsonNode body, Map<String, Integer> valid,
            Map<String, Integer> invalid) {
        boolean drawn = body.has("reward_aggregation") || body.has("reward_std_weight");
        if (!SELECTING.contains(a.route()) || !drawn) {
            assertFalse(a.fields().contains("reward_aggregation") || a.fields().contains("reward_std_weight"),
                    a.describe());
            return;
        }
        JsonNode aggregation = body.path("reward_aggregation");
        JsonNode weight = body.path("reward_std_weight");
        boolean aggregationOk = aggregation.isMissingNode() || aggregation.isNull() || (aggregation.isTextual()
                && Set.of("mean", "min", "mean_minus_std").contains(aggregation.asText()));
        boolean weightOk = weight.isMissingNode() || weight.isNull()
                || (weight.isNumber() && Double.isFinite(weight.asDouble()) && weight.asDouble() >= 0);
        assertEquals(!aggregationOk, a.fields().contains("reward_aggregation"), a.describe());
        assertEquals(!weightOk, a.fields().contains("reward_std_weight"), a.describe());
        if (!aggregationOk || !weightOk) {
            assertEquals(RequestSpaceTest.Expect.INVALID, a.expect(), a.describe());
            invalid.merge(a.route(), 1, Integer::sum);
        } else if (a.expect() == RequestSpaceTest.Expect.VALID) {
            valid.merge(a.route(), 1, Integer::sum);
        }
    }

    /** prune's rule, written apart from the generator: null, or exactly {every, keep} in range. */
    static boolean acceptable(JsonNode prune) {
        if (prune.isNull()) {
            return true;
        }
        if (!prune.isObject() || prune.size() != 2) {
            return false;
        }
        JsonNode every = prune.path("every");
        JsonNode keep = prune.path("keep");
        return every.isIntegralNumber() && every.canConvertToInt() && every.asInt() >= 1
                && keep.isNumber() && Double.isFinite(keep.asDouble()) && keep.asDouble() > 0 && keep.asDouble() <= 1;
    }
}
