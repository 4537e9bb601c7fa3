package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Test-only: {@link CausalLM#forward} of a Llama-shaped model (Llama, Qwen2, Mistral: LlamaDecoderLayer, no q/k
 * norms, no soft-capping) taken apart op by op, each op timed into a named part. It calls the model's own parts
 * ({@link RmsNorm#forward}, {@link MergedLinear#forward}, {@link Attention#cached}, {@link Linear#forward},
 * {@link GatedMlp#gated}) in the order Llama.forward, SelfAttention and GatedMlp do on a decode step,
 * so production code carries no timer; {@link #logits} with {@link Parts#untimed()} must give CausalLM's logits
 * exactly, which StepSplitBenchmark checks before it trusts the split.
 */
public final class DecodeStepSplit {

    public static final String ROPE_TABLES = "positions, rope cos/sin, mask";
    public static final String EMBEDDING = "embedding lookup";
    public static final String NORMS = "norms (rms_norm.pt)";
    public static final String QKV_PROJ = "q/k/v_proj (one matmul)";
    public static final String O_PROJ = "o_proj";
    public static final String MASK = "attention mask bias (once a step)";
    public static final String ATTENTION = "attention+rope+cache (cached_attention.pt)";
    public static final String GATE_UP_PROJ = "gate/up_proj (one matmul)";
    public static final String DOWN_PROJ = "down_proj";
    public static final String ACTIVATION = "silu(gate) x up (gated_act.pt)";
    public static final String RESIDUAL = "residual adds";
    public static final String SCOPES = "layer sub-managers";
    public static final String FINAL_NORM = "final norm";
    public static final String LM_HEAD = "lm_head";
    public static final String LOGITS_FLOAT32 = "logits to float32";

    private DecodeStepSplit() {}

    /** Nanoseconds per named part; an untimed one runs the same calls without reading the clock. */
    public static final class Parts {
        private final Map<String, Long> nanos = new LinkedHashMap<>();
        private final boolean timed;

        private Parts(boolean timed) {
            this.timed = timed;
        }

        public static Parts timed() {
            return new Parts(true);
        }

        public static Parts untimed() {
            return new Parts(false);
        }

        public <T> T time(String part, Supplier<T> op) {
            if (!timed) {
                return op.get();
            }
            long start = System.nanoTime();
            T result = op.get();
            nanos.merge(part, System.nanoTime() - start, Long::sum);
            return result;
        }

        public Map<String, Long> nanos() {
            return nanos;
        }
    }

    /** What {@link CausalLM#forward} returns, (B, T, vocab) float32, with every op timed into {@code t}. */
    public static NDArray logits(CausalLM lm, NDArray inputIds, NDArray attentionMask, KvCache cache, Parts t) {
        Llama model = (Llama) field(lm, "model");
        Linear lmHead = (Linear) field(lm, "lmHead");
        if (model.finalLogitSoftcapping() != null) {
            throw new IllegalArgumentException("soft-capped logits are not split");
        }
        NDArray hidden = hiddenStates(model, inputIds, attentionMask, cache, t);
        NDArray logits = t.time(LM_HEAD, () -> lmHead.forward(hidden)); // (B, T, vocab)
        return t.time(LOGITS_FLOAT32, () -> logits.toType(DataType.FLOAT32, false));
    }

    /** Bytes of the weights one decode step reads: every layer's, the final norm's and the lm_head's. */
    public static long weightBytes(CausalLM lm) {
        Llama model = (Llama) field(lm, "model");
        int wide = model.dtype() == Dtype.FLOAT32 ? 4 : 2; // norms, biases, scales: the activations' dtype
        long bytes = bytes((Linear) field(lm, "lmHead"), wide)
                + ((RmsNorm) field(model, "norm")).weight().size() * wide;
        for (DecoderLayer layer : (DecoderLayer[]) field(model, "layers")) {
            Llama.LlamaDecoderLayer l = (Llama.LlamaDecoderLayer) layer;
            SelfAttention a = l.selfAttn();
            List<Linear> linears = new ArrayList<>(a.qkvProj().layers());
            linears.addAll(l.mlp().gateUpProj().layers());
            linears.addAll(List.of(a.oProj(), l.mlp().downProj()));
            for (Linear linear : linears) {
                bytes += bytes(linear, wide);
            }
            bytes += (l.inputLayernorm().weight().size() + l.postAttentionLayernorm().weight().size()) * wide;
        }
        return bytes;
    }

    /** An int8 weight is a byte an element, with a scale per row. */
    private static long bytes(Linear linear, int wide) {
        long bias = linear.bias() == null ? 0 : linear.bias().size() * wide;
        return linear.scale() == null ? linear.weight().size() * wide + bias
                : linear.weight().size() + linear.scale().size() * wide + bias;
    }

    /** Llama.forward. */
    private static NDArray hiddenStates(Llama model, NDArray inputIds, NDArray attentionMask, KvCache cache,
            Parts t) {
        Llama.Layout layout = (Llama.Layout) field(model, "layout");
        DecoderLayer[] layers = (DecoderLayer[]) field(model, "layers");
        if (layout.embedScale() != 1.0 || layout.qkNorm()) {
            throw new IllegalArgumentException("only Llama-shaped layers (no embedding scale, no q/k norms) are split");
        }
        long newTokens = inputIds.getShape().get(1);
        Map<String, NDList> rope = new HashMap<>();
        Map<String, Attention.Mask> mask = new HashMap<>();
        t.time(ROPE_TABLES, () -> {
            NDArray positions = Attention.positionIds(attentionMask, newTokens); // (B, T)
            for (String type : layout.rope().keySet()) {
                rope.put(type, layout.rope().get(type).cosSin(positions, model.dtype()));
                mask.put(type, Attention.Mask.causal(attentionMask, newTokens, layout.window().get(type)));
            }
            return null;
        });
        NDArray x = t.time(EMBEDDING, () -> Embedding.lookup(inputIds, model.inputEmbeddings())); // (B, T, hidden)
        for (int i = 0; i < layers.length; i++) {
            String type = layout.layerTypes()[i];
            x = layer((Llama.LlamaDecoderLayer) layers[i], x, i, rope.get(type), mask.get(type), cache, t);
        }
        RmsNorm norm = (RmsNorm) field(model, "norm");
        NDArray last = x;
        return t.time(FINAL_NORM, () -> norm.forward(last));
    }

    /** LayerScope.run around LlamaDecoderLayer.forward (SelfAttention and GatedMlp inlined). */
    private static NDArray layer(Llama.LlamaDecoderLayer l, NDArray x, int index, NDList cosSin,
            Attention.Mask mask, KvCache cache, Parts t) { // (B, T, hidden)
        NDManager caller = x.getManager();
        NDManager scope = t.time(SCOPES, () -> {
            NDManager layer = caller.newSubManager();
            x.attach(layer);
            return layer;
        });
        SelfAttention a = l.selfAttn();
        SelfAttention.Shape s = a.shape();
        NDArray normed = t.time(NORMS, () -> l.inputLayernorm().forward(x));
        NDList qkv = t.time(QKV_PROJ, () -> a.qkvProj().forward(normed));
        if (s.attnLogitSoftcapping() != null) {
            throw new IllegalArgumentException("soft-capped attention is not split");
        }
        long tokens = normed.getShape().get(1);
        t.time(MASK, () -> mask.bias(0, tokens, normed.getManager())); // built by the first layer, then kept
        NDArray merged = t.time(ATTENTION, () -> Attention.cached(qkv.get(0), qkv.get(1), qkv.get(2), cosSin, mask,
                cache, index, s));                                                            // (B, T, hidden)
        NDArray o = t.time(O_PROJ, () -> a.oProj().forward(merged));
        NDArray h = t.time(RESIDUAL, () -> x.add(o));
        NDArray out = mlp(l.mlp(), t.time(NORMS, () -> l.postAttentionLayernorm().forward(h)), t);
        NDArray y = t.time(RESIDUAL, () -> h.add(out));
        return t.time(SCOPES, () -> {
            y.attach(caller);
            scope.close();
            return y;
        });
    }

    /** GatedMlp.forward. */
    private static NDArray mlp(GatedMlp mlp, NDArray x, Parts t) {
        NDList gateUp = t.time(GATE_UP_PROJ, () -> mlp.gateUpProj().forward(x));              // (B, T, intermediate)
        NDArray product = t.time(ACTIVATION, () -> mlp.gated(gateUp.get(0), gateUp.get(1)));
        return t.time(DOWN_PROJ, () -> mlp.downProj().forward(product));                     // (B, T, hidden)
    }

    /** A private field of the model's classes: the split reads them rather than widening production's API. */
    private static Object field(Object owner, String name) {
        try {
            Field f = owner.getClass().getDeclaredField(name);
            f.setAccessible(true);
            return f.get(owner);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("no field " + name + " in " + owner.getClass(), e);
        }
    }
}
