package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rbon.model.Dtype;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogitsProcessorListTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    private static List<Class<?>> chain(SamplingParams... rows) {
        SamplingBatch batch = SamplingBatch.of(List.of(rows), java.util.Collections.nCopies(rows.length, new long[0]));
        return LogitsProcessorList.of(batch, Dtype.FLOAT32).processors().stream().<Class<?>>map(Object::getClass)
                .toList();
    }

    @Test
    void buildsTransformersOrder() {
        assertEquals(List.of(NoRepeatNGramLogitsProcessor.class, TemperatureLogitsWarper.class, TopKLogitsWarper.class,
                TopPLogitsWarper.class, EpsilonLogitsWarper.class), chain(Rows.params(0.7, 0.9, 5, 0.02, 2)));
    }

    @Test
    void skipsProcessorsNoRowNeeds() {
        assertEquals(List.of(), chain(Rows.params(1.0, 1.0, 0, 0.0, 0)));
        assertEquals(List.of(TopKLogitsWarper.class), chain(Rows.params(1.0, 1.0, 5, 0.0, 0)));
        assertEquals(List.of(TemperatureLogitsWarper.class, EpsilonLogitsWarper.class),
                chain(Rows.params(1.6, 1.0, 0, 0.02, 0)));
        assertEquals(List.of(TemperatureLogitsWarper.class, TopPLogitsWarper.class),
                chain(Rows.params(1.6, 1.0, 0, 0.0, 0), Rows.params(1.0, 0.9, 0, 0.0, 0)));
    }

    @Test
    void greedyRowsNeedNoWarperButKeepNoRepeatNGram() {
        assertEquals(List.of(NoRepeatNGramLogitsProcessor.class), chain(Rows.params(0.0, 0.5, 5, 0.02, 3)));
        assertEquals(List.of(), chain(Rows.params(0.0, 0.5, 5, 0.02, 0)));
    }

    @Test
    void appliesTheProcessorsInOrder() {
        // ngram bans token 2 (1 -> 2 seen); temperature 0.5 doubles; top-k 2 then keeps 3 and 1 of {0, 1, -, 3}
        float[] processed = Rows.chain(Rows.params(0.5, 1.0, 2, 0.0, 2), Rows.longs(1, 2, 0, 1),
                new float[] {0f, 1f, 5f, 3f});
        assertArrayEquals(new float[] {NEG_INF, 2f, NEG_INF, 6f}, processed);
    }

    @Test
    void eachRowGetsItsOwnParametersAndNeutralRowsPassUnchanged() {
        SamplingBatch batch = SamplingBatch.of(
                List.of(Rows.params(0.5, 1.0, 2, 0.0, 2), Rows.params(1.0, 1.0, 0, 0.0, 0), Rows.params(0.0, 0.1, 1, 0.5, 0)),
                List.of(Rows.longs(1, 2, 0, 1), Rows.longs(1, 2, 0, 1), Rows.longs(1, 2, 0, 1)));
        float[] scores = {0f, 1f, 5f, 3f};
        float[][] out = Rows.apply(LogitsProcessorList.of(batch, Dtype.FLOAT32), batch,
                new float[][] {scores, scores, scores});
        assertArrayEquals(new float[] {NEG_INF, 2f, NEG_INF, 6f}, out[0]);
        assertArrayEquals(scores, out[1]);
        assertArrayEquals(scores, out[2], "a greedy row skips the warpers");
    }
}
