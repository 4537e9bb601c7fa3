package dev.rbon.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A separate remote reference: the backend has the hf-tiny llama policy and a local reference (llama-bf16, the
 * same tokenizer, other weights) and serves both by name on /v1/completions; the front's policy, reference, reward
 * and embeddings are all the backend's. The front's l_i come from the reference engine's prompt_logprobs and equal
 * what the backend's local reference computes, for every method, sampled or supplied.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RemoteReferenceIT {

    RbonProcess backend;
    RbonProcess front;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(Files.isRegularFile(RbonProcess.APP), "no fast-jar: run `./mvnw verify`");
        Path tiny = TinyModels.dir();
        backend = new RbonProcess("reference-backend", RbonProcess.freePort(),
                TinyModels.local("RBON_MODELS_REFERENCE_PATH", TinyModels.path("llama-bf16"))).start();
        String root = "http://127.0.0.1:" + backend.port;
        front = new RbonProcess("reference-front", RbonProcess.freePort(), Map.of(
                "RBON_MODELS_POLICY_PATH", tiny.resolve("llama").toString(),
                "RBON_MODELS_POLICY_URL", root + "/v1",
                "RBON_MODELS_REFERENCE_PATH", tiny.resolve("llama-bf16").toString(),
                "RBON_MODELS_REFERENCE_URL", root + "/v1",
                "RBON_MODELS_REFERENCE_MODEL", "llama-bf16",
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
        if (backend != null) {
            backend.stop();
        }
    }

    @Test
    void theFrontsLogprobsAreTheBackendsReferencesForEveryMethod() throws Exception {
        for (String method : RemoteEnginesIT.METHODS) {
            for (var request : Map.of("/v1/generate", RemotePolicyIT.generate(method),
                    "/v1/select", RemoteEnginesIT.rerank(method)).entrySet()) {
                String what = request.getKey() + " " + method;
                RbonProcess.Answer local = backend.post(request.getKey(), request.getValue());
                RbonProcess.Answer remote = front.post(request.getKey(), request.getValue());
                assertEquals(200, local.status(), what + ": " + local.json());
                assertEquals(200, remote.status(), what + ": " + remote.json());
                JsonNode l = local.json().get("candidates");
                JsonNode r = remote.json().get("candidates");
                assertEquals(l.size(), r.size(), what);
                for (int i = 0; i < l.size(); i++) {
                    String c = what + " candidate " + i;
                    assertEquals(l.get(i).get("text"), r.get(i).get("text"), c);
                    assertEquals(l.get(i).get("reward").asDouble(), r.get(i).get("reward").asDouble(),
                            RemoteEnginesIT.TOLERANCE, c);
                    assertEquals(l.get(i).hasNonNull("ref_logprob"), r.get(i).hasNonNull("ref_logprob"), c);
                    if (l.get(i).hasNonNull("ref_logprob")) {
                        assertEquals(l.get(i).get("ref_logprob").asDouble(), r.get(i).get("ref_logprob").asDouble(),
                                RemoteEnginesIT.TOLERANCE, c);
                    }
                }
                assertEquals(local.json().get("chosen_index"), remote.json().get("chosen_index"), what);
                assertEquals("llama-bf16", remote.json().get("models").get("reference").asText(), what);
            }
        }
        String models = front.get("/v1/models");
        assertTrue(models.contains("\"role\":\"reference\",\"architecture\":\"remote\""), models);
    }
}
