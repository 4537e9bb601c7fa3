package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.Shared;
import dev.rbon.model.CausalLM;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** N candidates of one prompt in one batch, on the real stories260K Llama and the hf-tiny llama. */
class BatchSamplerTest {

    private static CausalLM stories;

    @BeforeAll
    static void load() throws Exception {
        stories = CausalLM.load(Shared.model("stories260K/hf"), Device.cpu());
    }

    @AfterAll
    static void close() {
        if (stories != null) {
            stories.close();
        }
    }

    private static SamplingParams params(double temperature, int maxNewTokens, List<String> stop, long seed) {
        return new SamplingParams(temperature, 1.0, 0, 0.0, 0, maxNewTokens, stop, seed);
    }

    private static List<SampledSequence> sample(CausalLM lm, String prompt, int n, SamplingParams p) {
        return BatchSampler.sample(lm, lm.tokenizer().encode(prompt, true), n, p,
                RandomGeneratorFactory.of("L64X128MixRandom").create(p.seed()), () -> false);
    }

    @Test
    void greedyRowsReproduceTransformersGreedyIds() throws Exception {
        try (CausalLM llama = CausalLM.load(Shared.hfTiny("llama"), Device.cpu())) {
            for (JsonNode c : Shared.json(Shared.hfTiny("llama").resolve("golden.json")).get("cases")) {
                long[] greedy = Shared.longs(c.get("greedy_ids"));
                int eos = Arrays.stream(greedy).boxed().toList().indexOf(0L);
                long[] expected = eos < 0 ? greedy : Arrays.copyOf(greedy, eos + 1);
                for (SampledSequence s : sample(llama, c.get("prompt").asText(), 3, params(0, greedy.length, null, 1))) {
                    assertArrayEquals(expected, s.tokenIds());
                    assertEquals(eos < 0 ? SampledSequence.FinishReason.LENGTH : SampledSequence.FinishReason.STOP,
                            s.finishReason());
                }
            }
        }
    }

    @Test
    void storiesGreedyWritesItsStory() {
        SampledSequence s = sample(stories, "Once upon a time, there was a little girl named Lily.", 1,
                params(0, 12, null, 1)).get(0);
        assertTrue(s.text().startsWith(" She loved to play outside"), s.text());
    }

    @Test
    void sameSeedSameCandidatesOtherSeedOthers() {
        List<String> first = texts(sample(stories, "Once upon a time", 8, params(1.0, 24, null, 42)));
        List<String> again = texts(sample(stories, "Once upon a time", 8, params(1.0, 24, null, 42)));
        List<String> other = texts(sample(stories, "Once upon a time", 8, params(1.0, 24, null, 43)));
        assertEquals(first, again);
        assertNotEquals(first, other);
        assertTrue(first.stream().distinct().count() > 1, "8 samples at temperature 1 should not all agree: " + first);
    }

    @Test
    void aRowsTokensDependOnTheSeedAndItsIndexNotOnN() {
        List<SampledSequence> two = sample(stories, "Once upon a time", 2, params(1.0, 20, null, 42));
        List<SampledSequence> six = sample(stories, "Once upon a time", 6, params(1.0, 20, null, 42));
        for (int r = 0; r < 2; r++) {
            assertArrayEquals(two.get(r).tokenIds(), six.get(r).tokenIds(), "row " + r);
        }
    }

    @Test
    void aStopStringSpanningTokensIsFoundOnTheNewText() {
        List<SampledSequence> rows = sample(stories, "Once upon a time", 8, params(1.0, 60, List.of("the park"), 8));
        for (SampledSequence s : rows) {
            assertFalse(s.text().contains("the park"), s.text());
            String all = stories.tokenizer().decode(s.tokenIds(), true);
            if (all.contains("the park")) {
                assertEquals(SampledSequence.FinishReason.STOP, s.finishReason());
                assertTrue(all.endsWith("park") || all.indexOf("the park") == all.lastIndexOf("the park"),
                        "the row ran on past its stop string: " + all);
            }
        }
    }

    @Test
    void stopStringsEndRowsAndAreCutFromTheText() {
        List<SampledSequence> rows = sample(stories, "Once upon a time", 8, params(1.0, 60, List.of("."), 5));
        for (SampledSequence s : rows) {
            assertFalse(s.text().contains("."), s.text());
            if (s.finishReason() == SampledSequence.FinishReason.STOP) {
                String all = stories.tokenizer().decode(s.tokenIds(), true);
                assertTrue(all.contains(".") || s.tokenIds()[s.tokenIds().length - 1] == 2, all);
            } else {
                assertEquals(60, s.tokenIds().length);
            }
        }
        assertTrue(rows.stream().map(s -> s.tokenIds().length).distinct().count() > 1, "rows should end at different steps");
    }

    @Test
    void maxNewTokensEndsRowsWithLength() {
        for (SampledSequence s : sample(stories, "Once upon a time", 4, params(1.0, 5, null, 3))) {
            assertTrue(s.tokenIds().length <= 5);
            if (s.tokenIds().length == 5 && s.tokenIds()[4] != 2) {
                assertEquals(SampledSequence.FinishReason.LENGTH, s.finishReason());
            }
        }
    }

    @Test
    void cancellationStopsBetweenSteps() {
        long[] prompt = stories.tokenizer().encode("Once upon a time", true);
        int[] checks = {0};
        assertThrows(CancellationException.class, () -> BatchSampler.sample(stories, prompt, 4,
                params(1.0, 200, null, 1), RandomGeneratorFactory.of("L64X128MixRandom").create(1),
                () -> ++checks[0] > 3));
        assertEquals(4, checks[0]);
    }

    private static List<String> texts(List<SampledSequence> rows) {
        return rows.stream().map(SampledSequence::text).toList();
    }
}
