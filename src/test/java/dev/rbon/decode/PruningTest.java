package dev.rbon.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rbon.sample.SamplingParams;
import dev.rbon.select.Method;
import dev.rbon.select.Prune;
import dev.rbon.select.RewardNormalization;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Speculative rejection on the default models, through the decoder a route calls: a seeded pruned request returns
 * the unpruned request's candidates token for token (those that finished whole, the pruned ones as prefixes), selects
 * among the finished ones, counts what it decoded, and keep 1 changes nothing.
 */
@QuarkusTest
class PruningTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Inject
    AlignedDecoder decoder;

    private static Generation generation(Method method, double beta, long seed) {
        SamplingParams sampling = new SamplingParams(1.0, 1.0, 0, 0.0, 0, 24, List.of(), seed);
        return Generation.sample("what colour is snow ?", null, sampling, 16, method, beta, RewardNormalization.NONE);
    }

    private Outcome decode(Generation g) throws Exception {
        return decoder.decode(g, TIMEOUT).get();
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = {"BON", "RBON_KL", "RBON_WD", "SRBON_KL"})
    void aPrunedRequestReturnsTheUnprunedCandidatesAndSelectsAmongTheFinished(Method method) throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            Outcome whole = decode(generation(method, 0.5, seed));
            Outcome pruned = decode(generation(method, 0.5, seed).pruning(new Prune(2, 0.5)));
            int prunedCount = 0;
            for (int i = 0; i < 16; i++) {
                Outcome.Candidate full = whole.candidates().get(i);
                Outcome.Candidate c = pruned.candidates().get(i);
                assertEquals(i, c.index());
                if (c.pruned()) {
                    prunedCount++;
                    assertEquals("pruned", c.finishReason());
                    assertEquals(c.tokens(), c.prunedAt());
                    assertEquals(0, c.prunedAt() % 2, "pruned at a decision point");
                    assertTrue(c.prunedAt() < full.tokens(), "it was still running");
                    assertArrayEquals(Arrays.copyOf(full.tokenIds(), c.tokens()), c.tokenIds(), "candidate " + i);
                    assertTrue(Double.isFinite(c.objective()));
                } else {
                    assertNull(c.prunedAt());
                    assertArrayEquals(full.tokenIds(), c.tokenIds(), "candidate " + i);
                    assertEquals(full.text(), c.text());
                    assertEquals(full.finishReason(), c.finishReason());
                    assertEquals(full.reward(), c.reward(), 1e-5, "a finished candidate's reward is its whole text's");
                }
            }
            assertTrue(prunedCount > 0, method + " seed " + seed + ": pruning at every 2 tokens pruned nothing");
            assertFalse(pruned.chosen().pruned(), "the selection runs over the finished candidates");
            int decoded = pruned.candidates().stream().mapToInt(Outcome.Candidate::tokens).sum();
            assertEquals(decoded, pruned.completionTokens());
            assertTrue(decoded < whole.completionTokens());
            assertTrue(pruned.timings().prune() > 0);
            assertEquals(0, whole.timings().prune());
        }
    }

    @Test
    void keepOneChangesNothing() throws Exception {
        Outcome whole = decode(generation(Method.RBON_KL, 0.5, 11));
        Outcome kept = decode(generation(Method.RBON_KL, 0.5, 11).pruning(new Prune(1, 1.0)));
        assertEquals(whole.chosenIndex(), kept.chosenIndex());
        for (int i = 0; i < 16; i++) {
            assertArrayEquals(whole.candidates().get(i).tokenIds(), kept.candidates().get(i).tokenIds());
            assertEquals(whole.candidates().get(i).objective(), kept.candidates().get(i).objective(), 1e-9);
            assertNull(kept.candidates().get(i).prunedAt());
        }
    }

    @Test
    void aRequestForTheBestFourKeepsFourAndALoneSurvivorIsReportedAsItDecodes() throws Exception {
        Outcome four = decode(generation(Method.BON, 0, 5).returning(4, null).pruning(new Prune(1, 0.01)));
        assertEquals(4, four.order().length);
        assertTrue(Arrays.stream(four.order()).noneMatch(i -> four.candidates().get(i).pruned()));

        List<String> texts = new ArrayList<>();
        ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
        Outcome one = decoder.decode(generation(Method.BON, 0, 5).pruning(new Prune(1, 0.01)), TIMEOUT,
                new Progress() {
                    @Override
                    public void winner(String text) {
                        texts.add(text);
                        events.add("winner");
                    }

                    @Override
                    public void sampled(int candidates) {
                        events.add("sampled");
                    }
                }).get();
        assertNotNull(one.chosen());
        assertFalse(texts.isEmpty(), "one candidate was left and none had finished: it is reported as it decodes");
        assertEquals(one.chosen().text(), texts.get(texts.size() - 1));
        for (int k = 1; k < texts.size(); k++) {
            assertTrue(texts.get(k).startsWith(texts.get(k - 1).stripTrailing()), texts.toString());
        }
        assertEquals("sampled", new ArrayList<>(events).get(events.size() - 1), "the winner streams before the pool ends");
        assertEquals(1, one.candidates().stream().filter(c -> !c.pruned()).count());
    }
}
