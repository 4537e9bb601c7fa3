package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SamplingParamsTest {

    private static SamplingParams params(double temperature, double topP, int topK, double epsilon, int ngram,
            int maxNewTokens) {
        return new SamplingParams(temperature, topP, topK, epsilon, ngram, maxNewTokens, List.of(), null);
    }

    @Test
    void defaultsAreRbonsNotTransformers() {
        SamplingParams defaults = SamplingParams.defaults();
        assertEquals(1.0, defaults.temperature());
        assertEquals(1.0, defaults.topP());
        assertEquals(0, defaults.topK());
        assertEquals(0.0, defaults.epsilon());
        assertEquals(0, defaults.noRepeatNgramSize());
        assertEquals(64, defaults.maxNewTokens());
        assertEquals(List.of(), defaults.stop());
        assertNull(defaults.seed());
        assertFalse(defaults.greedy());
    }

    @Test
    void temperatureZeroIsGreedy() {
        assertTrue(params(0.0, 1.0, 0, 0.0, 0, 16).greedy());
        assertFalse(params(0.01, 1.0, 0, 0.0, 0, 16).greedy());
    }

    @Test
    void rejectsOutOfRangeValues() {
        assertThrows(IllegalArgumentException.class, () -> params(-0.1, 1.0, 0, 0.0, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> params(Double.NaN, 1.0, 0, 0.0, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> params(Double.POSITIVE_INFINITY, 1.0, 0, 0.0, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> params(1.0, 0.0, 0, 0.0, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> params(1.0, 1.5, 0, 0.0, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> params(1.0, 1.0, -1, 0.0, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> params(1.0, 1.0, 0, -0.1, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> params(1.0, 1.0, 0, 1.0, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> params(1.0, 1.0, 0, 0.0, -1, 16));
        assertThrows(IllegalArgumentException.class, () -> params(1.0, 1.0, 0, 0.0, 0, 0));
    }

    @Test
    void stopIsAnImmutableCopyAndNullMeansNone() {
        List<String> stop = new ArrayList<>(List.of("\n\n"));
        SamplingParams params = new SamplingParams(1.0, 1.0, 0, 0.0, 0, 16, stop, 7L);
        stop.add("###");
        assertEquals(List.of("\n\n"), params.stop());
        assertThrows(UnsupportedOperationException.class, () -> params.stop().add("x"));
        assertEquals(List.of(), new SamplingParams(1.0, 1.0, 0, 0.0, 0, 16, null, null).stop());
    }

    @Test
    void rejectsEmptyOrNullStopStrings() {
        assertThrows(IllegalArgumentException.class,
                () -> new SamplingParams(1.0, 1.0, 0, 0.0, 0, 16, List.of(""), null));
        List<String> withNull = new ArrayList<>();
        withNull.add(null);
        assertThrows(NullPointerException.class, () -> new SamplingParams(1.0, 1.0, 0, 0.0, 0, 16, withNull, null));
    }
}
