package dev.rbon.model;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * nn.Linear: {@code y = x W^T + b}, weight (out, in) as PyTorch stores it; bias may be null. The weight is in the
 * compute dtype, multiplied by libtorch's linear or, when {@code oneDnn}, by oneDNN's (see {@link #of}); under
 * {@link Dtype#INT8} it is int8 and {@code scale} (out) bfloat16 holds each row's step.
 */
record Linear(NDArray weight, NDArray scale, NDArray bias, boolean oneDnn) {

    /** Rows up to which the int8 matmul runs libtorch's kernel, past which a dequantized GEMM: int8_linear.pt's. */
    static final int INT8_KERNEL_ROWS = 32;

    private static final Logger LOG = Logger.getLogger(Linear.class);

    /** The weight as it lies, multiplied by libtorch's linear. */
    Linear(NDArray weight, NDArray bias) {
        this(weight, null, bias, false);
    }

    static Linear load(Weights checkpoint, NDManager manager, String prefix, boolean hasBias) {
        NDArray bias = hasBias ? checkpoint.load(manager, prefix + ".bias") : null;
        if (checkpoint.dtype() == Dtype.INT8) {
            try (NDArray weight = checkpoint.loadFloat32(manager, prefix + ".weight")) {
                return quantize(weight, bias);
            }
        }
        return of(checkpoint.load(manager, prefix + ".weight"), bias, checkpoint.dtype());
    }

    /**
     * A Linear that owns {@code weight}, in {@code dtype}, multiplied by oneDNN where the CPU's oneDNN takes the
     * dtype. A bfloat16 weight is reordered once into oneDNN's blocked layout and the given array closed: libtorch's
     * bfloat16 linear runs oneDNN too, but lays the stored weight out again in every call (a decode step of 16 rows
     * took 1.4x as long). A float32 weight stays as stored, which gives oneDNN's own GEMM: libtorch's float32 linear
     * is MKL's sgemm, which on an AMD EPYC took 2x as long over 150-600 rows and 1.35x over one. See {@link OneDnn}.
     */
    static Linear of(NDArray weight, NDArray bias, Dtype dtype) {
        if (!OneDnn.takes(weight, dtype)) {
            return new Linear(weight, bias);
        }
        if (dtype == Dtype.FLOAT32) {
            return new Linear(weight, null, bias, true);
        }
        try (weight) {
            return new Linear(OneDnn.PACK.forward(weight), null, bias, true);
        }
    }

    /**
     * A head tied to the input embedding, which the lookup keeps using: oneDNN's bfloat16 layout needs a copy of its
     * own (vocab x hidden more memory); otherwise the head is the embedding itself.
     */
    static Linear tied(NDArray embedding, Dtype dtype) {
        boolean packed = dtype != Dtype.FLOAT32 && OneDnn.takes(embedding, dtype); // packing closes what it is given
        return of(packed ? embedding.duplicate() : embedding, null, dtype);
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
            return new Linear(quantized, rowScale, bias, false);
        }
    }

    /**
     * As one (rows, in) x (in, out) GEMM: libtorch's bfloat16 linear over a strided 3-d input (a chunk of positions
     * sliced from the hidden states) takes a batched path 15x slower than float32's; flattened it is the fast one.
     * The int8 and oneDNN modules flatten and restore the shape themselves, a call each.
     */
    NDArray forward(NDArray x) { // (..., in) -> (..., out)
        NDArray[] biases = bias == null ? new NDArray[0] : new NDArray[] {bias};
        if (scale != null) {
            return Int8Matmul.MODULE.forward(x, weight, scale, biases);
        } else if (oneDnn) {
            return OneDnn.LINEAR.forward(x, weight, biases);
        }
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

    /**
     * libtorch's {@code _weight_int8pack_mm} for a few rows (a decode step), a GEMM on the weight dequantized for
     * more (a prefill): src/test/python/make_int8_linear.py. Loaded once per JVM, on first use.
     */
    private static final class Int8Matmul {
        static final ScriptModule MODULE = new ScriptModule("int8_linear");
    }

    /**
     * oneDNN's linear (src/test/python/make_packed_linear.py): on a bfloat16 weight reordered once into its blocked
     * layout, on a float32 one as stored. float32 is not reordered: on an AVX-512 AMD EPYC, libtorch 2.7.1's oneDNN
     * returned wrong sums from a packed float32 weight at most widths (its avx512_core brgemm kernel;
     * docs/models.md), where on the stored weight it takes its JIT GEMM, which matched libtorch's linear at every
     * width tried, as the bfloat16 kernel did. Whether this CPU's oneDNN takes a dtype is asked once: a CPU
     * without bfloat16 kernels refuses the reorder.
     */
    private static final class OneDnn {
        static final ScriptModule PACK = new ScriptModule("pack_linear");
        static final ScriptModule LINEAR = new ScriptModule("packed_linear");
        private static final Map<Dtype, Boolean> TAKES = new ConcurrentHashMap<>();

        /**
         * DJL reads a bfloat16 array's dtype as unknown, so the caller names it. A weight that wants a gradient (the
         * lab's) keeps libtorch's linear: DJL runs TorchScript without autograd.
         */
        static boolean takes(NDArray weight, Dtype dtype) {
            return (dtype == Dtype.FLOAT32 || dtype == Dtype.BFLOAT16) && !weight.hasGradient()
                    && weight.getDevice().getDeviceType().equals(Device.Type.CPU)
                    && TAKES.computeIfAbsent(dtype, OneDnn::works);
        }

        private static boolean works(Dtype dtype) {
            try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
                NDArray weight = dtype.cast(manager.ones(new Shape(2, 2)));
                NDArray x = dtype.cast(manager.ones(new Shape(1, 2)));
                LINEAR.forward(x, dtype == Dtype.FLOAT32 ? weight : PACK.forward(weight), new NDArray[0]);
                return true;
            } catch (EngineException e) {
                LOG.infof("oneDNN cannot multiply %s weights on this CPU (%s): libtorch's linear does",
                        dtype.configName(), e.getMessage());
                return false;
            }
        }
    }
}
