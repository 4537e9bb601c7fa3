package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.Shared;
import dev.rbon.remote.RbonProcess;
import dev.rbon.remote.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each family as the packaged service's policy, over HTTP: {@code /v1/generate} at temperature 0 returns
 * transformers' greedy ids (up to the first EOS, where the service stops) for every golden prompt, with attention
 * run in small query chunks (rbon.passes.attention-block-elements). One server per family, started together from the
 * fast-jar; the model-level parity is DecoderFamiliesTest.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FamiliesOverHttpIT {

    static final List<String> FAMILIES = List.of("llama31", "qwen3", "gemma2", "phi3", "mistral-sliding");

    static final long ATTENTION_BLOCK = 2048;

    private final Map<String, RbonProcess> servers = new LinkedHashMap<>();

    @BeforeAll
    void start() throws Exception {
        assumeTrue(Files.isRegularFile(RbonProcess.APP), "no fast-jar: run `./mvnw verify`");
        for (String family : FAMILIES) {
            // small attention blocks: every pass runs its queries in chunks, set through the service's configuration
            servers.put(family, new RbonProcess("family-" + family, RbonProcess.freePort(), TinyModels.local(
                    "RBON_MODELS_POLICY_PATH", DecoderFamiliesTest.folder(family).toString(),
                    "RBON_PASSES_ATTENTION_BLOCK_ELEMENTS", Long.toString(ATTENTION_BLOCK))).start());
        }
        for (RbonProcess server : servers.values()) {
            server.awaitReady(Duration.ofSeconds(180));
        }
    }

    @AfterAll
    void stop() throws Exception {
        for (RbonProcess server : servers.values()) {
            server.stop();
        }
    }

    static List<String> families() {
        return FAMILIES;
    }

    @ParameterizedTest
    @MethodSource("families")
    void greedyGenerationReproducesTransformersGreedyIds(String family) throws Exception {
        Path dir = DecoderFamiliesTest.folder(family);
        long[] eos;
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            eos = checkpoint.eosTokenIds();
        }
        for (JsonNode c : Shared.json(dir.resolve("golden.json")).get("cases")) {
            List<Long> expected = new ArrayList<>();
            for (JsonNode id : c.get("greedy_ids")) {
                expected.add(id.asLong());
                if (Arrays.stream(eos).anyMatch(e -> e == id.asLong())) {
                    break;
                }
            }
            RbonProcess.Answer answer = servers.get(family).post("/v1/generate", Map.of("prompt",
                    c.get("prompt").asText(), "temperature", 0, "n", 1, "max_new_tokens", c.get("greedy_ids").size(),
                    "return_token_ids", true));
            assertEquals(200, answer.status(), answer.json().toString());
            assertEquals(c.get("prompt_ids").size(), answer.json().at("/usage/prompt_tokens").asInt(),
                    family + " prompt tokens");
            List<Long> ids = new ArrayList<>();
            answer.json().at("/chosen/token_ids").forEach(id -> ids.add(id.asLong()));
            assertEquals(expected, ids, family + ": " + c.get("prompt"));
        }
        assertTrue(servers.get(family).logText().contains("attention blocks of " + ATTENTION_BLOCK + " elements"),
                "rbon.passes.attention-block-elements reached the models");
    }
}
