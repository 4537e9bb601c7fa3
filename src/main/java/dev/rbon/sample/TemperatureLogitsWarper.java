package dev.rbon.sample;

// Mirrors transformers' TemperatureLogitsWarper (generation/logits_process.py).

/**
 * Divides the scores by the temperature. Like torch's {@code scores / temperature} on a float32 tensor, the division
 * is done in float32 by the temperature rounded to float32 (bit-for-bit what the fixture holds).
 */
public final class TemperatureLogitsWarper implements LogitsProcessor {

    private final float temperature;

    public TemperatureLogitsWarper(double temperature) {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException(
                    "temperature must be a finite number > 0 (use greedy decoding for 0), got " + temperature);
        }
        this.temperature = (float) temperature;
    }

    @Override
    public float[] apply(int[] inputIds, float[] scores) {
        float[] processed = new float[scores.length];
        for (int i = 0; i < scores.length; i++) {
            processed[i] = scores[i] / temperature;
        }
        return processed;
    }
}
