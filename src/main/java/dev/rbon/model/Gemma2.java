package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * Gemma 2, mirroring transformers' modeling_gemma2.py: Llama with embeddings scaled by sqrt(hidden_size) (rounded
 * to the hidden dtype), Gemma2RMSNorm ((1 + w), in float32) before and after both attention and MLP,
 * {@code hidden_activation} gelu_pytorch_tanh, scores scaled by {@code query_pre_attn_scalar}^-0.5 and soft-capped
 * by {@code attn_logit_softcapping}, {@code final_logit_softcapping} on the lm_head logits (not on a score head),
 * and a sliding window on the layers {@code layer_types} names (by default every other one, from the first).
 */
final class Gemma2 {

    /** Gemma2Config's defaults where they differ from LlamaConfig's. */
    static final Map<String, Object> DEFAULTS = Map.of(
            "num_key_value_heads", 4,
            "head_dim", 256,
            "hidden_activation", "gelu_pytorch_tanh",
            "max_position_embeddings", 8192,
            "query_pre_attn_scalar", 256,
            "sliding_window", 4096,
            "final_logit_softcapping", 30.0,
            "attn_logit_softcapping", 50.0,
            "tie_word_embeddings", true);

    /** The keys Gemma adds to Llama's. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Config(@JsonProperty("hidden_activation") String hiddenActivation,
            @JsonProperty("query_pre_attn_scalar") double queryPreAttnScalar,
            @JsonProperty("attn_logit_softcapping") Double attnLogitSoftcapping,
            @JsonProperty("final_logit_softcapping") Double finalLogitSoftcapping,
            @JsonProperty("sliding_window") Integer slidingWindow,
            @JsonProperty("layer_types") String[] layerTypes,
            @JsonProperty("use_bidirectional_attention") Boolean useBidirectionalAttention) {

        /** layer_types, else every {@code pattern}-th layer full and the others sliding (Gemma 2: 2, Gemma 3: 6). */
        String[] layerTypes(int layers, int pattern) {
            if (layerTypes != null) {
                return layerTypes;
            }
            String[] types = new String[layers];
            for (int i = 0; i < layers; i++) {
                types[i] = (i + 1) % pattern != 0 ? Llama.SLIDING : Llama.FULL;
            }
            return types;
        }
    }

    private Gemma2() {}

    static Llama load(Checkpoint checkpoint, NDManager manager) {
        Llama.Config config = checkpoint.config(Llama.Config.class, DEFAULTS);
        Config gemma = checkpoint.config(Config.class, DEFAULTS);
        RotaryEmbedding rope = new RotaryEmbedding(config.rope());
        Llama.Layout layout = Llama.Layout.of(config.numHiddenLayers(), rope)
                .withLayerTypes(gemma.layerTypes(config.numHiddenLayers(), 2), gemma.slidingWindow(),
                        Map.of(Llama.FULL, rope, Llama.SLIDING, rope));
        return body(checkpoint, manager, config, gemma, layout, gemma.attnLogitSoftcapping());
    }

    /**
     * The Gemma body (Gemma 2, and Gemma 3 with {@code layout.qkNorm()}): Llama's keys plus
     * {@code pre_feedforward_layernorm} and {@code post_feedforward_layernorm}, every norm (1 + w), embeddings scaled
     * by sqrt(hidden_size).
     */
    static Llama body(Checkpoint checkpoint, NDManager manager, Llama.Config config, Config gemma,
            Llama.Layout layout, Double attnLogitSoftcapping) {
        if (Boolean.TRUE.equals(gemma.useBidirectionalAttention())) {
            throw new IllegalArgumentException("use_bidirectional_attention true (an encoder use of Gemma) is not"
                    + " supported; rbon runs Gemma as a causal decoder");
        }
        String act = GatedMlp.checkActivation("hidden_activation", gemma.hiddenActivation());
        Llama.Layout scaled = layout.withEmbedScale(Math.sqrt(config.hiddenSize()));
        return new DecoderParts(config, checkpoint, manager, checkpoint.dtype(), scaled) {
            @Override
            DecoderLayer layer(String p) {
                return new Gemma2DecoderLayer(selfAttn(p + ".self_attn"), mlp(p + ".mlp"),
                        norm(p + ".input_layernorm"), norm(p + ".post_attention_layernorm"),
                        norm(p + ".pre_feedforward_layernorm"), norm(p + ".post_feedforward_layernorm"));
            }

            @Override
            SelfAttention.Shape attentionShape() {
                return new SelfAttention.Shape(config.numAttentionHeads(), config.numKeyValueHeads(),
                        config.headDim(), 1.0 / Math.sqrt(gemma.queryPreAttnScalar()), attnLogitSoftcapping, dtype);
            }

            @Override
            GatedMlp mlp(String p) {
                return GatedMlp.load(checkpoint, manager, p, false, act, dtype);
            }

            @Override
            RmsNorm norm(String key) {
                return RmsNorm.gemma(checkpoint, manager, key, config.rmsNormEps());
            }
        }.body("model", gemma.finalLogitSoftcapping());
    }

    /** Gemma2DecoderLayer: a norm before and after attention, and before and after the MLP. */
    record Gemma2DecoderLayer(SelfAttention selfAttn, GatedMlp mlp, RmsNorm inputLayernorm,
            RmsNorm postAttentionLayernorm, RmsNorm preFeedforwardLayernorm, RmsNorm postFeedforwardLayernorm)
            implements DecoderLayer {

        @Override
        public NDArray forward(NDArray x, int index, NDList rope, Attention.Mask mask, KvCache cache) {
            NDArray attn = selfAttn.forward(inputLayernorm.forward(x), index, rope, mask, cache);
            NDArray h = x.add(postAttentionLayernorm.forward(attn));
            NDArray mlpOut = mlp.forward(preFeedforwardLayernorm.forward(h));
            return h.add(postFeedforwardLayernorm.forward(mlpOut)); // (B, T, hidden)
        }
    }
}
