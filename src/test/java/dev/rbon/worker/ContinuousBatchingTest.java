package dev.rbon.worker;

import dev.rbon.api.Http;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many concurrent requests on ONE worker, over HTTP on the real stories260K policy: different n, lengths, methods,
 * sampling parameters, stop strings and seeds, with abandoned ones among them. Each answer must be the one the same
 * request gets alone, and the decoding steps must have held rows of several requests at once.
 */
@QuarkusTest
@TestProfile(ContinuousBatchingTest.OneWorkerStories.class)
class ContinuousBatchingTest {

    public static class OneWorkerStories implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rbon.models.policy.path", "${shared.dir}/models/stories260K/hf",
                    "rbon.workers.cpu-workers", "1", "rbon.workers.queue-capacity", "64",
                    "rbon.workers.max-batch-rows", "48", "rbon.workers.max-batch-tokens", "24");
        }
    }

    @BeforeEach
    void ready() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    /** The mixed requests: every method, greedy and sampled rows, stop strings, prompts of different lengths. */
    private static List<Map<String, Object>> requests() {
        String[] methods = {"bon", "rbon_kl", "rbon_wd", "mbr", "srbon_kl", "srbon_wd", "rbon_len", "random", "soft_bon"};
        String[] prompts = {"Once upon a time", "The little dog ran to the park and saw a big red ball. He",
                "Lily", "One day, a girl named Sue went to the shop with her mom to buy some"};
        List<Map<String, Object>> requests = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Map<String, Object> r = new HashMap<>();
            r.put("prompt", prompts[i % prompts.length]);
            r.put("n", new int[] {1, 2, 4, 8}[i % 4]);
            r.put("max_new_tokens", new int[] {4, 24, 48, 12}[(i / 2) % 4]);
            r.put("method", methods[i % methods.length]);
            r.put("beta", 0.5);
            r.put("seed", 100 + i);
            r.put("temperature", i % 3 == 0 ? 0.0 : 1.0);
            if (i % 3 == 1) {
                r.put("top_p", 0.9);
            }
            if (i % 5 == 2) {
                r.put("stop", List.of("."));
            }
            r.put("return_candidates", true);
            r.put("return_token_ids", true);
            requests.add(r);
        }
        return requests;
    }

    private static Response post(Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).post("/v1/generate");
    }

    /**
     * What identifies an answer: the chosen candidate's tokens and every candidate's. (Not the chosen index: among
     * identical greedy candidates a tie may break either way, as their log-probs round differently in a batch.)
     */
    private static String answer(JsonPath body) {
        return body.getList("chosen.token_ids") + " " + body.getList("candidates.token_ids");
    }

    @Test
    void concurrentMixedRequestsGetWhatTheyGetAlone() throws Exception {
        List<Map<String, Object>> requests = requests();
        List<String> alone = new ArrayList<>();
        for (Map<String, Object> r : requests) {
            Response response = post(r);
            assertEquals(200, response.statusCode(), response.asString());
            alone.add(answer(response.jsonPath()));
        }
        double widestBefore = Http.metric("rbon_batch_step_rows_max");

        ExecutorService clients = Executors.newFixedThreadPool(24);
        try {
            List<Future<Response>> together = new ArrayList<>();
            List<Future<Response>> abandoned = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                Map<String, Object> r = requests.get(i);
                together.add(clients.submit(() -> post(r)));
                if (i % 4 == 0) { // a request whose caller gives up while it decodes among the others
                    Map<String, Object> impatient = new HashMap<>(r);
                    impatient.putAll(Map.of("n", 16, "max_new_tokens", 200, "timeout_ms", 150));
                    abandoned.add(clients.submit(() -> post(impatient)));
                }
            }
            for (int i = 0; i < requests.size(); i++) {
                Response response = together.get(i).get();
                assertEquals(200, response.statusCode(), response.asString());
                assertEquals(alone.get(i), answer(response.jsonPath()), "request " + i + ": " + requests.get(i));
            }
            for (Future<Response> gone : abandoned) {
                assertEquals(504, gone.get().statusCode());
            }
        } finally {
            clients.shutdownNow();
        }
        double widest = Http.metric("rbon_batch_step_rows_max");
        assertTrue(widest > 8, "no decoding step held rows of several requests (widest step: " + widest
                + " rows, before: " + widestBefore + ")");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Http.metric("rbon_batch_rows") == 0.0);
    }
}
