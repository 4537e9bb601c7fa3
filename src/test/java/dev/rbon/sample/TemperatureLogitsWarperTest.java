package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TemperatureLogitsWarperTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    @Test
    void dividesByTheTemperatureKeepingRemovedTokensRemoved() {
        float[] processed = new TemperatureLogitsWarper(0.5).apply(new int[0], new float[] {1f, -2f, NEG_INF, 0f});
        assertArrayEquals(new float[] {2f, -4f, NEG_INF, 0f}, processed);
    }

    @Test
    void dividesInFloat32ByTheTemperatureRoundedToFloat32AsTorch() {
        // a logit of the fixture: transformers gives -2.5533013f, a division in double would give -2.553301f
        float logit = -1.7873108386993408f;
        float[] processed = new TemperatureLogitsWarper(0.7).apply(new int[0], new float[] {logit});
        assertArrayEquals(new float[] {-2.5533013343811035f}, processed);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, -0.5, Double.NaN, Double.POSITIVE_INFINITY})
    void rejectsATemperatureThatIsNotFiniteAndPositive(double temperature) {
        assertThrows(IllegalArgumentException.class, () -> new TemperatureLogitsWarper(temperature));
    }
}
