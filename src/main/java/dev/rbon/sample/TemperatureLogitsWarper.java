package dev.rbon.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

// Mirrors transformers' TemperatureLogitsWarper (generation/logits_process.py).

/**
 * Divides each row's scores by its temperature. As torch's {@code scores / temperature} on a float32 tensor, the
 * division is float32 by the temperature rounded to float32. Greedy rows and rows at temperature 1 divide by 1,
 * which leaves them bit for bit unchanged.
 */
public final class TemperatureLogitsWarper implements LogitsProcessor {

    @Override
    public NDArray apply(SamplingBatch batch, NDArray scores) { // (B, V) -> (B, V)
        float[] temperatures = new float[batch.size()];
        for (int row = 0; row < temperatures.length; row++) {
            SamplingParams p = batch.params(row);
            temperatures[row] = p.greedy() ? 1f : (float) p.temperature();
        }
        try (NDArray divisor = scores.getManager().create(temperatures, new Shape(temperatures.length, 1))) { // (B, 1)
            return scores.div(divisor); // (B, V)
        }
    }
}
