package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * nn.Linear: {@code y = x W^T + b}, weight (out, in) as PyTorch stores it; bias may be null. Under
 * {@link Dtype#INT8} the weight is int8 and {@code scale} (out) bfloat16 holds each row's step; otherwise scale is
 * null and the weight is in the compute dtype.
 */
record Linear(NDArray weight, NDArray scale, NDArray bias) {

    /** Rows up to which the int8 matmul runs libtorch's kernel, past which a dequantized GEMM: int8_linear.pt's. */
    static final int INT8_KERNEL_ROWS = 32;

    Linear(NDArray weight, NDArray bias) {
        this(weight, null, bias);
    }

    static Linear load(Weights checkpoint, NDManager manager, String prefix, boolean hasBias) {
        NDArray bias = hasBias ? checkpoint.load(manager, prefix + ".bias") : null;
        if (checkpoint.dtype() == Dtype.INT8) {
            try (NDArray weight = checkpoint.loadFloat32(manager, prefix + ".weight")) {
                return quantize(weight, bias);
            }
        }
        return new Linear(checkpoint.load(manager, prefix + ".weight"), bias);
    }

    /**
     * A float32 weight (out, in) in int8 with one scale a row: {@code s = max |w_row| / 127} rounded to bfloat16
     * (the dtype the kernel reads it in), {@code q = round(w / s)} clamped to [-127, 127]. Symmetric per-channel
     * weight-only quantization, as torch.ao's int8 weight-only linear; the arrays belong to the weight's manager.
     */
    static Linear quantize(NDArray weight, NDArray bias) { // (out, in) float32
        try (NDScope scope = new NDScope()) {
            NDArray rowMax = weight.abs().max(new int[] {1}, true);                               // (out, 1)
            NDArray scale = Dtype.INT8.cast(rowMax.div(127f).maximum(Float.MIN_NORMAL));           // (out, 1) bf16
            NDArray step = scale.toType(DataType.FLOAT32, false);                                  // (out, 1)
            NDArray quantized = weight.div(step).round().clip(-127, 127).toType(DataType.INT8, false);
            NDArray rowScale = scale.reshape(-1);                                                  // (out)
            NDScope.unregister(quantized, rowScale);
            return new Linear(quantized, rowScale, bias);
        }
    }

    /**
     * As one (rows, in) x (in, out) GEMM: libtorch's bfloat16 linear over a strided 3-d input (a chunk of positions
     * sliced from the hidden states) takes a batched path 15x slower than float32's; flattened it is the fast one.
     */
    NDArray forward(NDArray x) { // (..., in) -> (..., out)
        Shape shape = x.getShape();
        NDArray rows = shape.dimension() > 2 ? x.reshape(-1, shape.get(shape.dimension() - 1)) : x;
        NDArray y;
        if (scale != null) {
            y = Int8Matmul.MODULE.forward(rows, weight, scale);
            if (bias != null) {
                y = y.add(bias);
            }
        } else {
            y = bias == null
                    ? ai.djl.nn.core.Linear.linear(rows, weight).singletonOrThrow()
                    : ai.djl.nn.core.Linear.linear(rows, weight, bias).singletonOrThrow();
        }
        if (rows == x) {
            return y;
        }
        long[] out = shape.getShape().clone();
        out[out.length - 1] = weight.getShape().get(0);
        return y.reshape(new Shape(out));
    }

    /**
     * libtorch's {@code _weight_int8pack_mm} for a few rows (a decode step), a GEMM on the weight dequantized for
     * more (a prefill): src/test/python/make_int8_linear.py. Loaded once per JVM, on first use.
     */
    private static final class Int8Matmul {
        static final ScriptModule MODULE = new ScriptModule("int8_linear");
    }
}
