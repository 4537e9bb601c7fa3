package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Test-only: {@link CausalLM#forward} of a Llama-shaped model (Llama, Qwen2, Mistral: LlamaDecoderLayer, no q/k
 * norms, no soft-capping) taken apart op by op, each op timed into a named part. It calls the model's own parts
 * ({@link Linear#forward}, {@link RotaryEmbedding#apply}, {@link KvCache#update}, {@link Attention.Mask#bias},
 * {@link Dtype#cast}) in the order Llama.forward, SelfAttention, Attention.attention, RmsNorm and GatedMlp do, so
 * production code carries no timer; {@link #logits} with {@link Parts#untimed()} must give CausalLM's logits
 * exactly, which StepSplitBenchmark checks before it trusts the split.
 */
public final class DecodeStepSplit {

    public static final String ROPE_TABLES = "positions, rope cos/sin, mask";
    public static final String EMBEDDING = "embedding lookup";
    public static final String NORMS = "norms (float32 math, x weight)";
    public static final String TO_FLOAT32 = "casts to float32 (norms, silu, softmax)";
    public static final String TO_DTYPE = "casts to the compute dtype (TorchScript)";
    public static final String Q_PROJ = "q_proj";
    public static final String K_PROJ = "k_proj";
    public static final String V_PROJ = "v_proj";
    public static final String O_PROJ = "o_proj";
    public static final String HEADS = "head split/merge (reshape, transpose)";
    public static final String ROPE = "rope (q and k)";
    public static final String KV_CACHE = "KV cache append + views";
    public static final String SCORES = "attention scores q k^T (scale)";
    public static final String MASK = "attention mask bias";
    public static final String SOFTMAX = "attention softmax (float32, + bias)";
    public static final String WEIGHTED_SUM = "attention p v";
    public static final String GATE_PROJ = "gate_proj";
    public static final String UP_PROJ = "up_proj";
    public static final String DOWN_PROJ = "down_proj";
    public static final String ACTIVATION = "silu(gate) x up";
    public static final String RESIDUAL = "residual adds";
    public static final String SCOPES = "layer/attention sub-managers";
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
            for (Linear linear : new Linear[] {a.qProj(), a.kProj(), a.vProj(), a.oProj(), l.mlp().gateProj(),
                    l.mlp().upProj(), l.mlp().downProj()}) {
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
        return rmsNorm((RmsNorm) field(model, "norm"), x, t, FINAL_NORM, FINAL_NORM, FINAL_NORM);
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
        NDArray normed = rmsNorm(l.inputLayernorm(), x, t, NORMS, TO_FLOAT32, TO_DTYPE);
        NDArray q0 = t.time(Q_PROJ, () -> a.qProj().forward(normed));
        NDArray k0 = t.time(K_PROJ, () -> a.kProj().forward(normed));
        NDArray v0 = t.time(V_PROJ, () -> a.vProj().forward(normed));
        NDArray q1 = t.time(HEADS, () -> Attention.splitHeads(q0, s.heads(), s.headDim()));   // (B, heads, T, hd)
        NDArray k1 = t.time(HEADS, () -> Attention.splitHeads(k0, s.kvHeads(), s.headDim())); // (B, kvHeads, T, hd)
        NDArray v = t.time(HEADS, () -> Attention.splitHeads(v0, s.kvHeads(), s.headDim()));
        NDArray q = t.time(ROPE, () -> RotaryEmbedding.apply(q1, cosSin));
        NDArray k = t.time(ROPE, () -> RotaryEmbedding.apply(k1, cosSin));
        NDList past = t.time(KV_CACHE, () -> cache == null ? new NDList(k, v) : cache.update(index, k, v));
        NDArray context = attention(q, past.get(0), past.get(1), mask, s, t);                 // (B, heads, T, hd)
        NDArray merged = t.time(HEADS, () -> Attention.mergeHeads(context));                  // (B, T, hidden)
        NDArray o = t.time(O_PROJ, () -> a.oProj().forward(merged));
        NDArray h = t.time(RESIDUAL, () -> x.add(o));
        NDArray out = mlp(l.mlp(), rmsNorm(l.postAttentionLayernorm(), h, t, NORMS, TO_FLOAT32, TO_DTYPE), t);
        NDArray y = t.time(RESIDUAL, () -> h.add(out));
        return t.time(SCOPES, () -> {
            y.attach(caller);
            scope.close();
            return y;
        });
    }

    /** RmsNorm.forward (LlamaRMSNorm), its float32 math and its two casts timed apart. */
    private static NDArray rmsNorm(RmsNorm n, NDArray x, Parts t, String math, String toFloat32, String toDtype) {
        if (n.unitOffset()) {
            throw new IllegalArgumentException("Gemma's (1 + w) norms are not split");
        }
        NDArray x32 = t.time(toFloat32, () -> x.toType(DataType.FLOAT32, false));
        NDArray normed = t.time(math, () -> x32.div(x32.square().mean(new int[] {-1}, true).add(n.eps()).sqrt()));
        NDArray rounded = t.time(toDtype, () -> n.dtype().cast(normed));
        return t.time(math, () -> rounded.mul(n.weight()));
    }

    /** GatedMlp.forward with silu. */
    private static NDArray mlp(GatedMlp mlp, NDArray x, Parts t) {
        if (!mlp.hiddenAct().equals("silu")) {
            throw new IllegalArgumentException("only silu MLPs are split");
        }
        NDArray gate = t.time(GATE_PROJ, () -> mlp.gateProj().forward(x));                   // (B, T, intermediate)
        NDArray activated;
        if (mlp.dtype() == Dtype.FLOAT32) {
            activated = t.time(ACTIVATION, () -> gate.mul(Activation.sigmoid(gate)));
        } else {
            NDArray gate32 = t.time(TO_FLOAT32, () -> gate.toType(DataType.FLOAT32, false));
            NDArray silu = t.time(ACTIVATION, () -> gate32.mul(Activation.sigmoid(gate32)));
            activated = t.time(TO_DTYPE, () -> mlp.dtype().cast(silu));
        }
        NDArray up = t.time(UP_PROJ, () -> mlp.upProj().forward(x));
        NDArray product = t.time(ACTIVATION, () -> activated.mul(up));
        return t.time(DOWN_PROJ, () -> mlp.downProj().forward(product));                     // (B, T, hidden)
    }

    /** Attention.attention without soft-capping, each of its steps timed. */
    private static NDArray attention(NDArray q, NDArray k, NDArray v, Attention.Mask mask, SelfAttention.Shape s,
            Parts t) { // q (B, heads, T, hd), k and v (B, kvHeads, S, hd) -> (B, heads, T, hd)
        if (s.attnLogitSoftcapping() != null) {
            throw new IllegalArgumentException("soft-capped attention is not split");
        }
        long rows = q.getShape().get(0);
        long heads = q.getShape().get(1);
        long tokens = q.getShape().get(2);
        long headDim = q.getShape().get(3);
        long kvHeads = k.getShape().get(1);
        long keys = k.getShape().get(2);
        long nRep = heads / kvHeads;
        long chunk = Attention.queryChunk(rows, heads, keys);
        NDManager owner = q.getManager();
        NDList out = new NDList();
        for (long from = 0; from < tokens; from += chunk) {
            long start = from;
            long to = Math.min(tokens, from + chunk);
            long queries = to - from;
            NDManager block = t.time(SCOPES, owner::newSubManager);
            NDArray scores = t.time(SCORES, () -> {
                NDArray qc = Attention.own(block, q.get(":, :, " + start + ":" + to))
                        .reshape(rows, kvHeads, nRep * queries, headDim);                   // (B, kvHeads, nRep Tc, hd)
                NDArray kT = Attention.own(block, k.transpose(0, 1, 3, 2));                // (B, kvHeads, hd, S)
                return Dtype.scale(qc.matMul(kT), s.scaling())
                        .reshape(rows, kvHeads, nRep, queries, keys);                       // (B, kvHeads, nRep, Tc, S)
            });
            NDArray bias = t.time(MASK, () -> mask.bias(start, to, block));                // (B, 1, 1, Tc|1, S)
            NDArray scores32 = t.time(TO_FLOAT32, () -> scores.toType(DataType.FLOAT32, false));
            NDArray probs = t.time(SOFTMAX, () -> scores32.add(bias).softmax(4));           // (B, kvHeads, nRep, Tc, S)
            NDArray rounded = t.time(TO_DTYPE, () -> s.dtype().cast(probs));
            NDArray context = t.time(WEIGHTED_SUM, () -> rounded.reshape(rows, kvHeads, nRep * queries, keys)
                    .matMul(v));
            out.add(t.time(SCOPES, () -> {
                NDArray kept = Attention.own(owner, context.reshape(rows, heads, queries, headDim));
                block.close();
                return kept;
            }));
        }
        return out.size() == 1 ? out.get(0) : NDArrays.concat(out, 2);                       // (B, heads, T, hd)
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
