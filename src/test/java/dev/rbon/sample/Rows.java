package dev.rbon.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.rbon.model.Dtype;
import java.util.Arrays;
import java.util.List;

/** Test helper: runs the tensor processors on host-made rows and brings the result back; a row's KL from uniform. */
final class Rows {

    static final float NEG_INF = Float.NEGATIVE_INFINITY;

    private Rows() {}

    static SamplingParams params(double temperature, double topP, int topK, double epsilon, int ngram) {
        return new SamplingParams(temperature, topP, topK, epsilon, ngram, 16, List.of(), null);
    }

    static long[] longs(int... ids) {
        return Arrays.stream(ids).asLongStream().toArray();
    }

    /** One row through {@code processor}. */
    static float[] apply(LogitsProcessor processor, SamplingParams params, long[] history, float[] scores) {
        return apply(processor, SamplingBatch.of(List.of(params), List.of(history)), new float[][] {scores})[0];
    }

    /** One row through the chain the row's parameters build for a float32 model. */
    static float[] chain(SamplingParams params, long[] history, float[] scores) {
        return chain(params, history, scores, Dtype.FLOAT32);
    }

    /** One row through the chain the row's parameters build for a model computing in {@code modelDtype}. */
    static float[] chain(SamplingParams params, long[] history, float[] scores, Dtype modelDtype) {
        SamplingBatch batch = SamplingBatch.of(List.of(params), List.of(history));
        return apply(LogitsProcessorList.of(batch, modelDtype), batch, new float[][] {scores})[0];
    }

    static float[][] apply(LogitsProcessor processor, SamplingBatch batch, float[][] scores) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray input = matrix(manager, scores);
            float[] before = input.toFloatArray();
            float[] out = processor.apply(batch, input).toFloatArray();
            if (!Arrays.equals(before, input.toFloatArray())) {
                throw new AssertionError(processor.getClass().getSimpleName() + " modified its input");
            }
            return split(out, scores.length);
        }
    }

    static NDArray matrix(NDManager manager, float[][] rows) {
        float[] flat = new float[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * rows[0].length, rows[0].length);
        }
        return manager.create(flat, new Shape(rows.length, rows[0].length));
    }

    static float[][] split(float[] flat, int rows) {
        int width = flat.length / rows;
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOfRange(flat, r * width, (r + 1) * width);
        }
        return out;
    }

    /** KL(U || softmax(x)) in double: logsumexp(x) - mean(x) - log V, over {@code logits[from, from + vocab)}. */
    static double klFromUniform(float[] logits, int from, int vocab) {
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (int v = from; v < from + vocab; v++) {
            max = Math.max(max, logits[v]);
            sum += logits[v];
        }
        double exps = 0;
        for (int v = from; v < from + vocab; v++) {
            exps += Math.exp(logits[v] - max);
        }
        return max + Math.log(exps) - sum / vocab - Math.log(vocab);
    }

    static double klFromUniform(float[] logits) {
        return klFromUniform(logits, 0, logits.length);
    }
}
