package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * LlamaAttention and the deltas families add to it, each named by its checkpoint key: biases on the projections
 * (Qwen2, Llama's attention_bias), {@code q_norm}/{@code k_norm} over each head (Qwen3, Gemma 3), a scaling other
 * than head_dim^-0.5 and attention logit soft-capping (Gemma 2). The sliding window is in the mask it is given.
 * {@code qkvProj} is q_proj, k_proj and v_proj as one matmul (Phi-3's checkpoint key).
 */
record SelfAttention(MergedLinear qkvProj, Linear oProj, RmsNorm qNorm, RmsNorm kNorm, Shape shape) {

    /** Heads and scaling; {@code attnLogitSoftcapping} null when the family has none. */
    record Shape(int heads, int kvHeads, int headDim, double scaling, Double attnLogitSoftcapping, Dtype dtype) {}

    NDArray forward(NDArray x, int layer, NDList cosSin, Attention.Mask mask, KvCache cache) { // (B, T, hidden)
        NDList qkv = qkvProj.forward(x);                          // views of one matmul, (B, T, heads * headDim) ...
        NDArray q = qkv.get(0);
        NDArray k = qkv.get(1);
        NDArray v = qkv.get(2);
        if (qNorm != null) {                                      // over each head: (B, T, heads, headDim)
            q = qNorm.forward(perHead(q, shape.heads()));
            k = kNorm.forward(perHead(k, shape.kvHeads()));
        }
        long tokens = x.getShape().get(1);
        long keys = (cache == null ? 0 : cache.length()) + tokens;
        boolean autograd = qkvProj.autograd(); // the lab's weights: op by op, so that autograd records it
        if (!autograd && Attention.queryChunk(x.getShape().get(0), shape.heads(), keys) >= tokens) {
            return oProj.forward(Attention.cached(q, k, v, cosSin, mask, cache, layer, shape)); // one call
        }
        q = Attention.splitHeads(q, shape.heads(), shape.headDim());                   // (B, heads, T, headDim)
        k = Attention.splitHeads(k, shape.kvHeads(), shape.headDim());                 // (B, kvHeads, T, headDim)
        v = Attention.splitHeads(v, shape.kvHeads(), shape.headDim());                 // (B, kvHeads, T, headDim)
        NDList rotated = RotaryEmbedding.apply(q, k, cosSin, autograd);
        q = rotated.get(0);
        k = rotated.get(1);
        NDList past = cache == null ? new NDList(k, v) : cache.update(layer, k, v);     // (B, kvHeads, S, headDim)
        NDArray out = Attention.attention(q, past.get(0), past.get(1), mask, shape.scaling(),
                shape.attnLogitSoftcapping(), shape.dtype(), autograd);                 // (B, heads, T, headDim)
        return oProj.forward(Attention.mergeHeads(out));                                // (B, T, hidden)
    }

    private NDArray perHead(NDArray x, int heads) { // (B, T, heads * headDim) -> (B, T, heads, headDim)
        return x.reshape(x.getShape().get(0), x.getShape().get(1), heads, shape.headDim());
    }
}
