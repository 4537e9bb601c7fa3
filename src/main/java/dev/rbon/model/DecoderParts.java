package dev.rbon.model;

import ai.djl.ndarray.NDManager;

/**
 * The one place a decoder body is built from its checkpoint's keys, as transformers' LlamaModel and
 * LlamaDecoderLayer build theirs: {@code {prefix}.embed_tokens}, {@code {prefix}.layers.{i}} (self_attn, mlp,
 * input_layernorm, post_attention_layernorm) and {@code {prefix}.norm}. A family overrides only the parts it
 * changes: its norms and its layer ({@link Gemma2}), its projections ({@link Phi3}), the attention's scale and
 * soft-capping ({@link Gemma2}); {@link Llama.Layout} carries the rest (biases, q/k norms, windows, rotary
 * embeddings).
 */
class DecoderParts {

    final Llama.Config config;
    final Weights weights;
    final NDManager manager;
    final Dtype dtype;
    final Llama.Layout layout;

    DecoderParts(Llama.Config config, Weights weights, NDManager manager, Dtype dtype, Llama.Layout layout) {
        this.config = config;
        this.weights = weights;
        this.manager = manager;
        this.dtype = dtype;
        this.layout = layout;
    }

    /** The body under {@code prefix}: token embeddings, every layer, the final norm. */
    final Llama body(String prefix, Double finalLogitSoftcapping) {
        DecoderLayer[] layers = new DecoderLayer[config.numHiddenLayers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = layer(prefix + ".layers." + i);
        }
        return new Llama(config, dtype, weights.load(manager, prefix + ".embed_tokens.weight"), layers,
                norm(prefix + ".norm"), layout, finalLogitSoftcapping);
    }

    /** LlamaDecoderLayer's parts. */
    DecoderLayer layer(String p) {
        return new Llama.LlamaDecoderLayer(selfAttn(p + ".self_attn"), mlp(p + ".mlp"), norm(p + ".input_layernorm"),
                norm(p + ".post_attention_layernorm"));
    }

    /** q, k, v and o projections with the biases the config and the family give, q_norm and k_norm if it has them. */
    SelfAttention selfAttn(String p) {
        boolean bias = config.attentionBias();
        boolean qkvBias = layout.qkvBias() || bias;
        return new SelfAttention(
                MergedLinear.load(weights, manager, qkvBias, p + ".q_proj", p + ".k_proj", p + ".v_proj"),
                linear(p + ".o_proj", bias),
                layout.qkNorm() ? norm(p + ".q_norm") : null, layout.qkNorm() ? norm(p + ".k_norm") : null,
                attentionShape());
    }

    /** Heads, scores scaled by head_dim^-0.5, no soft-capping. */
    SelfAttention.Shape attentionShape() {
        return new SelfAttention.Shape(config.numAttentionHeads(), config.numKeyValueHeads(), config.headDim(),
                1.0 / Math.sqrt(config.headDim()), null, dtype);
    }

    GatedMlp mlp(String p) {
        return GatedMlp.load(weights, manager, p, config.mlpBias(), config.hiddenAct(), dtype);
    }

    RmsNorm norm(String key) {
        return RmsNorm.llama(weights, manager, key, config.rmsNormEps(), dtype);
    }

    Linear linear(String key, boolean bias) {
        return Linear.load(weights, manager, key, bias);
    }
}
