package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * RMSNorm over the last axis, accumulated in float32 as transformers does in either form:
 * LlamaRMSNorm ({@code weight * x_hat.to(dtype)}, weight in the compute dtype) or Gemma2RMSNorm
 * ({@code (x_hat * (1 + weight.float())).to(dtype)}, the (1 + w) kept in float32). Served as one call to
 * rms_norm.pt ({@link Fused}); a weight that wants a gradient (the lab's) takes the same math op by op.
 */
record RmsNorm(NDArray weight, float eps, boolean unitOffset, Dtype dtype) {

    /** LlamaRMSNorm; {@code key} is the norm's prefix, e.g. {@code model.norm}. */
    static RmsNorm llama(Weights weights, NDManager manager, String key, double eps, Dtype dtype) {
        return new RmsNorm(weights.load(manager, key + ".weight"), (float) eps, false, dtype);
    }

    /** Gemma2RMSNorm: its checkpoint stores w, and it multiplies by 1 + w (computed once, in float32). */
    static RmsNorm gemma(Checkpoint checkpoint, NDManager manager, String key, double eps) {
        NDArray w = checkpoint.loadFloat32(manager, key + ".weight");
        NDArray onePlusW = w.add(1f);
        w.close();
        return new RmsNorm(onePlusW, (float) eps, true, checkpoint.dtype());
    }

    NDArray forward(NDArray x) { // (..., dim)
        if (weight.hasGradient()) {
            return opByOp(x);
        }
        return Fused.MODULE.forward(x, weight, (double) eps, unitOffset);
    }

    NDArray opByOp(NDArray x) { // (..., dim)
        NDArray x32 = x.toType(DataType.FLOAT32, false);
        NDArray variance = x32.square().mean(new int[] {-1}, true); // (..., 1)
        NDArray normed = x32.div(variance.add(eps).sqrt());
        return unitOffset ? dtype.cast(normed.mul(weight)) : dtype.cast(normed).mul(weight);
    }

    /** src/test/python/make_fused_ops.py's rms_norm.pt, loaded once per JVM on first use. */
    private static final class Fused {
        static final ScriptModule MODULE = new ScriptModule("rms_norm");
    }
}
