package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.Shared;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every causal-LM family of fixtures/hf-tiny-2 against transformers 5.17's float32 outputs: last-position logits,
 * teacher-forced log-probs of the response (per token and summed) and 24 greedy tokens through the KV cache.
 */
class DecoderFamiliesTest {

    /** Float32 against float32: only summation order differs (measured agreement: within 2e-5). */
    static final double TOLERANCE = 1e-4;

    /**
     * bfloat16 against bfloat16: measured max |logit difference| 0.059 (about 4 bfloat16 steps at |logit| ~ 2) and
     * |log-prob sum difference| 0.073 over 5 tokens, on llama31, qwen3 and gemma3. transformers' own float32 and
     * bfloat16 runs differ by as much (0.066 and 0.084), so these bounds say "computed in bfloat16, correctly", and
     * assertBfloat16Values says the compute really was bfloat16.
     */
    static final float BF16_LOGIT_TOLERANCE = 0.1f;

    static final double BF16_SUM_TOLERANCE = 0.15;

    static Path folder(String name) {
        return Shared.dir().resolve("fixtures/hf-tiny-2").resolve(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama31", "llama-linear-bias", "qwen2-yarn", "qwen3", "mistral-sliding", "gemma2",
            "gemma3", "phi3"})
    void matchesTransformersInFloat32(String name) throws Exception {
        assertMatchesGolden(folder(name), name);
    }

    /** golden.json's cases: last logits, response log-probs (each and summed), greedy ids through the KV cache. */
    static void assertMatchesGolden(Path dir, String name) throws Exception {
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
                float[] expected = Shared.floats(c.get("response_token_logprobs"));
                assertArrayEquals(expected, logprobs, (float) TOLERANCE, name + " response token log-probs");
                assertEquals(sum(expected), sum(logprobs), TOLERANCE, name + " response log-prob sum");
                long[] greedy = Shared.longs(c.get("greedy_ids"));
                assertArrayEquals(greedy, Greedy.decode(lm, promptIds, greedy.length), name + " greedy ids");
            }
        }
    }

    /**
     * bfloat16 compute against transformers' bfloat16 goldens (the model cast with .to(torch.bfloat16)). Both round
     * at every op, in places that differ (libtorch 2.7.1 vs torch 2.13 kernels), so agreement is within the
     * rounding of bfloat16 logits, not bit-exact: see BF16_LOGIT_TOLERANCE.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama31", "qwen3", "gemma3"})
    void matchesTransformersInBfloat16(String name) throws Exception {
        Path dir = folder(name);
        JsonNode golden = Shared.json(dir.resolve("golden.json"));
        try (CausalLM lm = CausalLM.load(dir, Device.cpu(), Dtype.BFLOAT16)) {
            assertEquals(Dtype.BFLOAT16, lm.dtype());
            for (JsonNode c : golden.get("cases")) {
                long[] promptIds = Shared.longs(c.get("prompt_ids"));
                try (NDManager manager = lm.newRequestManager()) {
                    float[] logits = Greedy.lastLogits(lm, manager, promptIds);
                    float[] expected = Shared.floats(c.get("bf16_last_prompt_logits"));
                    assertBfloat16Values(logits, name);
                    assertArrayEquals(expected, logits, BF16_LOGIT_TOLERANCE, name + " bf16 last logits");
                }
                float[] logprobs = Greedy.teacherForcedLogprobs(lm, promptIds, Shared.longs(c.get("response_ids")));
                assertEquals(c.get("bf16_response_logprob_sum").asDouble(), sum(logprobs), BF16_SUM_TOLERANCE,
                        name + " bf16 response log-prob sum");
            }
        }
    }

    /** The lm_head ran in bfloat16: every logit is a bfloat16 value (the low 16 bits of its float32 are zero). */
    static void assertBfloat16Values(float[] logits, String name) {
        for (float logit : logits) {
            assertEquals(0, Float.floatToIntBits(logit) & 0xFFFF, name + ": logit " + logit + " is not a bfloat16");
        }
    }

    /** The Skywork-Reward bodies: score = logits[0][0] of the golden ids, one at a time and as one padded batch. */
    @ParameterizedTest
    @ValueSource(strings = {"reward-qwen3", "reward-llama31", "reward-gemma2"})
    void rewardBodiesMatchTransformersScores(String name) throws Exception {
        JsonNode golden = Shared.json(folder(name).resolve("golden.json"));
        try (SequenceClassifier rm = SequenceClassifier.load(folder(name), Device.cpu())) {
            List<long[]> batch = new ArrayList<>();
            for (JsonNode c : golden.get("cases")) {
                long[] ids = Shared.longs(c.get("ids"));
                assertEquals(c.get("score").asDouble(), rm.score(List.of(ids))[0], TOLERANCE, name + " score");
                batch.add(ids);
            }
            float[] scores = rm.score(batch);
            for (int i = 0; i < scores.length; i++) {
                assertEquals(golden.get("cases").get(i).get("score").asDouble(), scores[i], TOLERANCE, name + " batch");
            }
        }
    }

    /**
     * The same bodies computing in bfloat16, against transformers' float32 scores (the fixtures have no bfloat16
     * ones). Measured with torch 2.13 on these ids: transformers' own bfloat16 scores differ from its float32 ones
     * by up to 0.022, rbon's bfloat16 scores from transformers' bfloat16 ones by up to 0.016 and from its float32
     * ones by up to 0.014. So within BF16_SCORE_TOLERANCE says "computed in bfloat16, correctly"; bfloat16 values
     * say the head really ran in it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"reward-qwen3", "reward-llama31", "reward-gemma2"})
    void rewardBodiesComputeInBfloat16(String name) throws Exception {
        JsonNode golden = Shared.json(folder(name).resolve("golden.json"));
        try (SequenceClassifier rm = SequenceClassifier.load(folder(name), Device.cpu(), Dtype.BFLOAT16)) {
            assertEquals("bfloat16", rm.info().computeDtype());
            List<long[]> batch = new ArrayList<>();
            for (JsonNode c : golden.get("cases")) {
                batch.add(Shared.longs(c.get("ids")));
            }
            float[] scores = rm.score(batch);
            assertBfloat16Values(scores, name);
            for (int i = 0; i < scores.length; i++) {
                assertEquals(golden.get("cases").get(i).get("score").asDouble(), scores[i], BF16_SCORE_TOLERANCE,
                        name + " bf16 score");
            }
        }
    }

    static final double BF16_SCORE_TOLERANCE = 0.05;

    static double sum(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        return sum;
    }
}
