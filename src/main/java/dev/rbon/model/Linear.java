package dev.rbon.model;

import ai.djl.ndarray.NDArray;

/** nn.Linear: {@code y = x W^T + b}, weight (out, in) as PyTorch stores it; bias may be null. */
record Linear(NDArray weight, NDArray bias) {

    static Linear load(Weights checkpoint, ai.djl.ndarray.NDManager manager, String prefix, boolean hasBias) {
        return new Linear(
                checkpoint.load(manager, prefix + ".weight"),
                hasBias ? checkpoint.load(manager, prefix + ".bias") : null);
    }

    NDArray forward(NDArray x) { // (..., in) -> (..., out)
        return bias == null
                ? ai.djl.nn.core.Linear.linear(x, weight).singletonOrThrow()
                : ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }
}
