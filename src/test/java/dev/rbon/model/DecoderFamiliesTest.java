package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.Shared;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every causal-LM family of fixtures/hf-tiny-2 against transformers 5.17's float32 outputs: last-position logits,
 * teacher-forced log-probs of the response (per token and summed) and 24 greedy tokens through the KV cache.
 */
class DecoderFamiliesTest {

    /** Float32 against float32: only summation order differs (measured agreement: within 2e-5). */
    static final double TOLERANCE = 1e-4;

    static Path folder(String name) {
        return Shared.dir().resolve("fixtures/hf-tiny-2").resolve(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama31", "llama-linear-bias", "qwen2-yarn", "qwen3", "mistral-sliding", "gemma2",
            "gemma3", "phi3"})
    void matchesTransformersInFloat32(String name) throws Exception {
        Path dir = folder(name);
        JsonNode golden = Shared.json(dir.resolve("golden.json"));
        try (CausalLM lm = CausalLM.load(dir, Device.cpu())) {
            assertEquals(golden.get("architecture").asText(), lm.architecture());
            for (JsonNode c : golden.get("cases")) {
                long[] promptIds = Shared.longs(c.get("prompt_ids"));
                try (NDManager manager = lm.newRequestManager()) {
                    assertArrayEquals(Shared.floats(c.get("last_prompt_logits")),
                            Greedy.lastLogits(lm, manager, promptIds), (float) TOLERANCE, name + " last logits");
                }
                long[] responseIds = Shared.longs(c.get("response_ids"));
                float[] logprobs = Greedy.teacherForcedLogprobs(lm, promptIds, responseIds);
                assertArrayEquals(Shared.floats(c.get("response_token_logprobs")), logprobs, (float) TOLERANCE,
                        name + " response token log-probs");
                assertEquals(c.get("response_logprob_sum").asDouble(), sum(logprobs), TOLERANCE, name + " sum");
                long[] greedy = Shared.longs(c.get("greedy_ids"));
                assertArrayEquals(greedy, Greedy.decode(lm, promptIds, greedy.length), name + " greedy ids");
            }
        }
    }

    static double sum(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        return sum;
    }
}
