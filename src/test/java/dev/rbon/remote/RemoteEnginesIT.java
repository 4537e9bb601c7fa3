package dev.rbon.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Two rbon servers from the packaged jar: a backend with local models (the hf-tiny llama policy, reward-llama,
 * bert) and a front with the same local policy, whose reward is the backend's /classify and whose embeddings are
 * the backend's /v1/embeddings, reached through a {@link FaultProxy}. The front's answers equal the backend's for
 * every method; each fault gets its documented status at the front, which keeps serving what does not need the
 * faulty engine, reports not-ready while an engine is unreachable, and recovers when it returns.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RemoteEnginesIT {

    static final List<String> METHODS = List.of("bon", "rbon_kl", "rbon_wd", "mbr", "srbon_kl", "srbon_wd", "rbon_len",
            "random");
    static final double TOLERANCE = 1e-4;

    RbonProcess backend;
    RbonProcess front;
    FaultProxy proxy;
    Map<String, String> backendEnv;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(Files.isRegularFile(RbonProcess.APP), "no fast-jar: run `./mvnw verify`");
        Path tiny = TinyModels.dir();
        backendEnv = TinyModels.local();
        backend = new RbonProcess("backend", RbonProcess.freePort(), backendEnv).start();
        proxy = new FaultProxy(RbonProcess.freePort(), "http://127.0.0.1:" + backend.port).start();
        front = new RbonProcess("front", RbonProcess.freePort(), Map.of(
                "RBON_MODELS_POLICY_PATH", tiny.resolve("llama").toString(),
                // the reward's folder is its tokenizer's; the weights stay on the backend
                "RBON_MODELS_REWARD_PATH", tiny.resolve("reward-llama").toString(),
                "RBON_MODELS_REWARD_URL", "http://127.0.0.1:" + backend.port,
                "RBON_MODELS_EMBEDDING_URL", "http://127.0.0.1:" + proxy.port + "/v1")).start();
        backend.awaitReady(Duration.ofSeconds(120));
        front.awaitReady(Duration.ofSeconds(120));
    }

    @AfterAll
    void stop() throws Exception {
        if (front != null) {
            front.stop();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.stop();
        }
    }

    static Map<String, Object> generate(String method) {
        Map<String, Object> body = new HashMap<>(Map.of("prompt", "The licence grants you", "method", method,
                "beta", 0.5, "n", 4, "max_new_tokens", 8, "seed", 7, "return_candidates", true));
        return body;
    }

    static Map<String, Object> rerank(String method) {
        return Map.of("prompt", "You must give any other recipients", "method", method, "beta", 0.5, "seed", 11,
                "candidates", List.of(" of the Work a copy of this License", " a copy.", " the right to copy.",
                        " a notice"));
    }

    @Test
    @Order(1)
    void theFrontComputesWhatTheBackendComputesForEveryMethod() throws Exception {
        for (String method : METHODS) {
            for (var request : List.of(Map.entry("/v1/generate", generate(method)),
                    Map.entry("/v1/select", rerank(method)))) {
                RbonProcess.Answer local = backend.post(request.getKey(), request.getValue());
                RbonProcess.Answer remote = front.post(request.getKey(), request.getValue());
                String what = request.getKey() + " " + method;
                assertEquals(200, local.status(), what + ": " + local.json());
                assertEquals(200, remote.status(), what + ": " + remote.json());
                JsonNode l = local.json().get("candidates");
                JsonNode r = remote.json().get("candidates");
                assertEquals(l.size(), r.size(), what);
                for (int i = 0; i < l.size(); i++) {
                    String c = what + " candidate " + i;
                    assertEquals(l.get(i).get("text"), r.get(i).get("text"), c);
                    assertEquals(l.get(i).get("reward").asDouble(), r.get(i).get("reward").asDouble(), TOLERANCE, c);
                    assertEquals(l.get(i).get("ref_logprob").asDouble(), r.get(i).get("ref_logprob").asDouble(),
                            TOLERANCE, c);
                    if (l.get(i).hasNonNull("mean_similarity")) {
                        assertEquals(l.get(i).get("mean_similarity").asDouble(),
                                r.get(i).get("mean_similarity").asDouble(), TOLERANCE, c);
                    }
                }
                assertEquals(local.json().get("chosen_index"), remote.json().get("chosen_index"), what);
            }
        }
        String models = front.get("/v1/models");
        assertTrue(models.contains("\"role\":\"reward\",\"architecture\":\"remote\""), models);
    }

    @Test
    @Order(2)
    void anEngineSlowPastTheDeadlineIs504AndOtherWorkGoesOn() throws Exception {
        proxy.mode = FaultProxy.Mode.SLOW;
        Map<String, Object> mbr = generate("mbr");
        mbr.put("timeout_ms", 1000);
        long start = System.nanoTime();
        RbonProcess.Answer slow = front.post("/v1/generate", mbr);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertProblem(slow, 504);
        assertTrue(ms < 2500, "504 after " + ms + " ms, the deadline was 1000 ms");
        // bon needs no embeddings: the reward engine alone serves it meanwhile
        assertEquals(200, front.post("/v1/generate", generate("bon")).status());
        assertEquals(200, front.status("/q/health/ready"), "slow is not unreachable");
        proxy.mode = FaultProxy.Mode.PASS;
        assertEquals(200, front.post("/v1/generate", generate("mbr")).status());
    }

    @Test
    @Order(3)
    void anEngineAnswering500Is502AfterRetries() throws Exception {
        proxy.mode = FaultProxy.Mode.ERROR;
        int before = proxy.posts.get();
        RbonProcess.Answer failed = front.post("/v1/generate", generate("rbon_wd"));
        assertProblem(failed, 502);
        assertTrue(failed.json().get("detail").asText().contains("injected failure"), failed.json().toString());
        assertEquals(3, proxy.posts.get() - before, "embeddings are idempotent: the call and two retries");
        assertEquals(200, front.post("/v1/generate", generate("bon")).status());
        proxy.mode = FaultProxy.Mode.PASS;
        assertEquals(200, front.post("/v1/generate", generate("rbon_wd")).status());
    }

    @Test
    @Order(4)
    void anEngineAnsweringGarbageIs502() throws Exception {
        proxy.mode = FaultProxy.Mode.GARBAGE;
        RbonProcess.Answer garbage = front.post("/v1/select", rerank("mbr"));
        assertProblem(garbage, 502);
        assertTrue(garbage.json().get("detail").asText().contains("malformed"), garbage.json().toString());
        proxy.mode = FaultProxy.Mode.PASS;
        assertEquals(200, front.post("/v1/select", rerank("mbr")).status());
    }

    @Test
    @Order(5)
    void anUnreachableEngineIs503AndNotReadyUntilItReturns() throws Exception {
        proxy.stop();
        try {
            assertProblem(front.post("/v1/generate", generate("mbr")), 503);
            assertEquals(503, front.status("/q/health/ready"), "not ready while an engine is unreachable");
            assertEquals(200, front.status("/q/health/live"), "restarting rbon would not bring the engine back");
            assertEquals(200, front.post("/v1/generate", generate("bon")).status(), "work without it goes on");
        } finally {
            proxy.start();
        }
        assertEquals(200, front.status("/q/health/ready"));
        assertEquals(200, front.post("/v1/generate", generate("mbr")).status());
    }

    @Test
    @Order(6)
    void theBackendStoppedThenBack() throws Exception {
        backend.stop();
        assertProblem(front.post("/v1/generate", generate("bon")), 503);
        assertEquals(503, front.status("/q/health/ready"));
        assertEquals(200, front.status("/q/health/live"));
        backend = new RbonProcess("backend", backend.port, backendEnv).start().awaitReady(Duration.ofSeconds(120));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (front.status("/q/health/ready") != 200 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(200, front.status("/q/health/ready"));
        assertEquals(200, front.post("/v1/generate", generate("rbon_wd")).status());
        String metrics = front.get("/q/metrics");
        for (String outcome : List.of("timeout", "failed", "malformed", "unreachable")) {
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("rbon_backend_requests_total{")
                    && l.contains("backend=\"embedding\"") && l.contains("outcome=\"" + outcome + "\"")),
                    "no embedding " + outcome + " counted");
        }
        assertTrue(metrics.contains("rbon_backend_retries_total{backend=\"embedding\""), "retries counted");
    }

    private static void assertProblem(RbonProcess.Answer answer, int status) {
        assertEquals(status, answer.status(), answer.json().toString());
        assertTrue(answer.contentType().startsWith("application/problem+json"), answer.contentType());
        assertEquals(status, answer.json().get("status").asInt());
    }
}
