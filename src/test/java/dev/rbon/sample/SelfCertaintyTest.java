package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.rbon.Shared;
import dev.rbon.model.CausalLM;
import dev.rbon.select.Prune;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SampledSequence#selfCertainty()} against an independent reference: each step's full next-token
 * distribution recomputed by a teacher-forced forward pass of the same model over prompt ++ tokens, KL(U || p)
 * taken in double on the host, averaged over the tokens. For whole candidates, for running ones ranked at a
 * decision point of pruning, and for a candidate with no token.
 *
 * <p>Tolerance: the sampler reads logits of cached one-token steps, the reference those of one full pass; the two
 * differ by float32 rounding, within 1e-4 per logit (as {@code KvCacheTest} asserts). KL(U || p) = logsumexp(x) -
 * mean(x) - log V moves by at most twice the largest logit difference, so 2e-4; the sampler's float32 reduction
 * over V = 512 adds about 1e-6. Measured: at most 7e-7 on these models.
 */
class SelfCertaintyTest {

    private static final double TEACHER_FORCED_TOLERANCE = 2e-4;

    private static RandomGenerator rng(long seed) {
        return RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    }

    /** The mean over {@code tokens} of KL(U || p_t), p_t from a teacher-forced pass over prompt ++ tokens. */
    private static double teacherForced(CausalLM lm, long[] prompt, long[] tokens) {
        if (tokens.length == 0) {
            return 0;
        }
        long[] ids = LongStream.concat(Arrays.stream(prompt), Arrays.stream(tokens)).toArray();
        try (NDManager manager = lm.newRequestManager()) {
            float[] logits = lm.forward(manager.create(ids, new Shape(1, ids.length)),
                    manager.ones(new Shape(1, ids.length), DataType.INT64), null).toFloatArray(); // (1, L, V)
            int vocab = logits.length / ids.length;
            double sum = 0;
            for (int t = 0; t < tokens.length; t++) {
                sum += Rows.klFromUniform(logits, (prompt.length - 1 + t) * vocab, vocab); // the position that drew t
            }
            return sum / tokens.length;
        }
    }

    /**
     * Sampled at temperature 0.8 with top-k 40 and a stop string, so rows end at different steps and the processed
     * distribution is not the raw one: the value is still the raw distribution's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"models/stories260K/hf", "fixtures/hf-tiny/qwen2", "fixtures/hf-tiny-2/gemma2"})
    void equalsTheMeanKlFromUniformOfTeacherForcedDistributions(String model) throws Exception {
        try (CausalLM lm = CausalLM.load(Shared.dir().resolve(model), Device.cpu())) {
            long[] prompt = lm.tokenizer().encode("One day, Tom went to the park", true);
            SamplingParams params = new SamplingParams(0.8, 1.0, 40, 0.0, 0, 32, List.of("!"), 11L);
            List<SampledSequence> rows = BatchSampler.sample(lm, prompt, 8, params, rng(11), () -> false);
            for (int i = 0; i < rows.size(); i++) {
                SampledSequence row = rows.get(i);
                assertTrue(row.tokenIds().length > 0);
                assertEquals(teacherForced(lm, prompt, row.tokenIds()), row.selfCertainty(), TEACHER_FORCED_TOLERANCE,
                        model + " candidate " + i);
                assertTrue(row.selfCertainty() > 0, "a trained (or wide random) model is not uniform");
            }
        }
    }

    /** The running rows a ranking sees at a decision point carry the mean over their tokens so far. */
    @Test
    void aRunningCandidateCarriesTheMeanOverItsTokensSoFar() throws Exception {
        try (CausalLM stories = CausalLM.load(Shared.model("stories260K/hf"), Device.cpu())) {
            long[] prompt = stories.tokenizer().encode("Once upon a time", true);
            SamplingParams seeded = new SamplingParams(1.0, 0.9, 0, 0.0, 0, 40, null, 7L);
            List<SampledSequence> partials = new ArrayList<>();
            SamplingRequest request = new SamplingRequest(stories, prompt, 8, seeded, rng(7), () -> false)
                    .withPruning(new Prune(8, 0.5), 1, (rows, alive) -> {
                        alive.stream().filter(s -> s.finishReason() == null).forEach(partials::add);
                        return alive.stream().mapToDouble(SampledSequence::selfCertainty).toArray();
                    });
            try (DecodeBatch batch = new DecodeBatch(stories)) {
                batch.prefill(request, prompt.length);
                while (!batch.retire().contains(request)) {
                    batch.step();
                }
            }
            assertTrue(partials.size() >= 8, partials.size() + " running candidates ranked");
            for (SampledSequence partial : partials) {
                assertEquals(0, partial.tokenIds().length % 8, "ranked at a decision point");
                assertEquals(teacherForced(stories, prompt, partial.tokenIds()), partial.selfCertainty(),
                        TEACHER_FORCED_TOLERANCE, "after " + partial.tokenIds().length + " tokens");
            }
            for (SampledSequence row : request.sequences()) { // pruned ones as they were when they left
                assertEquals(teacherForced(stories, prompt, row.tokenIds()), row.selfCertainty(),
                        TEACHER_FORCED_TOLERANCE, row.finishReason() + " after " + row.tokenIds().length + " tokens");
            }
        }
    }

    /** A prompt holding every id with no_repeat_ngram_size 1 bans the whole vocabulary: no token, and 0. */
    @Test
    void isZeroForACandidateWithNoToken() throws Exception {
        try (CausalLM stories = CausalLM.load(Shared.model("stories260K/hf"), Device.cpu())) {
            long[] everyId = LongStream.range(0, stories.vocabSize()).toArray();
            SamplingParams banned = new SamplingParams(1.0, 1.0, 0, 0.0, 1, 4, null, 1L);
            List<SampledSequence> rows = BatchSampler.sample(stories, everyId, 2, banned, rng(1), () -> false);
            for (SampledSequence row : rows) {
                assertArrayEquals(new long[0], row.tokenIds());
                assertEquals(SampledSequence.FinishReason.STOP, row.finishReason());
                assertEquals(0.0, row.selfCertainty());
            }
        }
    }
}
