package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import java.util.Set;

/**
 * LlamaMLP (also Gemma's, Qwen's, Mistral's): {@code down_proj(act(gate_proj(x)) * up_proj(x))}. The activation
 * is computed in float32 and rounded once, as torch's own silu and gelu kernels do for half-precision inputs;
 * act(gate) * up is one call to gated_act.pt ({@link Fused}) unless the weights want a gradient (the lab's).
 */
record GatedMlp(MergedLinear gateUpProj, Linear downProj, String hiddenAct, Dtype dtype) {

    static final Set<String> ACTIVATIONS = Set.of("silu", "gelu_pytorch_tanh");

    static String checkActivation(String key, String hiddenAct) {
        if (!ACTIVATIONS.contains(hiddenAct)) {
            throw new IllegalArgumentException(key + " " + hiddenAct + " is not supported; rbon supports " + ACTIVATIONS);
        }
        return hiddenAct;
    }

    /** The three projections under {@code prefix} ({@code model.layers.0.mlp}). */
    static GatedMlp load(Weights weights, NDManager manager, String prefix, boolean bias, String hiddenAct,
            Dtype dtype) {
        return new GatedMlp(MergedLinear.load(weights, manager, bias, prefix + ".gate_proj", prefix + ".up_proj"),
                Linear.load(weights, manager, prefix + ".down_proj", bias), checkActivation("hidden_act", hiddenAct),
                dtype);
    }

    NDArray forward(NDArray x) { // (B, T, hidden)
        NDList gateUp = gateUpProj.forward(x);                             // (B, T, intermediate) each
        return downProj.forward(gated(gateUp.get(0), gateUp.get(1)));      // (B, T, hidden)
    }

    /** act(gate) * up: one call to gated_act.pt, or op by op when the weights want a gradient. */
    NDArray gated(NDArray gate, NDArray up) {
        return downProj.weight().hasGradient() ? actOpByOp(gate).mul(up)
                : Fused.MODULE.forward(gate, up, hiddenAct.equals("gelu_pytorch_tanh"));
    }

    /** act(gate) as gated_act.pt computes it, op by op, so that autograd records it. */
    NDArray actOpByOp(NDArray gate) {
        return dtype == Dtype.FLOAT32 ? act(gate) : dtype.cast(act(gate.toType(DataType.FLOAT32, false)));
    }

    private NDArray act(NDArray x) {
        return hiddenAct.equals("silu") ? x.mul(Activation.sigmoid(x)) : geluTanh(x);
    }

    /** GELUTanh (gelu_pytorch_tanh; GPT-2's gelu_new): 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))). */
    static NDArray geluTanh(NDArray x) {
        NDArray inner = x.add(x.pow(3).mul(0.044715f)).mul((float) Math.sqrt(2.0 / Math.PI));
        return x.mul(0.5f).mul(inner.tanh().add(1f));
    }

    /** src/test/python/make_fused_ops.py's gated_act.pt, loaded once per JVM on first use. */
    private static final class Fused {
        static final ScriptModule MODULE = new ScriptModule("gated_act");
    }
}
