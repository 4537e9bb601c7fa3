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
        if (qNorm != null) {                                      // over each head: (B, T, heads, headDim)
            q = qNorm.forward(perHead(q, shape.heads()));
            k = kNorm.forward(perHead(k, shape.kvHeads()));
        }
        // the lab's weights want a gradient: op by op, so that autograd records it
        return oProj.forward(Attention.betweenProjections(q, k, qkv.get(2), cosSin, mask, cache, layer, shape,
                qkvProj.autograd()));                                                    // (B, T, hidden)
    }

    private NDArray perHead(NDArray x, int heads) { // (B, T, heads * headDim) -> (B, T, heads, headDim)
        return x.reshape(x.getShape().get(0), x.getShape().get(1), heads, shape.headDim());
    }
}
