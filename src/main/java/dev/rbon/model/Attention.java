package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The attention plumbing every architecture shares: position ids and masks (causal, padding, sliding window) from a
 * padded batch's attention mask, eager_attention_forward (scaled dot product with optional soft-capping, softmax in
 * float32) over bounded query chunks, and grouped-query key/value sharing without copies. Every result belongs to
 * the manager of the request's own arrays, never to the model's weights.
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
     * Which keys each query may see, kept as small (B, S) arrays and turned into an additive bias one query chunk at
     * a time ({@link #bias}): 0 where a query may look, the lowest float elsewhere. A finite minimum rather than
     * -inf keeps rows with nothing to attend to (leading padding) free of NaN.
     */
    static final class Mask {

        private final NDArray attentionMask;
        private final long newTokens;
        private final boolean causal;
        private final int window;
        private NDArray whole; // the bias of all T queries when they run as one chunk, built by the first layer

        /**
         * @param attentionMask (B, S): 1 real token, 0 padding, over every slot so far (cached and new)
         * @param newTokens T, the queries are the last T slots
         * @param causal false for bidirectional encoders (BERT): every query sees every real key
         * @param window a sliding window (> 0): query i also sees only keys j with i - j < window, transformers'
         *     {@code sliding_window_overlay} ({@code kv_idx > q_idx - window}); positions count real tokens, so a
         *     left-padded row sees the same keys it would see alone (transformers counts cache slots, which agrees
         *     on unpadded and right-padded rows)
         */
        Mask(NDArray attentionMask, long newTokens, boolean causal, int window) {
            this.attentionMask = attentionMask;
            this.newTokens = newTokens;
            this.causal = causal;
            this.window = window;
        }

        /** A decoder's: causal, optionally windowed. */
        static Mask causal(NDArray attentionMask, long newTokens, int window) {
            return new Mask(attentionMask, newTokens, true, window);
        }

        /** An encoder's: only padding keys are hidden. */
        static Mask padding(NDArray attentionMask) {
            return new Mask(attentionMask, attentionMask.getShape().get(1), false, 0);
        }

        /**
         * The bias of queries {@code from} to {@code to} (of the T new ones), owned by {@code manager}. When they are
         * all T queries (every decode step) the bias is the same for every layer: it is built once, in a
         * sub-manager, and kept by the attention mask's manager (a pass's, as its positions and rope tables are)
         * rather than rebuilt by each layer with a dozen small ops; the one-chunk rule bounds its size.
         */
        NDArray bias(long from, long to, NDManager manager) { // -> (B, 1, 1, to - from | 1, S)
            if (from != 0 || to != newTokens) {
                return build(from, to, manager);
            }
            if (whole == null) {
                NDManager pass = attentionMask.getManager();
                try (NDManager building = pass.newSubManager()) {
                    whole = own(pass, build(from, to, building));
                }
            }
            return whole;
        }

        private NDArray build(long from, long to, NDManager manager) {
            long slots = attentionMask.getShape().get(1);
            // a copy in the chunk's manager, so that everything derived below is the chunk's too
            NDArray slotMask = own(manager, attentionMask.toType(DataType.INT64, true));               // (B, S)
            NDArray real = slotMask.eq(1).expandDims(1);                                                // (B, 1, S)
            NDArray allowed = real;
            if (causal) {
                long first = slots - newTokens;
                NDArray keySlot = manager.arange(0, slots, 1, DataType.INT64);                          // (S)
                NDArray querySlot = manager.arange(first + from, first + to, 1, DataType.INT64)
                        .reshape(-1, 1);                                                                // (Tc, 1)
                allowed = keySlot.lte(querySlot).expandDims(0).logicalAnd(real);                        // (B, Tc, S)
                if (window > 0) {
                    NDArray positions = positionIds(slotMask, slots);                                    // (B, S)
                    NDArray queryPosition = positions.get(":, " + (first + from) + ":" + (first + to))
                            .expandDims(2);                                                             // (B, Tc, 1)
                    allowed = allowed.logicalAnd(queryPosition.sub(positions.expandDims(1)).lt(window));  // (B, Tc, S)
                }
            }
            return allowed.expandDims(1).expandDims(1).toType(DataType.FLOAT32, false).sub(1)
                    .mul(Float.MAX_VALUE);                                                    // (B, 1, 1, Tc|1, S)
        }
    }

    /**
     * How many elements one (B, heads, T_chunk, S) block of attention scores may have: the queries run in chunks of
     * T_chunk = max(1, this / (B heads S)), so a pass never holds more than a few such blocks (scores, their float32
     * softmax) whatever T. 2^24 floats is 64 MiB. Process-wide: rbon.passes.attention-block-elements sets it
     * ({@link DecoderModel#attentionBlockElements(long)}); tests force small chunks.
     */
    static volatile long blockElements = 1L << 24;

    /** Queries per chunk for B rows, {@code heads} heads and S keys. */
    static long queryChunk(long rows, long heads, long keys) {
        return Math.max(1, blockElements / (rows * heads * keys));
    }

    /** softmax(q k^T * scale + bias) v in float32; see {@link #attention}. */
    static NDArray scaledDotProduct(NDArray q, NDArray k, NDArray v, Mask mask, double scale) {
        return attention(q, k, v, mask, scale, null, Dtype.FLOAT32, false);
    }

    /**
     * eager_attention_forward, one query chunk at a time: scores in the compute dtype, soft-capped
     * ({@code tanh(s / cap) * cap}, Gemma 2) before the mask, softmax in float32, then back to the compute dtype
     * for the product with v. Grouped-query attention reads each key/value head in place instead of repeat_kv's
     * copy: the nRep query heads of a group are stacked along the query axis, (B, kvHeads, nRep * Tc, hd), one
     * matmul against their shared (B, kvHeads, hd, S) keys. {@code k} and {@code v} may be the cache's own arrays:
     * whatever is derived from them here belongs to the chunk, else it would live as long as the cache.
     *
     * @param autograd op by op, so that autograd records it (the lab's training), else one call to
     *     eager_attention.pt a chunk ({@link Fused})
     */
    static NDArray attention(NDArray q, NDArray k, NDArray v, Mask mask, double scale, Double softcap,
            Dtype dtype, boolean autograd) { // q (B, heads, T, hd), k and v (B, kvHeads, S, hd) -> (B, heads, T, hd)
        long tokens = q.getShape().get(2);
        long chunk = queryChunk(q.getShape().get(0), q.getShape().get(1), k.getShape().get(2));
        NDManager owner = q.getManager();
        if (chunk >= tokens) { // every decode step: the whole bias is built once a pass, temporaries die with q's
            return chunk(q, k, v, mask.bias(0, tokens, owner), scale, softcap, dtype, autograd);
        }
        NDList out = new NDList();
        for (long from = 0; from < tokens; from += chunk) {
            long to = Math.min(tokens, from + chunk);
            try (NDManager block = owner.newSubManager()) {
                NDArray qc = own(block, q.get(":, :, " + from + ":" + to));                      // (B, heads, Tc, hd)
                out.add(own(owner, chunk(qc, k, v, mask.bias(from, to, block), scale, softcap, dtype, autograd)));
            }
        }
        return NDArrays.concat(out, 2);                                                          // (B, heads, T, hd)
    }

    /**
     * A layer's attention between its projections: heads split, apply_rotary_pos_emb, the cache's update, eager
     * attention, heads merged. One call ({@link #cached}) when the queries run as one chunk and no gradient is
     * wanted; else step by step, the queries in chunks ({@link #attention}).
     *
     * @param q (B, T, heads * hd), or (B, T, heads, hd) after q_norm; k likewise with kvHeads; v (B, T, kvHeads * hd)
     * @param autograd op by op, so that autograd records it (the lab's training)
     * @return (B, T, heads * hd)
     */
    static NDArray betweenProjections(NDArray q, NDArray k, NDArray v, NDList cosSin, Mask mask, KvCache cache,
            int layer, SelfAttention.Shape shape, boolean autograd) {
        long tokens = q.getShape().get(1);
        long keys = (cache == null ? 0 : cache.length()) + tokens;
        if (!autograd && queryChunk(q.getShape().get(0), shape.heads(), keys) >= tokens) {
            return cached(q, k, v, cosSin, mask, cache, layer, shape);
        }
        NDArray qh = splitHeads(q, shape.heads(), shape.headDim());                         // (B, heads, T, hd)
        NDArray kh = splitHeads(k, shape.kvHeads(), shape.headDim());                       // (B, kvHeads, T, hd)
        NDArray vh = splitHeads(v, shape.kvHeads(), shape.headDim());                       // (B, kvHeads, T, hd)
        NDList rotated = RotaryEmbedding.apply(qh, kh, cosSin, autograd);
        NDList past = cache == null ? new NDList(rotated.get(1), vh) : cache.update(layer, rotated.get(1), vh);
        return mergeHeads(attention(rotated.get(0), past.get(0), past.get(1), mask, shape.scaling(),
                shape.attnLogitSoftcapping(), shape.dtype(), autograd));                      // (B, T, heads * hd)
    }

    /**
     * {@link #betweenProjections} as one call to cached_attention.pt, the cache's slots written in place: each step
     * through DJL is a handful of calls a layer, and a one-row decode step is mostly such calls.
     *
     * @return (B, T, heads * hd), owned by q's manager
     */
    static NDArray cached(NDArray q, NDArray k, NDArray v, NDList cosSin, Mask mask, KvCache cache, int layer,
            SelfAttention.Shape shape) {
        long rows = q.getShape().get(0);
        long tokens = q.getShape().get(1);
        NDArray[] slots = new NDArray[0];
        long start = 0;
        if (cache != null) {
            Shape step = new Shape(rows, shape.kvHeads(), tokens, shape.headDim());
            KvCache.Slots layerSlots = cache.reserve(layer, step, v);
            slots = new NDArray[] {layerSlots.keys(), layerSlots.values()};
            start = layerSlots.start();
        }
        Double softcap = shape.attnLogitSoftcapping();
        return Cached.MODULE.forward(q, k, v, cosSin.get(0), cosSin.get(1), slots, start,
                mask.bias(0, tokens, q.getManager()), (long) shape.headDim(), shape.scaling(),
                softcap == null ? 0.0 : softcap);
    }

    /** One chunk of queries, its arrays owned by {@code q}'s manager. */
    private static NDArray chunk(NDArray q, NDArray k, NDArray v, NDArray bias, double scale, Double softcap,
            Dtype dtype, boolean autograd) { // q (B, heads, Tc, hd), bias (B, 1, 1, Tc|1, S) -> (B, heads, Tc, hd)
        if (!autograd) {
            return Fused.MODULE.forward(q, k, v, bias, scale, softcap == null ? 0.0 : softcap);
        }
        long rows = q.getShape().get(0);
        long heads = q.getShape().get(1);
        long queries = q.getShape().get(2);
        long headDim = q.getShape().get(3);
        long kvHeads = k.getShape().get(1);
        long keys = k.getShape().get(2);
        long nRep = heads / kvHeads;
        NDArray qc = q.reshape(rows, kvHeads, nRep * queries, headDim);                    // (B, kvHeads, nRep Tc, hd)
        NDArray kT = own(q.getManager(), k.transpose(0, 1, 3, 2));                         // (B, kvHeads, hd, S)
        NDArray scores = Dtype.scale(qc.matMul(kT), scale)
                .reshape(rows, kvHeads, nRep, queries, keys);                               // (B, kvHeads, nRep, Tc, S)
        if (softcap != null) {
            scores = softcap(scores, softcap);
        }
        NDArray probs = scores.toType(DataType.FLOAT32, false).add(bias).softmax(4);       // (B, kvHeads, nRep, Tc, S)
        NDArray context = dtype.cast(probs).reshape(rows, kvHeads, nRep * queries, keys).matMul(v);
        return context.reshape(rows, heads, queries, headDim);
    }

    /** Soft-capping, {@code tanh(x / cap) * cap}: Gemma 2's attention logits and Gemma's final logits. */
    static NDArray softcap(NDArray x, double cap) {
        NDArray c = x.getManager().create((float) cap);
        return x.div(c).tanh().mul(c);
    }

    /** {@code derived} moved to {@code manager}, so that what follows from it belongs there too. */
    static NDArray own(NDManager manager, NDArray derived) {
        derived.attach(manager);
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

    /** src/test/python/make_fused_ops.py's eager_attention.pt, loaded once per JVM on first use. */
    private static final class Fused {
        static final ScriptModule MODULE = new ScriptModule("eager_attention");
    }

    /** src/test/python/make_fused_ops.py's cached_attention.pt, loaded once per JVM on first use. */
    private static final class Cached {
        static final ScriptModule MODULE = new ScriptModule("cached_attention");
    }
}
