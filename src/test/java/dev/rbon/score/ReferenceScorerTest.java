package dev.rbon.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.Shared;
import dev.rbon.model.CausalLM;
import dev.rbon.sample.BatchSampler;
import dev.rbon.sample.SampledSequence;
import dev.rbon.sample.SamplingParams;
import java.util.List;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.Test;

/** log pi_ref(y|x) teacher-forced, against transformers and against the sampler's own running sum. */
class ReferenceScorerTest {

    @Test
    void matchesTransformersResponseLogprobSums() throws Exception {
        try (CausalLM llama = CausalLM.load(Shared.hfTiny("llama"), Device.cpu())) {
            JsonNode cases = Shared.json(Shared.hfTiny("llama").resolve("golden.json")).get("cases");
            for (JsonNode c : cases) {
                double[] l = ReferenceScorer.logprobs(llama, c.get("prompt").asText(), List.of(c.get("response").asText()));
                assertEquals(c.get("response_logprob_sum").asDouble(), l[0], 1e-3);
            }
        }
    }

    /**
     * When the reference is the policy, the sum the sampler records while sampling (raw logits, temperature 1)
     * is l_i. Rows end at different steps here (stop strings, EOS, length), so this also shows the cache rows stay
     * with their candidates when finished rows leave the batch. Sampled at temperature 0.8 with top-k: the
     * recorded log-prob is still the raw one.
     */
    @Test
    void equalsTheSamplersRecordedLogprobWhenThePolicyIsTheReference() throws Exception {
        try (CausalLM stories = CausalLM.load(Shared.model("stories260K/hf"), Device.cpu())) {
            long[] prompt = stories.tokenizer().encode("One day, Tom went to the park", true);
            SamplingParams params = new SamplingParams(0.8, 1.0, 40, 0.0, 0, 48, List.of("!"), 11L);
            List<SampledSequence> rows = BatchSampler.sample(stories, prompt, 16, params,
                    RandomGeneratorFactory.of("L64X128MixRandom").create(11), () -> false);
            double[] teacherForced = ReferenceScorer.logprobs(stories, prompt,
                    rows.stream().map(SampledSequence::tokenIds).toList());
            for (int i = 0; i < rows.size(); i++) {
                assertEquals(teacherForced[i], rows.get(i).logprob(), 1e-3, "candidate " + i);
            }
        }
    }

    /**
     * SentencePiece prepends "▁" to every text it encodes: " there" alone is [▁, ▁there], but after a prompt it
     * is [▁there]. Scoring a candidate's text must see the ids the policy would have produced, so the sampled
     * texts, scored as text, get the log-prob the sampler recorded.
     */
    @Test
    void scoresTextAsItContinuesThePrompt() throws Exception {
        try (CausalLM stories = CausalLM.load(Shared.model("stories260K/hf"), Device.cpu())) {
            String prompt = "Once upon a time";
            long[] promptIds = stories.tokenizer().encode(prompt, true);
            long[] alone = stories.tokenizer().encode(" there", false);
            long[] after = stories.tokenizer().encodeContinuation(prompt, promptIds, true, " there");
            assertEquals(alone.length - 1, after.length, "the standalone encoding carries an extra '▁'");
            SamplingParams params = new SamplingParams(1.0, 1.0, 0, 0.0, 0, 24, List.of(), 3L);
            List<SampledSequence> rows = BatchSampler.sample(stories, promptIds, 6, params,
                    RandomGeneratorFactory.of("L64X128MixRandom").create(3), () -> false);
            double[] fromText = ReferenceScorer.logprobs(stories, prompt, rows.stream().map(SampledSequence::text).toList());
            int matched = 0;
            for (int i = 0; i < rows.size(); i++) {
                long[] ids = stories.tokenizer().encodeContinuation(prompt, promptIds, true, rows.get(i).text());
                if (java.util.Arrays.equals(ids, rows.get(i).tokenIds())) { // the text re-tokenizes to the same ids
                    assertEquals(rows.get(i).logprob(), fromText[i], 1e-3, "candidate " + i);
                    matched++;
                }
            }
            assertTrue(matched >= 4, "most sampled texts re-tokenize to their own ids, got " + matched);
        }
    }
}
