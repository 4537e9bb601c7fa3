package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.Shared;
import dev.rbon.model.CausalLM;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Requests sharing one decode batch (continuous batching): they join at different steps with prompts of different
 * lengths, prefilled in chunks, and leave as they finish; each row decodes what it would alone. Greedy rows are
 * checked against transformers' greedy ids for every decoder family; seeded rows against the same request alone.
 */
class DecodeBatchTest {

    private static SamplingParams greedy(int maxNewTokens) {
        return new SamplingParams(0, 1.0, 0, 0.0, 0, maxNewTokens, null, 1L);
    }

    private static RandomGenerator rng(long seed) {
        return RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    }

    /** transformers' greedy ids up to and including the first end-of-sequence token. */
    private static long[] expectedGreedy(CausalLM lm, long[] golden) {
        for (int i = 0; i < golden.length; i++) {
            if (lm.isEos(golden[i])) {
                return Arrays.copyOf(golden, i + 1);
            }
        }
        return golden;
    }

    /**
     * Runs {@code requests} through one batch: request i joins after {@code joinAt[i]} steps and is prefilled
     * {@code chunk} prompt tokens per step. Returns when every request has left.
     */
    private static void run(DecodeBatch batch, List<SamplingRequest> requests, int[] joinAt, int chunk) {
        List<SamplingRequest> waiting = new ArrayList<>(requests);
        List<SamplingRequest> left = new ArrayList<>();
        int step = 0;
        int held = -1; // the cache's arrays: the same count at every step, whatever rows come and go
        while (left.size() < requests.size()) {
            SamplingRequest next = waiting.isEmpty() ? null : waiting.get(0);
            if (next != null && joinAt[requests.indexOf(next)] <= step && batch.prefill(next, chunk)) {
                waiting.remove(0);
            }
            left.addAll(batch.retire());
            batch.step();
            step++;
            if (batch.rows() > 0) {
                held = held < 0 ? batch.heldArrays() : held;
                assertEquals(held, batch.heldArrays(), "arrays held at step " + step);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf-tiny/llama", "hf-tiny/gpt2", "hf-tiny/qwen2", "hf-tiny-2/gemma2", "hf-tiny-2/gemma3",
            "hf-tiny-2/llama31", "hf-tiny-2/mistral-sliding", "hf-tiny-2/phi3", "hf-tiny-2/qwen2-yarn",
            "hf-tiny-2/qwen3", "hf-tiny-2/llama-linear-bias"})
    void everyFamilyDecodesTransformersGreedyIdsInASharedBatch(String fixture) throws Exception {
        Path dir = Shared.dir().resolve("fixtures").resolve(fixture);
        try (CausalLM lm = CausalLM.load(dir, Device.cpu()); DecodeBatch batch = new DecodeBatch(lm)) {
            List<SamplingRequest> requests = new ArrayList<>();
            List<long[]> expected = new ArrayList<>();
            for (JsonNode c : Shared.json(dir.resolve("golden.json")).get("cases")) {
                long[] golden = Shared.longs(c.get("greedy_ids"));
                expected.add(expectedGreedy(lm, golden));
                requests.add(new SamplingRequest(lm, Shared.longs(c.get("prompt_ids")), 1 + requests.size(),
                        greedy(golden.length), rng(1), () -> false));
            }
            run(batch, requests, new int[] {0, 2, 3}, 2);
            for (int i = 0; i < requests.size(); i++) {
                for (SampledSequence row : requests.get(i).sequences()) {
                    assertArrayEquals(expected.get(i), row.tokenIds(), fixture + " case " + i);
                }
            }
            assertEquals(0, batch.rows());
            assertEquals(0, batch.heldArrays(), "every row left: the shared cache holds nothing");
        }
    }

    /** int8 too: its kernel computes each row alone, so a row's tokens cannot depend on who shares its step. */
    @ParameterizedTest
    @EnumSource(value = dev.rbon.model.Dtype.class, names = {"BFLOAT16", "INT8"})
    void halfPrecisionRowsDecodeInASharedBatchAsTheyDoAlone(dev.rbon.model.Dtype dtype) throws Exception {
        Path dir = Shared.dir().resolve("fixtures/hf-tiny-2/qwen3");
        try (CausalLM lm = CausalLM.load(dir, Device.cpu(), dtype);
                DecodeBatch batch = new DecodeBatch(lm)) {
            List<SamplingRequest> requests = new ArrayList<>();
            List<long[]> alone = new ArrayList<>();
            for (JsonNode c : Shared.json(dir.resolve("golden.json")).get("cases")) {
                long[] prompt = Shared.longs(c.get("prompt_ids"));
                alone.add(BatchSampler.sample(lm, prompt, 1, greedy(90), rng(1), () -> false).get(0).tokenIds());
                requests.add(new SamplingRequest(lm, prompt, 2, greedy(90), rng(1), () -> false));
            }
            run(batch, requests, new int[] {0, 1, 70}, 3); // the last joins after the cache has grown past a block
            for (int i = 0; i < requests.size(); i++) {
                for (SampledSequence row : requests.get(i).sequences()) {
                    assertArrayEquals(alone.get(i), row.tokenIds(), dtype + " case " + i);
                }
            }
        }
    }

    @Test
    void seededRowsDrawWhatTheyDrawAloneWhateverShareTheBatch() throws Exception {
        try (CausalLM stories = CausalLM.load(Shared.model("stories260K/hf"), Device.cpu())) {
            long[] prompt = stories.tokenizer().encode("Once upon a time", true);
            SamplingParams topP = new SamplingParams(1.0, 0.9, 0, 0.0, 0, 40, null, 7L);
            List<SampledSequence> alone = BatchSampler.sample(stories, prompt, 4, topP, rng(7), () -> false);

            SamplingRequest shared = new SamplingRequest(stories, prompt, 4, topP, rng(7), () -> false);
            SamplingRequest longer = new SamplingRequest(stories,
                    stories.tokenizer().encode("The little dog ran to the park and saw a big red ball", true), 3,
                    new SamplingParams(0.7, 1.0, 20, 0.0, 2, 60, null, 3L), rng(3), () -> false);
            SamplingRequest greedyShort = new SamplingRequest(stories, stories.tokenizer().encode("Tom", true), 2,
                    greedy(5), rng(5), () -> false);
            try (DecodeBatch batch = new DecodeBatch(stories)) {
                run(batch, List.of(longer, greedyShort, shared), new int[] {0, 1, 6}, 3);
            }
            List<SampledSequence> together = shared.sequences();
            for (int r = 0; r < alone.size(); r++) {
                assertArrayEquals(alone.get(r).tokenIds(), together.get(r).tokenIds(), "row " + r);
                assertEquals(alone.get(r).logprob(), together.get(r).logprob(), 1e-4, "row " + r);
                assertEquals(alone.get(r).selfCertainty(), together.get(r).selfCertainty(), 1e-4, "row " + r);
            }
        }
    }

    /** Rows chosen in blocks of two (as a 151,936 vocabulary is, in blocks of 20) draw what one block draws. */
    @Test
    void rowsChosenInBlocksDrawWhatTheyDrawTogether() throws Exception {
        try (CausalLM stories = CausalLM.load(Shared.model("stories260K/hf"), Device.cpu())) {
            List<List<long[]>> runs = new ArrayList<>();
            long defaultBytes = DecodeBatch.choiceBytes;
            for (long bytes : new long[] {defaultBytes, 2L * Double.BYTES * stories.vocabSize()}) {
                DecodeBatch.choiceBytes = bytes;
                try (DecodeBatch batch = new DecodeBatch(stories)) {
                    SamplingRequest topP = new SamplingRequest(stories, stories.tokenizer().encode("Once upon a time",
                            true), 5, new SamplingParams(1.0, 0.9, 0, 0.0, 0, 30, null, 7L), rng(7), () -> false);
                    SamplingRequest topK = new SamplingRequest(stories, stories.tokenizer().encode("Tom", true), 2,
                            new SamplingParams(0.7, 1.0, 20, 0.0, 2, 24, null, 3L), rng(3), () -> false);
                    run(batch, List.of(topP, topK), new int[] {0, 2}, 3);
                    List<long[]> tokens = new ArrayList<>();
                    for (SamplingRequest request : List.of(topP, topK)) {
                        request.sequences().forEach(row -> tokens.add(row.tokenIds()));
                    }
                    runs.add(tokens);
                } finally {
                    DecodeBatch.choiceBytes = defaultBytes;
                }
            }
            assertEquals(7, runs.get(1).size());
            for (int r = 0; r < runs.get(0).size(); r++) {
                assertArrayEquals(runs.get(0).get(r), runs.get(1).get(r), "row " + r);
            }
        }
    }

    @Test
    void anAbandonedRequestLeavesAtTheNextStepAndTheOthersGoOn() throws Exception {
        try (CausalLM stories = CausalLM.load(Shared.model("stories260K/hf"), Device.cpu());
                DecodeBatch batch = new DecodeBatch(stories)) {
            long[] prompt = stories.tokenizer().encode("Once upon a time", true);
            boolean[] gone = {false};
            SamplingRequest abandoned = new SamplingRequest(stories, prompt, 3, greedy(50), rng(1), () -> gone[0]);
            SamplingRequest kept = new SamplingRequest(stories, prompt, 2, greedy(20), rng(2), () -> false);
            assertTrue(batch.prefill(abandoned, 100));
            assertTrue(batch.prefill(kept, 100));
            batch.retire();
            batch.step();
            gone[0] = true;
            assertEquals(List.of(abandoned), batch.retire());
            assertFalse(abandoned.finished());
            assertEquals(2, batch.rows());
            while (!batch.retire().contains(kept)) {
                batch.step();
            }
            assertTrue(kept.finished());
            assertEquals(BatchSampler.sample(stories, prompt, 1, greedy(20), rng(9), () -> false).get(0).tokenIds().length,
                    kept.sequences().get(0).tokenIds().length);
            assertEquals(0, batch.heldArrays());
        }
    }

    /** The scheduler's order: prefill, one step, retire; until every request has left. */
    private static List<SamplingRequest> runAsTheScheduler(DecodeBatch batch, List<SamplingRequest> requests) {
        List<SamplingRequest> waiting = new ArrayList<>(requests);
        List<SamplingRequest> left = new ArrayList<>();
        while (left.size() < requests.size()) {
            if (!waiting.isEmpty() && batch.prefill(waiting.get(0), 3)) {
                waiting.remove(0);
            }
            batch.step();
            left.addAll(batch.retire());
        }
        return left;
    }

    @Test
    void aOneTokenRequestFinishesAtItsPrefillWhileOthersDecodeBesideIt() throws Exception {
        try (CausalLM stories = CausalLM.load(Shared.model("stories260K/hf"), Device.cpu())) {
            long[] prompt = stories.tokenizer().encode("Once upon a time", true);
            SamplingParams seeded = new SamplingParams(1.0, 0.9, 0, 0.0, 0, 30, null, 7L);
            List<SampledSequence> alone = BatchSampler.sample(stories, prompt, 16, seeded, rng(7), () -> false);

            SamplingRequest canary = new SamplingRequest(stories, prompt, 16, seeded, rng(7), () -> false);
            List<SamplingRequest> probes = new ArrayList<>();
            for (int i = 0; i < 3; i++) { // sampled and greedy one-token probes, joining while the canary decodes
                SamplingParams one = new SamplingParams(i == 1 ? 0 : 1.0, 1.0, 0, 0.0, 0, 1, null, (long) i);
                probes.add(new SamplingRequest(stories, stories.tokenizer().encode("Tom", true), 2, one, rng(i),
                        () -> false));
            }
            List<SamplingRequest> all = new ArrayList<>(List.of(canary));
            all.addAll(probes);
            try (DecodeBatch batch = new DecodeBatch(stories)) {
                runAsTheScheduler(batch, all);
                assertEquals(0, batch.heldArrays());
            }
            for (SamplingRequest probe : probes) {
                assertTrue(probe.finished());
                for (SampledSequence row : probe.sequences()) {
                    assertEquals(1, row.tokenIds().length);
                }
            }
            for (int r = 0; r < alone.size(); r++) {
                assertArrayEquals(alone.get(r).tokenIds(), canary.sequences().get(r).tokenIds(), "row " + r);
            }
        }
    }

    @Test
    void aRequestWhoseStepThrowsLeavesAloneAndTheOthersDrawWhatTheyDrawAlone() throws Exception {
        try (CausalLM stories = CausalLM.load(Shared.model("stories260K/hf"), Device.cpu())) {
            long[] prompt = stories.tokenizer().encode("Once upon a time", true);
            SamplingParams seeded = new SamplingParams(0.8, 0.95, 0, 0.0, 0, 24, null, 3L);
            SamplingParams poisonous = new SamplingParams(1.0, 1.0, 0, 0.0, 0, 24, null, 666L);
            List<SampledSequence> alone = BatchSampler.sample(stories, prompt, 4, seeded, rng(3), () -> false);
            // a processor that throws once a row of the seed-666 request has 5 tokens: that request's own fault
            Function<SamplingBatch, LogitsProcessor> chain = rows -> (view, scores) -> {
                for (int b = 0; b < view.size(); b++) {
                    if (view.params(b).seed() == 666L && view.length(b) >= prompt.length + 5) {
                        throw new IllegalStateException("injected fault in row " + b);
                    }
                }
                return LogitsProcessorList.of(view, stories.dtype()).apply(view, scores);
            };
            boolean[] checkThrows = {false};
            SamplingRequest first = new SamplingRequest(stories, prompt, 4, seeded, rng(3), () -> false);
            SamplingRequest failing = new SamplingRequest(stories, prompt, 3, poisonous, rng(5), () -> false);
            SamplingRequest callbackFails = new SamplingRequest(stories, prompt, 2, poisonous, rng(6), () -> {
                if (checkThrows[0]) {
                    throw new IllegalStateException("injected fault in the request's step callback");
                }
                return false;
            });
            SamplingRequest last = new SamplingRequest(stories, prompt, 4, seeded, rng(3), () -> false);
            try (DecodeBatch batch = new DecodeBatch(stories, chain)) {
                assertTrue(batch.prefill(first, 100));
                assertTrue(batch.prefill(callbackFails, 100));
                checkThrows[0] = true;
                assertTrue(batch.prefill(failing, 100));
                assertTrue(batch.prefill(last, 100));
                List<SamplingRequest> left = new ArrayList<>(batch.retire());
                assertEquals(List.of(callbackFails), left, "the failing callback leaves at the first retire");
                while (left.size() < 4) {
                    batch.step();
                    left.addAll(batch.retire());
                }
                assertEquals(0, batch.heldArrays());
            }
            assertTrue(failing.failure().getMessage().startsWith("injected fault"), failing.failure().toString());
            assertTrue(callbackFails.failure().getMessage().contains("callback"));
            for (SamplingRequest kept : List.of(first, last)) {
                assertEquals(null, kept.failure());
                for (int r = 0; r < alone.size(); r++) {
                    assertArrayEquals(alone.get(r).tokenIds(), kept.sequences().get(r).tokenIds(), "row " + r);
                }
            }
        }
    }

    /** Ranks by the candidates' own log-probability so far (a real score of partial texts), recording each call. */
    private static SamplingRequest.Ranking byLogprob(List<String> calls) {
        return (rows, alive) -> {
            calls.add(Arrays.toString(rows) + " running " + alive.stream().filter(s -> s.finishReason() == null)
                    .map(s -> s.tokenIds().length).toList());
            return alive.stream().mapToDouble(SampledSequence::logprob).toArray();
        };
    }

    @Test
    void prunedRowsLeaveAtDecisionPointsAndTheSurvivorsDrawWhatTheyDrawUnpruned() throws Exception {
        try (CausalLM stories = CausalLM.load(Shared.model("stories260K/hf"), Device.cpu())) {
            long[] prompt = stories.tokenizer().encode("Once upon a time", true);
            SamplingParams seeded = new SamplingParams(1.0, 0.9, 0, 0.0, 0, 40, null, 7L);
            List<SampledSequence> unpruned = BatchSampler.sample(stories, prompt, 16, seeded, rng(7), () -> false);

            List<String> calls = new ArrayList<>();
            SamplingRequest pruned = new SamplingRequest(stories, prompt, 16, seeded, rng(7), () -> false)
                    .withPruning(new dev.rbon.select.Prune(8, 0.5), 1, byLogprob(calls));
            SamplingRequest beside = new SamplingRequest(stories, stories.tokenizer().encode("Tom", true), 3,
                    new SamplingParams(0.7, 1.0, 20, 0.0, 0, 30, null, 3L), rng(3), () -> false);
            List<SampledSequence> besideAlone = BatchSampler.sample(stories, stories.tokenizer().encode("Tom", true),
                    3, new SamplingParams(0.7, 1.0, 20, 0.0, 0, 30, null, 3L), rng(3), () -> false);
            try (DecodeBatch batch = new DecodeBatch(stories)) {
                runAsTheScheduler(batch, List.of(beside, pruned));
                assertEquals(0, batch.heldArrays());
            }
            assertFalse(calls.isEmpty());
            int survivors = 0;
            for (int r = 0; r < 16; r++) {
                SampledSequence row = pruned.sequences().get(r);
                long[] full = unpruned.get(r).tokenIds();
                if (row.finishReason() == SampledSequence.FinishReason.PRUNED) {
                    assertEquals(0, row.tokenIds().length % 8, "row " + r + " left at a decision point");
                    assertArrayEquals(Arrays.copyOf(full, row.tokenIds().length), row.tokenIds(), "row " + r);
                    assertTrue(full.length > row.tokenIds().length, "row " + r + " was still running when pruned");
                } else {
                    survivors++;
                    assertArrayEquals(full, row.tokenIds(), "row " + r);
                    assertEquals(unpruned.get(r).finishReason(), row.finishReason());
                    assertEquals(unpruned.get(r).logprob(), row.logprob(), 1e-4);
                }
            }
            assertTrue(survivors >= 1 && survivors < 16, survivors + " survivors");
            for (int r = 0; r < 3; r++) {
                assertArrayEquals(besideAlone.get(r).tokenIds(), beside.sequences().get(r).tokenIds(), "beside " + r);
            }
        }
    }

    @Test
    void keepOneChangesNothingAndAtLeastKeepsEnough() throws Exception {
        try (CausalLM stories = CausalLM.load(Shared.model("stories260K/hf"), Device.cpu())) {
            long[] prompt = stories.tokenizer().encode("Once upon a time", true);
            SamplingParams seeded = new SamplingParams(1.0, 1.0, 0, 0.0, 0, 24, null, 5L);
            List<SampledSequence> unpruned = BatchSampler.sample(stories, prompt, 8, seeded, rng(5), () -> false);
            SamplingRequest all = new SamplingRequest(stories, prompt, 8, seeded, rng(5), () -> false)
                    .withPruning(new dev.rbon.select.Prune(2, 1.0), 1, byLogprob(new ArrayList<>()));
            SamplingRequest few = new SamplingRequest(stories, prompt, 8, seeded, rng(5), () -> false)
                    .withPruning(new dev.rbon.select.Prune(2, 0.01), 3, byLogprob(new ArrayList<>()));
            try (DecodeBatch batch = new DecodeBatch(stories)) {
                runAsTheScheduler(batch, List.of(all, few));
            }
            for (int r = 0; r < 8; r++) {
                assertArrayEquals(unpruned.get(r).tokenIds(), all.sequences().get(r).tokenIds(), "row " + r);
                assertEquals(unpruned.get(r).finishReason(), all.sequences().get(r).finishReason());
            }
            long alive = few.sequences().stream().filter(s -> s.finishReason() != SampledSequence.FinishReason.PRUNED)
                    .count();
            assertTrue(alive >= 3, alive + " candidates left; at least 3 were asked for");
        }
    }

    @Test
    void aRankingThatThrowsFailsItsRequestAlone() throws Exception {
        try (CausalLM stories = CausalLM.load(Shared.model("stories260K/hf"), Device.cpu())) {
            long[] prompt = stories.tokenizer().encode("Once upon a time", true);
            SamplingParams seeded = new SamplingParams(1.0, 0.9, 0, 0.0, 0, 30, null, 7L);
            List<SampledSequence> alone = BatchSampler.sample(stories, prompt, 16, seeded, rng(7), () -> false);
            SamplingRequest canary = new SamplingRequest(stories, prompt, 16, seeded, rng(7), () -> false);
            SamplingRequest broken = new SamplingRequest(stories, prompt, 4, seeded, rng(1), () -> false)
                    .withPruning(new dev.rbon.select.Prune(4, 0.5), 1, (rows, partial) -> {
                        throw new IllegalStateException("the reward model refused");
                    });
            try (DecodeBatch batch = new DecodeBatch(stories)) {
                runAsTheScheduler(batch, List.of(canary, broken));
                assertEquals(0, batch.heldArrays());
            }
            assertEquals("the reward model refused", broken.failure().getMessage());
            for (int r = 0; r < alone.size(); r++) {
                assertArrayEquals(alone.get(r).tokenIds(), canary.sequences().get(r).tokenIds(), "row " + r);
            }
        }
    }
}
