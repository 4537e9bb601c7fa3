package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class TemperatureLogitsWarperTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    @Test
    void dividesByTheTemperatureKeepingRemovedTokensRemoved() {
        float[] processed = Rows.apply(new TemperatureLogitsWarper(), Rows.params(0.5, 1.0, 0, 0.0, 0), new long[0], new float[] {1f, -2f, NEG_INF, 0f});
        assertArrayEquals(new float[] {2f, -4f, NEG_INF, 0f}, processed);
    }

    @Test
    void dividesInFloat32ByTheTemperatureRoundedToFloat32AsTorch() {
        // a logit of the fixture: transformers gives -2.5533013f, a division in double would give -2.553301f
        float logit = -1.7873108386993408f;
        float[] processed = Rows.apply(new TemperatureLogitsWarper(), Rows.params(0.7, 1.0, 0, 0.0, 0), new long[0], new float[] {logit});
        assertArrayEquals(new float[] {-2.5533013343811035f}, processed);
    }

}
