package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** torch.nn.LayerNorm over the last axis, with its weight and bias (BERT, DeBERTa-v2, GPT-2). */
record LayerNorm(NDArray weight, NDArray bias) {

    /** {@code key} is the norm's prefix, e.g. {@code embeddings.LayerNorm} or {@code transformer.ln_f}. */
    static LayerNorm load(Weights weights, NDManager manager, String key) {
        return new LayerNorm(weights.load(manager, key + ".weight"), weights.load(manager, key + ".bias"));
    }

    NDArray forward(NDArray x, double eps) { // (..., dim)
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(weight.getShape().get(0)), weight, bias, (float) eps)
                .singletonOrThrow();
    }
}
