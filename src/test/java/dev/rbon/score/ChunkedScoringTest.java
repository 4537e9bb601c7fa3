package dev.rbon.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.rbon.Shared;
import dev.rbon.model.CausalLM;
import dev.rbon.model.SentenceEmbedder;
import dev.rbon.model.SequenceClassifier;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Scoring in the smallest passes the budgets allow (one row per pass, a row longer than that read in parts of one
 * token carrying its KV cache, one position per lm_head chunk) gives what scoring in one pass gives, in the candidates' own order, on real checkpoints; and the passes a budget cuts keep
 * to it.
 */
class ChunkedScoringTest {

    private static final int DEFAULT_TOKENS = TokenBudget.tokensPerPass;
    private static final long DEFAULT_LOGITS = TokenBudget.logitElements;

    /** Responses of different lengths, not sorted, so the passes reorder them. */
    private static final List<String> RESPONSES = List.of(" a cat", " the dog ran far away from the house today",
            "", " and then, after a long while, the sun came out over the hills", " yes");

    @AfterEach
    void restore() {
        TokenBudget.configure(DEFAULT_TOKENS, DEFAULT_LOGITS);
    }

    private static <T> T smallest(Supplier<T> scoring) {
        TokenBudget.configure(1, 1);
        try {
            return scoring.get();
        } finally {
            TokenBudget.configure(DEFAULT_TOKENS, DEFAULT_LOGITS);
        }
    }

    /** l_i per candidate; gemma2 soft-caps its final logits, per chunk as a whole. */
    @ParameterizedTest
    @ValueSource(strings = {"fixtures/hf-tiny/llama", "fixtures/hf-tiny/gpt2", "fixtures/hf-tiny-2/gemma2"})
    void referenceLogprobs(String name) throws Exception {
        try (CausalLM lm = CausalLM.load(Shared.dir().resolve(name), Device.cpu())) {
            double[] whole = ReferenceScorer.logprobs(lm, "Once upon a time", RESPONSES);
            double[] chunked = smallest(() -> ReferenceScorer.logprobs(lm, "Once upon a time", RESPONSES));
            assertArrayEquals(whole, chunked, 1e-4, name);
            for (int i = 0; i < RESPONSES.size(); i++) {
                double alone = ReferenceScorer.logprobs(lm, "Once upon a time", List.of(RESPONSES.get(i)))[0];
                assertEquals(alone, whole[i], 1e-4, name + " candidate " + i + " in its place");
            }
        }
    }

    /** The API's per-token log-probs and top alternatives. */
    @Test
    void tokenLogprobsWithAlternatives() throws Exception {
        try (CausalLM lm = CausalLM.load(Shared.hfTiny("qwen2"), Device.cpu())) {
            long[] prompt = lm.tokenizer().encode("Hello there", true);
            Random random = new Random(5);
            List<long[]> responses = List.of(random.longs(7, 1, lm.vocabSize()).toArray(),
                    random.longs(2, 1, lm.vocabSize()).toArray(), random.longs(11, 1, lm.vocabSize()).toArray());
            List<List<TokenLogprobs.Token>> whole = TokenLogprobs.of(lm, prompt, responses, 5);
            List<List<TokenLogprobs.Token>> chunked = smallest(() -> TokenLogprobs.of(lm, prompt, responses, 5));
            for (int r = 0; r < responses.size(); r++) {
                assertEquals(responses.get(r).length, chunked.get(r).size());
                for (int t = 0; t < responses.get(r).length; t++) {
                    TokenLogprobs.Token a = whole.get(r).get(t);
                    TokenLogprobs.Token b = chunked.get(r).get(t);
                    assertEquals(responses.get(r)[t], b.id());
                    assertEquals(a.logprob(), b.logprob(), 1e-5, "row " + r + " token " + t);
                    assertArrayEquals(a.topIds(), b.topIds(), "row " + r + " token " + t);
                    assertArrayEquals(a.topLogprobs(), b.topLogprobs(), 1e-5);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fixtures/hf-tiny/reward-llama", "fixtures/hf-tiny/reward-gpt2"})
    void rewards(String name) throws Exception {
        try (SequenceClassifier reward = SequenceClassifier.load(Shared.dir().resolve(name), Device.cpu())) {
            double[] whole = RewardScorer.rewards(reward, RewardInput.text(reward.tokenizer()), Conversation.of("Once upon a time"), RESPONSES);
            double[] chunked = smallest(() -> RewardScorer.rewards(reward, RewardInput.text(reward.tokenizer()), Conversation.of("Once upon a time"), RESPONSES));
            assertArrayEquals(whole, chunked, 1e-5, name);
            assertEquals(RewardScorer.rewards(reward, RewardInput.text(reward.tokenizer()), Conversation.of("Once upon a time"), List.of(RESPONSES.get(3)))[0], whole[3], 1e-5);
        }
    }

    @Test
    void similarity() throws Exception {
        try (SentenceEmbedder embedder = SentenceEmbedder.defaultModel()) {
            double[][] whole = SimilarityScorer.similarity(embedder, RESPONSES);
            double[][] chunked = smallest(() -> SimilarityScorer.similarity(embedder, RESPONSES));
            for (int i = 0; i < whole.length; i++) {
                assertArrayEquals(whole[i], chunked[i], 1e-5, "row " + i);
            }
        }
    }

    /** Each pass is within the budget (or one row), longest first; every row is in exactly one pass. */
    @Test
    void passesKeepToTheBudget() {
        Random random = new Random(1);
        for (int budget : new int[] {1, 50, 4096}) {
            TokenBudget.configure(budget, DEFAULT_LOGITS);
            int[] lengths = random.ints(40, 0, 300).toArray();
            boolean[] seen = new boolean[lengths.length];
            int previous = Integer.MAX_VALUE;
            for (int[] pass : TokenBudget.passes(lengths)) {
                int padded = Arrays.stream(pass).map(i -> lengths[i]).max().orElseThrow();
                assertTrue(pass.length == 1 || pass.length * padded <= budget, "budget " + budget);
                for (int i : pass) {
                    assertTrue(!seen[i] && lengths[i] <= previous, "row " + i);
                    seen[i] = true;
                    previous = lengths[i];
                }
            }
            for (boolean s : seen) {
                assertTrue(s);
            }
        }
    }
}
