package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LogitsProcessorListTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    private static List<Class<?>> chain(double temperature, double topP, int topK, double epsilon, int ngram) {
        SamplingParams params = new SamplingParams(temperature, topP, topK, epsilon, ngram, 16, List.of(), null);
        return LogitsProcessorList.of(params).processors().stream().<Class<?>>map(Object::getClass).toList();
    }

    @Test
    void buildsTransformersOrder() {
        assertEquals(List.of(NoRepeatNGramLogitsProcessor.class, TemperatureLogitsWarper.class, TopKLogitsWarper.class,
                TopPLogitsWarper.class, EpsilonLogitsWarper.class), chain(0.7, 0.9, 5, 0.02, 2));
    }

    @Test
    void skipsNeutralValues() {
        assertEquals(List.of(), chain(1.0, 1.0, 0, 0.0, 0));
        assertEquals(List.of(TopKLogitsWarper.class), chain(1.0, 1.0, 5, 0.0, 0));
        assertEquals(List.of(TemperatureLogitsWarper.class, EpsilonLogitsWarper.class), chain(1.6, 1.0, 0, 0.02, 0));
    }

    @Test
    void greedySkipsTheWarpersButKeepsNoRepeatNGram() {
        assertEquals(List.of(NoRepeatNGramLogitsProcessor.class), chain(0.0, 0.5, 5, 0.02, 3));
        assertEquals(List.of(), chain(0.0, 0.5, 5, 0.02, 0));
    }

    @Test
    void appliesTheProcessorsInOrder() {
        // ngram bans token 2 (1 -> 2 seen); temperature 0.5 doubles; top-k 2 then keeps 3 and 1 of {0, 1, -, 3}
        SamplingParams params = new SamplingParams(0.5, 1.0, 2, 0.0, 2, 16, List.of(), null);
        float[] processed = LogitsProcessorList.of(params).apply(new int[] {1, 2, 0, 1}, new float[] {0f, 1f, 5f, 3f});
        assertArrayEquals(new float[] {NEG_INF, 2f, NEG_INF, 6f}, processed);
    }

    @Test
    void greedyWithNoRepeatNGramPicksTheBestAllowedToken() {
        SamplingParams greedy = new SamplingParams(0.0, 1.0, 0, 0.0, 2, 16, List.of(), null);
        float[] processed = LogitsProcessorList.of(greedy).apply(new int[] {1, 2, 0, 1}, new float[] {0f, 1f, 5f, 3f});
        assertEquals(3, TokenSampler.argmax(processed));
    }
}
