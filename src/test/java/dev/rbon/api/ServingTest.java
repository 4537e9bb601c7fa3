package dev.rbon.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Admission and deadlines on one CPU worker with a queue of two, over real HTTP. */
@QuarkusTest
@TestProfile(ServingTest.OneWorkerQueueOfTwo.class)
class ServingTest {

    public static class OneWorkerQueueOfTwo implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rbon.workers.cpu-workers", "1", "rbon.workers.queue-capacity", "2");
        }
    }

    private static final Map<String, Object> SLOW = Map.of("prompt", "The licence grants you", "n", 32,
            "max_new_tokens", 120, "seed", 1);

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    @Test
    void excessRequestsGet429WithRetryAfterAndNothingFails() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(12);
        try {
            List<Future<Response>> futures = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                futures.add(clients.submit(() -> Http.post("/v1/generate", SLOW)));
            }
            int ok = 0;
            int rejected = 0;
            for (Future<Response> f : futures) {
                Response r = f.get();
                assertTrue(r.statusCode() < 500, "no 5xx: " + r.statusCode() + " " + r.asString());
                if (r.statusCode() == 429) {
                    rejected++;
                    assertNotNull(r.header("Retry-After"));
                    assertTrue(r.contentType().startsWith("application/problem+json"));
                } else {
                    assertEquals(200, r.statusCode(), r.asString());
                    ok++;
                }
            }
            assertTrue(rejected >= 1, "some requests must be refused, got " + ok + " ok");
            assertTrue(ok >= 3, "the running one and the two queued succeed, got " + ok);
        } finally {
            clients.shutdownNow();
        }
        Awaitility.await().until(() -> queueDepth() == 0.0);
    }

    /**
     * The worker must stop decoding, not just the client stop waiting: the request is counted as abandoned, and the
     * worker's busy time for it is about the deadline, not the ~1 s the full request takes on this model.
     */
    @Test
    void aRequestPastItsDeadlineGets504AndTheWorkerStopsDecoding() {
        double abandonedBefore = Http.metric("rbon_requests_abandoned_total");
        double busyBefore = Http.metric("rbon_worker_busy_seconds_sum");
        long start = System.nanoTime();
        Map<String, Object> slow = new java.util.HashMap<>(SLOW);
        slow.put("n", 64);
        slow.put("max_new_tokens", 240);
        slow.put("timeout_ms", 100);
        Http.post("/v1/generate", slow).then().statusCode(504);
        double waitedMs = (System.nanoTime() - start) / 1e6;
        assertTrue(waitedMs < 3000, "504 should come at about the deadline, came after " + waitedMs + " ms");
        Http.post("/v1/generate", Map.of("prompt", "The licence grants you", "n", 1, "max_new_tokens", 4))
                .then().statusCode(200); // the worker is free again
        assertEquals(abandonedBefore + 1, Http.metric("rbon_requests_abandoned_total"));
        double busySeconds = Http.metric("rbon_worker_busy_seconds_sum") - busyBefore;
        assertTrue(busySeconds < 0.6, "the worker spent " + busySeconds + " s: it kept decoding past the deadline");
    }

    private static double queueDepth() {
        return Http.metric("rbon_queue_depth");
    }
}
