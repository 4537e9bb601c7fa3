package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

/**
 * LlamaRotaryEmbedding and apply_rotary_pos_emb of transformers' modeling_llama.py (with Phi-3's partial rotary
 * variant): cos/sin of position * inv_freq in float32, times the init function's attention scaling, cast to the
 * hidden states' dtype. Which {@link Rope} variant made the frequencies is invisible to the attention code.
 */
final class RotaryEmbedding {

    private final Rope.Parameters parameters;
    private final Rope.InitFunction init;
    private final Rope.Frequencies original;

    RotaryEmbedding(Rope.Parameters parameters) {
        this.parameters = parameters;
        this.init = Rope.initFunction(parameters.ropeType());
        if (parameters.dim() > parameters.headDim() || parameters.dim() % 2 != 0) {
            throw new IllegalArgumentException("partial_rotary_factor gives a rotary width of " + parameters.dim()
                    + " for head_dim " + parameters.headDim() + "; it must be even and at most head_dim");
        }
        this.original = init.compute(parameters, 0); // transformers' init call, with no sequence yet
    }

    String ropeType() {
        return parameters.ropeType();
    }

    /** The frequencies for the longest sequence in this call (dynamic and longrope depend on it). */
    private Rope.Frequencies frequencies(NDArray positions) {
        if (!Rope.LENGTH_DEPENDENT.contains(parameters.ropeType())) {
            return original;
        }
        long seqLen = positions.max().getLong() + 1;
        return init.compute(parameters, seqLen);
    }

    /** cos and sin for each position, (B, 1, T, rotaryDim) each, in {@code dtype}. */
    NDList cosSin(NDArray positions, Dtype dtype) { // (B, T)
        Rope.Frequencies f = frequencies(positions);
        NDArray freqs = positions.toType(DataType.FLOAT32, false).expandDims(2)
                .mul(positions.getManager().create(f.invFreq()));           // (B, T, rotaryDim / 2)
        NDArray emb = freqs.concat(freqs, 2).expandDims(1);                  // (B, 1, T, rotaryDim)
        NDArray cos = emb.cos();
        NDArray sin = emb.sin();
        if (f.attentionScaling() != 1.0) {
            cos = cos.mul((float) f.attentionScaling());
            sin = sin.mul((float) f.attentionScaling());
        }
        return new NDList(dtype.cast(cos), dtype.cast(sin));
    }

    /**
     * apply_rotary_pos_emb: q and k rotated, in one call to rotary.pt ({@link Fused}), or op by op when autograd
     * must record it (the lab's training: DJL runs TorchScript without autograd).
     */
    static NDList apply(NDArray q, NDArray k, NDList cosSin, boolean autograd) { // (B, heads | kvHeads, T, hd) each
        if (autograd) {
            return new NDList(rotate(q, cosSin), rotate(k, cosSin));
        }
        return Fused.MODULE.forwardTuple(q, k, cosSin.get(0), cosSin.get(1));
    }

    /** x * cos + rotate_half(x) * sin over the first rotaryDim dimensions; the rest pass through (Phi-3). */
    static NDArray rotate(NDArray x, NDList cosSin) { // (B, heads, T, headDim)
        NDArray cos = cosSin.get(0);
        NDArray sin = cosSin.get(1);
        long rotaryDim = cos.getShape().get(3);
        long headDim = x.getShape().get(3);
        if (rotaryDim == headDim) {
            return x.mul(cos).add(rotateHalf(x).mul(sin));
        }
        NDArray rot = x.get("..., :" + rotaryDim);
        NDArray pass = x.get("..., " + rotaryDim + ":");
        return rot.mul(cos).add(rotateHalf(rot).mul(sin)).concat(pass, 3);
    }

    /** (x1, x2) -> (-x2, x1) over the two halves of the last axis. */
    private static NDArray rotateHalf(NDArray x) {
        long half = x.getShape().get(3) / 2;
        return x.get("..., " + half + ":").neg().concat(x.get("..., :" + half), 3);
    }

    /** src/test/python/make_fused_ops.py's rotary.pt, loaded once per JVM on first use. */
    private static final class Fused {
        static final ScriptModule MODULE = new ScriptModule("rotary");
    }
}
