package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** nn.Linear: {@code y = x W^T + b}, weight (out, in) as PyTorch stores it; bias may be null. */
record Linear(NDArray weight, NDArray bias) {

    static Linear load(Weights checkpoint, ai.djl.ndarray.NDManager manager, String prefix, boolean hasBias) {
        return new Linear(
                checkpoint.load(manager, prefix + ".weight"),
                hasBias ? checkpoint.load(manager, prefix + ".bias") : null);
    }

    /**
     * As one (rows, in) x (in, out) GEMM: libtorch's bfloat16 linear over a strided 3-d input (a chunk of positions
     * sliced from the hidden states) takes a batched path 15x slower than float32's; flattened it is the fast one.
     */
    NDArray forward(NDArray x) { // (..., in) -> (..., out)
        Shape shape = x.getShape();
        NDArray rows = shape.dimension() > 2 ? x.reshape(-1, shape.get(shape.dimension() - 1)) : x;
        NDArray y = bias == null
                ? ai.djl.nn.core.Linear.linear(rows, weight).singletonOrThrow()
                : ai.djl.nn.core.Linear.linear(rows, weight, bias).singletonOrThrow();
        if (rows == x) {
            return y;
        }
        long[] out = shape.getShape().clone();
        out[out.length - 1] = weight.getShape().get(0);
        return y.reshape(new Shape(out));
    }
}
