package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The attention plumbing every architecture shares: position ids and masks (causal, padding, sliding window) from a
 * padded batch's attention mask, eager_attention_forward (scaled dot product with optional soft-capping, softmax in
 * float32), and grouped-query key/value sharing. Every result belongs to the manager of the request's own arrays,
 * never to the model's weights.
 */
final class Attention {

    private Attention() {}

    /**
     * Position of each of the last {@code newTokens} slots, counted over real tokens only, as transformers'
     * generate does ({@code cumsum(mask) - 1}), so a left-padded row starts at position 0. Padding gets 0.
     */
    static NDArray positionIds(NDArray attentionMask, long newTokens) { // (B, S) -> (B, T)
        long slots = attentionMask.getShape().get(1);
        NDArray positions = attentionMask.toType(DataType.INT64, false).cumSum(1).sub(1).maximum(0); // (B, S)
        return positions.get(":, " + (slots - newTokens) + ":"); // (B, T)
    }

    /**
     * Additive attention bias for the last {@code newTokens} query slots over all {@code S} key slots: 0 where a
     * query may look (the key is not in its future and is a real token), the lowest float elsewhere. A finite
     * minimum rather than -inf keeps rows with nothing to attend to (leading padding) free of NaN.
     */
    static NDArray causalBias(NDArray attentionMask, long newTokens) { // (B, S) -> (B, 1, T, S)
        return causalBias(attentionMask, newTokens, 0);
    }

    /**
     * The same with a sliding window ({@code window} > 0): a query at position i also sees only keys at positions
     * j with i - j < window, transformers' {@code sliding_window_overlay} ({@code kv_idx > q_idx - window}).
     * Positions count real tokens, so a left-padded row sees the same keys it would see alone (transformers counts
     * cache slots, which agrees on unpadded and right-padded rows).
     */
    static NDArray causalBias(NDArray attentionMask, long newTokens, int window) { // (B, S) -> (B, 1, T, S)
        NDManager manager = attentionMask.getManager();
        long slots = attentionMask.getShape().get(1);
        NDArray keySlot = manager.arange(0, slots, 1, DataType.INT64);                              // (S)
        NDArray querySlot = manager.arange(slots - newTokens, slots, 1, DataType.INT64).reshape(-1, 1); // (T, 1)
        NDArray causal = keySlot.lte(querySlot).expandDims(0);                                        // (1, T, S)
        NDArray real = attentionMask.eq(1).expandDims(1);                                             // (B, 1, S)
        NDArray allowed = causal.logicalAnd(real);                                                    // (B, T, S)
        if (window > 0) {
            NDArray positions = positionIds(attentionMask, slots);                                    // (B, S)
            NDArray queryPosition = positions.get(":, " + (slots - newTokens) + ":").expandDims(2);   // (B, T, 1)
            NDArray near = queryPosition.sub(positions.expandDims(1)).lt(window);                     // (B, T, S)
            allowed = allowed.logicalAnd(near);
        }
        return allowed.expandDims(1).toType(DataType.FLOAT32, false).sub(1).mul(Float.MAX_VALUE);     // (B, 1, T, S)
    }

    /** Bias that hides padding keys from every query: bidirectional encoders (BERT). */
    static NDArray paddingBias(NDArray attentionMask) { // (B, S) -> (B, 1, 1, S)
        return attentionMask.toType(DataType.FLOAT32, false).sub(1).mul(Float.MAX_VALUE).expandDims(1).expandDims(1);
    }

    /**
     * softmax(q k^T * scale + bias) v. {@code k} and {@code v} may be the cache's own arrays: whatever is derived
     * from them here belongs to the step (q's manager), else every step's copies would live as long as the cache.
     */
    static NDArray scaledDotProduct(NDArray q, NDArray k, NDArray v, NDArray bias, double scale) {
        return scaledDotProduct(q, k, v, bias, scale, null, Dtype.FLOAT32);
    }

    /**
     * eager_attention_forward: scores in the compute dtype, soft-capped ({@code tanh(s / cap) * cap}, Gemma 2)
     * before the mask, softmax in float32, then back to the compute dtype for the product with v.
     */
    static NDArray scaledDotProduct(NDArray q, NDArray k, NDArray v, NDArray bias, double scale, Double softcap,
            Dtype dtype) {
        NDArray kT = stepOwned(q, k.transpose(0, 1, 3, 2));                        // (B, heads, headDim, S)
        NDArray scores = Dtype.scale(q.matMul(kT), scale);                          // (B, heads, T, S)
        if (softcap != null) {
            scores = softcap(scores, softcap);
        }
        NDArray probs = scores.toType(DataType.FLOAT32, false).add(bias).softmax(3); // (B, heads, T, S) float32
        return dtype.cast(probs).matMul(v);                                         // (B, heads, T, headDim)
    }

    /** Soft-capping, {@code tanh(x / cap) * cap}: Gemma 2's attention logits and Gemma's final logits. */
    static NDArray softcap(NDArray x, double cap) {
        NDArray c = x.getManager().create((float) cap);
        return x.div(c).tanh().mul(c);
    }

    /**
     * transformers' repeat_kv: each key/value head serves {@code nRep} consecutive query heads. The copy belongs
     * to the step that asked for it ({@code owner}'s manager), not to the cache it was made from.
     */
    static NDArray repeatKv(NDArray x, int nRep, NDArray owner) { // (B, kvHeads, S, hd) -> (B, kvHeads * nRep, S, hd)
        return nRep == 1 ? x : stepOwned(owner, x.repeat(1, nRep));
    }

    private static NDArray stepOwned(NDArray owner, NDArray derived) {
        derived.attach(owner.getManager());
        return derived;
    }

    /** (B, T, heads * headDim) -> (B, heads, T, headDim). */
    static NDArray splitHeads(NDArray x, int heads, int headDim) {
        long batch = x.getShape().get(0);
        long tokens = x.getShape().get(1);
        return x.reshape(batch, tokens, heads, headDim).transpose(0, 2, 1, 3);
    }

    /** (B, heads, T, headDim) -> (B, T, heads * headDim). */
    static NDArray mergeHeads(NDArray x) {
        long batch = x.getShape().get(0);
        long tokens = x.getShape().get(2);
        return x.transpose(0, 2, 1, 3).reshape(batch, tokens, -1);
    }
}
