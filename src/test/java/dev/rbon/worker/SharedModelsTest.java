package dev.rbon.worker;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two CPU workers hold ONE copy of the models and run it from their two threads at once (stories260K policy, the
 * default reward and embedder): every concurrent answer is the one the same request gets alone, candidates and all.
 */
@QuarkusTest
@TestProfile(SharedModelsTest.TwoWorkers.class)
class SharedModelsTest {

    public static class TwoWorkers implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rbon.models.policy.path", "${shared.dir}/models/stories260K/hf",
                    "rbon.workers.cpu-workers", "2", "rbon.workers.queue-capacity", "64");
        }
    }

    @Inject
    WorkerPool pool;

    @BeforeEach
    void ready() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    @Test
    void theWorkersOfADeviceShareOneCopy() {
        List<ModelSet> loaded = pool.loaded();
        assertEquals(2, loaded.size());
        assertSame(loaded.get(0), loaded.get(1));
        assertSame(loaded.get(0).policy(), loaded.get(1).policy());
    }

    @Test
    void concurrentAnswersOnTheSharedCopyEqualAnswersAlone() throws Exception {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            bodies.add("{\"prompt\": \"Once upon a time\", \"n\": 4, \"max_new_tokens\": 32, \"seed\": " + (40 + i)
                    + ", \"method\": \"" + (i % 2 == 0 ? "rbon_kl" : "rbon_wd") + "\", \"beta\": 0.5,"
                    + " \"return_candidates\": true}");
        }
        List<String> alone = new ArrayList<>();
        for (String body : bodies) {
            alone.add(answer(body));
        }
        ExecutorService clients = Executors.newFixedThreadPool(bodies.size());
        try {
            List<Future<String>> concurrent = new ArrayList<>();
            for (String body : bodies) {
                concurrent.add(clients.submit(() -> answer(body)));
            }
            for (int i = 0; i < bodies.size(); i++) {
                assertEquals(alone.get(i), concurrent.get(i).get(), "request " + i);
            }
        } finally {
            clients.shutdownNow();
        }
    }

    /**
     * The chosen text and index and every candidate's text: what must not depend on the other thread. (Their scores
     * agree to float32 summation order: a request batched with others multiplies matrices of other shapes.)
     */
    private static String answer(String body) {
        JsonPath json = given().contentType(ContentType.JSON).body(body).post("/v1/generate").then().statusCode(200)
                .extract().jsonPath();
        return json.getString("text") + " | " + json.getInt("chosen_index") + " | " + json.getList("candidates.text");
    }
}
