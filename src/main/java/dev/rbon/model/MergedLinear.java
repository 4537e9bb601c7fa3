package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;

/**
 * nn.Linear layers over the same input (q_proj, k_proj and v_proj; gate_proj and up_proj) as one matmul on their
 * weights' rows stacked, as vLLM's QKVParallelLinear and MergedColumnParallelLinear do, its output split back into
 * each layer's. A decode step of one row pays a call per matmul, and k_proj and v_proj are small: one call over the
 * stacked rows reads the same bytes. Weights held in memory (the lab's, trained in place) stay {@code apart}:
 * stacking would copy them out of the graph.
 *
 * @param merged the stacked layer, or null when apart
 * @param splits where each layer's out-features end in the stacked output, the last one's excepted
 * @param apart each layer on its own, or null when merged
 */
record MergedLinear(Linear merged, long[] splits, Linear[] apart) {

    /** The layers under {@code prefixes} ({@code model.layers.0.self_attn.q_proj}, ...), each with a bias or none. */
    static MergedLinear load(Weights checkpoint, NDManager manager, boolean hasBias, String... prefixes) {
        Dtype dtype = checkpoint.dtype();
        NDArray[] weights = new NDArray[prefixes.length];
        NDArray[] biases = new NDArray[prefixes.length];
        long[] widths = new long[prefixes.length];
        for (int i = 0; i < prefixes.length; i++) {
            String key = prefixes[i] + ".weight";
            weights[i] = dtype == Dtype.INT8 ? checkpoint.loadFloat32(manager, key) : checkpoint.load(manager, key);
            biases[i] = hasBias ? checkpoint.load(manager, prefixes[i] + ".bias") : null;
            widths[i] = weights[i].getShape().get(0);
        }
        if (checkpoint.lends()) {
            Linear[] apart = new Linear[prefixes.length];
            for (int i = 0; i < apart.length; i++) {
                apart[i] = Linear.of(weights[i], biases[i], dtype);
            }
            return new MergedLinear(null, null, apart);
        }
        NDArray stacked = NDArrays.concat(new NDList(weights), 0);                 // (sum of widths, in)
        NDArray bias = hasBias ? NDArrays.concat(new NDList(biases), 0) : null;   // (sum of widths)
        for (int i = 0; i < prefixes.length; i++) {
            weights[i].close();
            if (hasBias) {
                biases[i].close();
            }
        }
        return of(stacked, bias, widths, dtype);
    }

    /**
     * Layers whose checkpoint already stacks them (Phi-3's qkv_proj and gate_up_proj), each {@code widths} rows;
     * {@code weight} is float32 under int8, else in the compute dtype, and is owned from here on.
     */
    static MergedLinear of(NDArray weight, NDArray bias, long[] widths, Dtype dtype) {
        long[] splits = new long[widths.length - 1];
        for (int i = 0; i < splits.length; i++) {
            splits[i] = (i == 0 ? 0 : splits[i - 1]) + widths[i];
        }
        if (dtype != Dtype.INT8) {
            return new MergedLinear(Linear.of(weight, bias, dtype), splits, null);
        }
        try (weight) {
            return new MergedLinear(Linear.quantize(weight, bias), splits, null);
        }
    }

    /** Each layer's output, in order. */
    NDList forward(NDArray x) { // (..., in) -> (..., width) each
        if (merged == null) {
            NDList out = new NDList();
            for (Linear layer : apart) {
                out.add(layer.forward(x));
            }
            return out;
        }
        NDArray y = merged.forward(x);
        return y.split(splits, y.getShape().dimension() - 1); // views of the one output
    }

    /** The matmuls a forward runs. */
    List<Linear> layers() {
        return merged == null ? Arrays.asList(apart) : List.of(merged);
    }

    /** Whether the weights want a gradient (the lab's): autograd must see every op. */
    boolean autograd() {
        return (merged != null ? merged : apart[0]).weight().hasGradient();
    }
}
