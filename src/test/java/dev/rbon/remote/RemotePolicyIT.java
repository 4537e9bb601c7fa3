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
 * bert) and a front that loads no weights: its policy is the backend's /v1/completions (through a
 * {@link FaultProxy}), its reward the backend's /classify, its embeddings the backend's /v1/embeddings, and it
 * reads only the policy's tokenizer folder. For every method the front's seeded /v1/generate gives the backend's
 * candidates, rewards, ref_logprobs (the engine's sampled-token log-probs), similarities and choice; /v1/select's
 * l_i come from the engine's prompt_logprobs. Faults of the policy engine get their documented statuses, the
 * front stays live (and ready unless the engine is unreachable) and recovers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RemotePolicyIT {

    static final double TOLERANCE = RemoteEnginesIT.TOLERANCE;

    RbonProcess backend;
    RbonProcess front;
    FaultProxy proxy;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(Files.isRegularFile(RbonProcess.APP), "no fast-jar: run `./mvnw verify`");
        Path tiny = TinyModels.dir();
        backend = new RbonProcess("policy-backend", RbonProcess.freePort(), TinyModels.local()).start();
        proxy = new FaultProxy(RbonProcess.freePort(), "http://127.0.0.1:" + backend.port).start();
        String root = "http://127.0.0.1:" + backend.port;
        front = new RbonProcess("policy-front", RbonProcess.freePort(), Map.of(
                // the policy's folder is its tokenizer's: the front renders and tokenizes, the backend samples
                "RBON_MODELS_POLICY_PATH", tiny.resolve("llama").toString(),
                "RBON_MODELS_POLICY_URL", "http://127.0.0.1:" + proxy.port + "/v1",
                "RBON_MODELS_POLICY_MODEL", "llama",
                "RBON_MODELS_REWARD_PATH", tiny.resolve("reward-llama").toString(),
                "RBON_MODELS_REWARD_URL", root,
                "RBON_MODELS_EMBEDDING_URL", root + "/v1")).start();
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
        return new HashMap<>(Map.of("prompt", "The licence grants you", "method", method, "beta", 0.5, "n", 4,
                "max_new_tokens", 8, "seed", 7, "return_candidates", true));
    }

    /** Candidates, rewards, ref_logprobs and similarities within 1e-4, and the same choice. */
    static void assertSamePool(RbonProcess.Answer local, RbonProcess.Answer remote, String what) {
        assertEquals(200, local.status(), what + ": " + local.json());
        assertEquals(200, remote.status(), what + ": " + remote.json());
        JsonNode l = local.json().get("candidates");
        JsonNode r = remote.json().get("candidates");
        assertEquals(l.size(), r.size(), what);
        for (int i = 0; i < l.size(); i++) {
            String c = what + " candidate " + i;
            assertEquals(l.get(i).get("text"), r.get(i).get("text"), c);
            assertEquals(l.get(i).get("tokens"), r.get(i).get("tokens"), c);
            assertEquals(l.get(i).get("finish_reason"), r.get(i).get("finish_reason"), c);
            assertEquals(l.get(i).get("reward").asDouble(), r.get(i).get("reward").asDouble(), TOLERANCE, c);
            assertTrue(l.get(i).hasNonNull("ref_logprob") && r.get(i).hasNonNull("ref_logprob"), c);
            assertEquals(l.get(i).get("ref_logprob").asDouble(), r.get(i).get("ref_logprob").asDouble(), TOLERANCE,
                    c);
            if (l.get(i).hasNonNull("mean_similarity")) {
                assertEquals(l.get(i).get("mean_similarity").asDouble(), r.get(i).get("mean_similarity").asDouble(),
                        TOLERANCE, c);
            }
        }
        assertEquals(local.json().get("chosen_index"), remote.json().get("chosen_index"), what);
    }

    @Test
    @Order(1)
    void theFrontSamplesOnTheBackendAndComputesWhatItComputesForEveryMethod() throws Exception {
        for (String method : RemoteEnginesIT.METHODS) {
            long start = System.nanoTime();
            RbonProcess.Answer local = backend.post("/v1/generate", generate(method));
            long localMs = (System.nanoTime() - start) / 1_000_000;
            start = System.nanoTime();
            RbonProcess.Answer remote = front.post("/v1/generate", generate(method));
            long remoteMs = (System.nanoTime() - start) / 1_000_000;
            assertSamePool(local, remote, "/v1/generate " + method);
            System.out.printf("remote policy, /v1/generate %s: local %d ms, remote %d ms%n", method, localMs, remoteMs);
        }
        // l_i of supplied candidates: the engine's prompt log-probs over prompt ++ candidate
        for (String method : RemoteEnginesIT.METHODS) {
            Map<String, Object> select = RemoteEnginesIT.rerank(method);
            assertSamePool(backend.post("/v1/select", select), front.post("/v1/select", select),
                    "/v1/select " + method);
        }
        String models = front.get("/v1/models");
        assertTrue(models.contains("\"role\":\"policy\",\"architecture\":\"remote\""), models);
    }

    @Test
    @Order(2)
    void theBackendAsAnEngineGivesThePoolInSampleOrder() throws Exception {
        RbonProcess.Answer pool = backend.post("/v1/generate", generate("bon"));
        Map<String, Object> completion = new HashMap<>(Map.of("model", "llama", "prompt", "The licence grants you",
                "n", 4, "max_tokens", 8, "seed", 7, "logprobs", 0, "return_token_ids", true));
        RbonProcess.Answer engine = backend.post("/v1/completions", completion);
        assertEquals(200, engine.status(), engine.json().toString());
        JsonNode choices = engine.json().get("choices");
        assertEquals(4, choices.size());
        for (int i = 0; i < 4; i++) {
            JsonNode c = choices.get(i);
            JsonNode candidate = pool.json().get("candidates").get(i);
            assertEquals(candidate.get("text"), c.get("text"), "choice " + i + " is sample " + i);
            assertEquals(c.get("token_ids").size(), c.get("logprobs").get("token_logprobs").size());
            double sum = 0;
            for (JsonNode lp : c.get("logprobs").get("token_logprobs")) {
                sum += lp.asDouble();
            }
            assertEquals(candidate.get("ref_logprob").asDouble(), sum, TOLERANCE, "raw log-probs sum to l_i");
        }
        assertTrue(engine.json().get("usage").get("prompt_tokens").asInt() > 0);
        // echo + prompt_logprobs: vLLM's shape, the first position null
        RbonProcess.Answer scored = backend.post("/v1/completions", Map.of("prompt", List.of(1, 45, 194),
                "max_tokens", 1, "temperature", 0, "prompt_logprobs", 0, "echo", true));
        assertEquals(200, scored.status(), scored.json().toString());
        JsonNode promptLogprobs = scored.json().get("choices").get(0).get("prompt_logprobs");
        assertEquals(3, promptLogprobs.size());
        assertTrue(promptLogprobs.get(0).isNull());
        assertTrue(promptLogprobs.get(1).get("45").get("logprob").asDouble() < 0, promptLogprobs.toString());
        // strict: a method with the engine's fields is refused by name; a wrong type names its field
        Map<String, Object> mixed = new HashMap<>(completion);
        mixed.put("method", "bon");
        mixed.put("prompt_logprobs", 0);
        RbonProcess.Answer refused = backend.post("/v1/completions", mixed);
        assertEquals(400, refused.status(), refused.json().toString());
        assertEquals("prompt_logprobs", refused.json().get("error").get("param").asText(), refused.json().toString());
        RbonProcess.Answer badIds = backend.post("/v1/completions", Map.of("prompt", List.of(1, "x"), "n", 2));
        assertEquals(400, badIds.status(), badIds.json().toString());
        assertEquals("prompt[1]", badIds.json().get("error").get("param").asText(), badIds.json().toString());
    }

    @Test
    @Order(3)
    void aPolicyEngineSlowPastTheDeadlineIs504() throws Exception {
        proxy.mode = FaultProxy.Mode.SLOW;
        Map<String, Object> bon = generate("bon");
        bon.put("timeout_ms", 1000);
        long start = System.nanoTime();
        RbonProcess.Answer slow = front.post("/v1/generate", bon);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertProblem(slow, 504);
        assertTrue(ms < 2500, "504 after " + ms + " ms, the deadline was 1000 ms");
        assertEquals(200, front.status("/q/health/ready"), "slow is not unreachable");
        proxy.mode = FaultProxy.Mode.PASS;
        assertEquals(200, front.post("/v1/generate", generate("bon")).status());
    }

    @Test
    @Order(4)
    void aPolicyEngineAnswering500Is502WithoutARetry() throws Exception {
        proxy.mode = FaultProxy.Mode.ERROR;
        int before = proxy.posts.get();
        RbonProcess.Answer failed = front.post("/v1/generate", generate("rbon_kl"));
        assertProblem(failed, 502);
        assertTrue(failed.json().get("detail").asText().contains("injected failure"), failed.json().toString());
        assertEquals(1, proxy.posts.get() - before, "a sampling call that reached the engine is never repeated");
        assertEquals(200, front.status("/q/health/ready"));
        proxy.mode = FaultProxy.Mode.PASS;
        assertEquals(200, front.post("/v1/generate", generate("rbon_kl")).status());
    }

    @Test
    @Order(5)
    void aPolicyEngineAnsweringGarbageIs502() throws Exception {
        proxy.mode = FaultProxy.Mode.GARBAGE;
        RbonProcess.Answer garbage = front.post("/v1/generate", generate("bon"));
        assertProblem(garbage, 502);
        assertTrue(garbage.json().get("detail").asText().contains("malformed"), garbage.json().toString());
        proxy.mode = FaultProxy.Mode.PASS;
        assertEquals(200, front.post("/v1/generate", generate("bon")).status());
    }

    @Test
    @Order(6)
    void aStoppedPolicyEngineIs503AndNotReadyUntilItReturns() throws Exception {
        proxy.stop();
        try {
            assertProblem(front.post("/v1/generate", generate("bon")), 503);
            assertEquals(503, front.status("/q/health/ready"), "not ready while an engine is unreachable");
            assertEquals(200, front.status("/q/health/live"), "restarting rbon would not bring the engine back");
            assertTrue(front.get("/v1/models").contains("\"role\":\"policy\""), "the front itself still answers");
        } finally {
            proxy.start();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (front.status("/q/health/ready") != 200 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(200, front.status("/q/health/ready"));
        assertSamePool(backend.post("/v1/generate", generate("rbon_wd")), front.post("/v1/generate",
                generate("rbon_wd")), "after recovery");
        String metrics = front.get("/q/metrics");
        for (String outcome : List.of("ok", "timeout", "failed", "malformed", "unreachable")) {
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("rbon_backend_requests_total{")
                    && l.contains("backend=\"policy\"") && l.contains("outcome=\"" + outcome + "\"")),
                    "no policy " + outcome + " counted");
        }
    }

    /**
     * k8s/overlays/remote's settings verbatim, with its placeholders (the vLLM Services, the PVC's tokenizer
     * folders) pointed at the backend and the fixtures: the front they describe starts, loads no weights and serves.
     */
    @Test
    @Order(7)
    void theRemoteOverlaysSettingsDescribeAFrontThatStarts() throws Exception {
        String root = "http://127.0.0.1:" + backend.port;
        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("k8s/overlays/remote/rbon.env"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String value = line.substring(line.indexOf('=') + 1)
                    .replaceAll("http://vllm-[a-z]+\\.vllm\\.svc\\.cluster\\.local:8000", root)
                    .replace("/models/policy", TinyModels.path("llama"))
                    .replace("/models/reward", TinyModels.path("reward-llama"));
            env.put(line.substring(0, line.indexOf('=')), value);
        }
        assertTrue(env.containsKey("RBON_MODELS_POLICY_URL") && env.containsKey("RBON_MODELS_POLICY_PATH"), env.toString());
        assertTrue(env.values().stream().noneMatch(v -> v.contains("vllm")), "every placeholder replaced: " + env);
        env.put("RBON_MODELS_POLICY_MODEL", "llama"); // the backend serves its folder's name; vLLM its only model
        try (RbonProcess overlay = new RbonProcess("overlay-front", RbonProcess.freePort(), env).start()) {
            overlay.awaitReady(Duration.ofSeconds(120));
            assertSamePool(backend.post("/v1/generate", generate("rbon_wd")),
                    overlay.post("/v1/generate", generate("rbon_wd")), "the overlay's front");
        }
    }

    static void assertProblem(RbonProcess.Answer answer, int status) {
        assertEquals(status, answer.status(), answer.json().toString());
        assertTrue(answer.contentType().startsWith("application/problem+json"), answer.contentType());
        assertEquals(status, answer.json().get("status").asInt());
    }
}
