package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Llama, mirroring transformers' modeling_llama.py: RMSNorm, rotary position embeddings (every variant of
 * {@link Rope}), grouped-query attention and a SwiGLU MLP. Field names are the checkpoint's keys ({@code qProj} is
 * {@code self_attn.q_proj}).
 *
 * <p>This is also the skeleton the other decoder families share; each family file says what it changes
 * (see {@link Layout}): {@link Mistral} and {@link Qwen2} a sliding window and biases, {@link Qwen3} per-head q/k
 * norms, {@link Phi3} fused projections and partial rotary, {@link Gemma2} and {@link Gemma3} scaled embeddings,
 * (1 + w) norms before and after each block, GELU and soft-capping.
 */
public final class Llama implements DecoderModel {

    /** config.json keys the Llama-shaped families share; defaults are LlamaConfig's (each family passes its own). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Config(
            @JsonProperty("vocab_size") int vocabSize,
            @JsonProperty("hidden_size") int hiddenSize,
            @JsonProperty("intermediate_size") int intermediateSize,
            @JsonProperty("num_hidden_layers") int numHiddenLayers,
            @JsonProperty("num_attention_heads") int numAttentionHeads,
            @JsonProperty("num_key_value_heads") Integer numKeyValueHeads,
            @JsonProperty("head_dim") Integer headDim,
            @JsonProperty("hidden_act") String hiddenAct,
            @JsonProperty("max_position_embeddings") Integer maxPositionEmbeddings,
            @JsonProperty("rms_norm_eps") Double rmsNormEps,
            @JsonProperty("rope_theta") Double ropeTheta,
            @JsonProperty("rope_parameters") JsonNode ropeParameters,
            @JsonProperty("rope_scaling") JsonNode ropeScaling,
            @JsonProperty("attention_bias") boolean attentionBias,
            @JsonProperty("tie_word_embeddings") boolean tieWordEmbeddings,
            @JsonProperty("mlp_bias") boolean mlpBias) {

        public Config {
            numKeyValueHeads = numKeyValueHeads == null ? numAttentionHeads : numKeyValueHeads;
            headDim = headDim == null ? hiddenSize / numAttentionHeads : headDim;
            hiddenAct = hiddenAct == null ? "silu" : hiddenAct;
            maxPositionEmbeddings = maxPositionEmbeddings == null ? 2048 : maxPositionEmbeddings;
            rmsNormEps = rmsNormEps == null ? 1e-6 : rmsNormEps;
        }

        /** For families that fix biases in code, where transformers ignores these keys (Mistral, Qwen). */
        Config withBiases(boolean attention, boolean mlp) {
            return new Config(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                    numKeyValueHeads, headDim, hiddenAct, maxPositionEmbeddings, rmsNormEps, ropeTheta, ropeParameters,
                    ropeScaling, attention, tieWordEmbeddings, mlp);
        }

        /** The base of the rotary frequencies, wherever the config keeps it. */
        public double theta() {
            return rope().theta();
        }

        /** The one rope dict, standardized as transformers does (both config layouts). */
        Rope.Parameters rope() {
            ObjectNode config = Checkpoint.JSON.createObjectNode();
            if (ropeTheta != null) {
                config.put("rope_theta", ropeTheta);
            }
            config.put("max_position_embeddings", maxPositionEmbeddings);
            config.set("rope_parameters", ropeParameters);
            config.set("rope_scaling", ropeScaling);
            return new Rope.Parameters(Rope.standardize(config, Rope.ropeDict(config), 10000.0, null), headDim,
                    maxPositionEmbeddings);
        }
    }

    /**
     * What a family changes in Llama's weights and forward, beside its own parts ({@link DecoderParts}), in
     * transformers' terms: biases on q/k/v whatever {@code attention_bias} says (Qwen2), {@code q_norm}/{@code k_norm}
     * (Qwen3, Gemma 3), Gemma's scaled embeddings, and each layer's type ({@code layer_types}: "full_attention" or
     * "sliding_attention") with the rotary embedding and sliding window (0: none) of each type.
     */
    record Layout(boolean qkvBias, boolean qkNorm, double embedScale, String[] layerTypes,
            Map<String, RotaryEmbedding> rope, Map<String, Integer> window) {

        /** Llama's: every layer full attention with one rotary embedding. */
        static Layout of(int layers, RotaryEmbedding rope) {
            String[] types = new String[layers];
            Arrays.fill(types, FULL);
            return new Layout(false, false, 1.0, types, Map.of(FULL, rope), Map.of(FULL, 0));
        }

        Layout withQkvBias() {
            return new Layout(true, qkNorm, embedScale, layerTypes, rope, window);
        }

        Layout withQkNorm() {
            return new Layout(qkvBias, true, embedScale, layerTypes, rope, window);
        }

        /** Token embeddings multiplied by {@code scale} (Gemma: sqrt(hidden_size)). */
        Layout withEmbedScale(double scale) {
            return new Layout(qkvBias, qkNorm, scale, layerTypes, rope, window);
        }

        /**
         * Each layer's type from {@code layerTypes}; layers typed "sliding_attention" see {@code slidingWindow}
         * tokens (none when null), every type gets the rotary embedding of {@code ropeOfType}.
         */
        Layout withLayerTypes(String[] types, Integer slidingWindow, Map<String, RotaryEmbedding> ropeOfType) {
            if (types.length != layerTypes.length) {
                throw new IllegalArgumentException("layer_types has " + types.length + " entries for "
                        + layerTypes.length + " layers");
            }
            Map<String, RotaryEmbedding> ropes = new HashMap<>();
            Map<String, Integer> windows = new HashMap<>();
            for (String type : types) {
                if (!type.equals(FULL) && !type.equals(SLIDING)) {
                    throw new IllegalArgumentException("layer_types entry " + type + " is not supported; rbon"
                            + " supports " + FULL + " and " + SLIDING);
                }
                ropes.put(type, ropeOfType.get(type));
                windows.put(type, type.equals(SLIDING) && slidingWindow != null ? slidingWindow : 0);
            }
            return new Layout(qkvBias, qkNorm, embedScale, types.clone(), ropes, windows);
        }

        /** Every layer a sliding one when {@code slidingWindow} is set (Mistral, Phi-3), else all full. */
        Layout withSlidingWindow(Integer slidingWindow) {
            String[] types = new String[layerTypes.length];
            Arrays.fill(types, slidingWindow == null ? FULL : SLIDING);
            RotaryEmbedding only = rope.get(FULL);
            return withLayerTypes(types, slidingWindow, Map.of(FULL, only, SLIDING, only));
        }
    }

    static final String FULL = "full_attention";
    static final String SLIDING = "sliding_attention";

    /** LlamaDecoderLayer: {@code input_layernorm} before attention, {@code post_attention_layernorm} before the MLP. */
    record LlamaDecoderLayer(SelfAttention selfAttn, GatedMlp mlp, RmsNorm inputLayernorm,
            RmsNorm postAttentionLayernorm) implements DecoderLayer {

        @Override
        public NDArray forward(NDArray x, int index, NDList rope, Attention.Mask mask, KvCache cache) {
            NDArray h = x.add(selfAttn.forward(inputLayernorm.forward(x), index, rope, mask, cache));
            return h.add(mlp.forward(postAttentionLayernorm.forward(h))); // (B, T, hidden)
        }
    }

    private final Config config;
    private final Dtype dtype;
    private final NDArray embedTokens;
    private final DecoderLayer[] layers;
    private final RmsNorm norm;
    private final Layout layout;
    private final Double finalLogitSoftcapping;

    Llama(Config config, Dtype dtype, NDArray embedTokens, DecoderLayer[] layers, RmsNorm norm, Layout layout,
            Double finalLogitSoftcapping) {
        this.config = config;
        this.dtype = dtype;
        this.embedTokens = embedTokens;
        this.layers = layers;
        this.norm = norm;
        this.layout = layout;
        this.finalLogitSoftcapping = finalLogitSoftcapping;
    }

    /** A LlamaForCausalLM / LlamaForSequenceClassification body under {@code model}. */
    static Llama load(Checkpoint checkpoint, NDManager manager) {
        Config config = checkpoint.config(Config.class, Map.of("tie_word_embeddings", false));
        Layout layout = Layout.of(config.numHiddenLayers(), new RotaryEmbedding(config.rope()));
        return load(config, checkpoint, manager, "model", checkpoint.dtype(), layout);
    }

    /**
     * A float32 body from any source of weights: the lab builds it on a map of trainable arrays, so training and
     * serving run one implementation of the architecture.
     */
    public static Llama load(Config config, Weights weights, NDManager manager, String prefix) {
        Layout layout = Layout.of(config.numHiddenLayers(), new RotaryEmbedding(config.rope()));
        return load(config, weights, manager, prefix, Dtype.FLOAT32, layout);
    }

    /** A body of Llama's keys under {@code prefix}, with what {@code layout} changes (Mistral, Qwen2, Qwen3). */
    static Llama load(Config config, Weights weights, NDManager manager, String prefix, Dtype dtype, Layout layout) {
        return new DecoderParts(config, weights, manager, dtype, layout).body(prefix, null);
    }

    @Override
    public NDArray inputEmbeddings() {
        return embedTokens;
    }

    Config config() {
        return config;
    }

    @Override
    public NDArray forward(NDArray inputIds, NDArray attentionMask, KvCache cache) {
        long newTokens = inputIds.getShape().get(1);
        NDArray positions = Attention.positionIds(attentionMask, newTokens); // (B, T)
        Map<String, NDList> rope = new HashMap<>();                           // cos, sin: (B, 1, T, rotaryDim)
        Map<String, Attention.Mask> mask = new HashMap<>();                   // biases built per query chunk
        for (String type : layout.rope().keySet()) {
            rope.put(type, layout.rope().get(type).cosSin(positions, dtype));
            mask.put(type, Attention.Mask.causal(attentionMask, newTokens, layout.window().get(type)));
        }
        NDArray x = Embedding.lookup(inputIds, embedTokens); // (B, T, hidden)
        if (layout.embedScale() != 1.0) {
            // Gemma: sqrt(hidden) rounded to the hidden dtype, as Gemma2TextScaledWordEmbedding does
            x = x.mul(dtype.cast(x.getManager().create((float) layout.embedScale())));
        }
        for (int i = 0; i < layers.length; i++) {
            String type = layout.layerTypes()[i];
            int index = i;
            x = LayerScope.run(x, h -> layers[index].forward(h, index, rope.get(type), mask.get(type), cache));
        }
        return norm.forward(x); // (B, T, hidden)
    }

    @Override
    public int numHiddenLayers() {
        return config.numHiddenLayers();
    }

    @Override
    public int maxPositionEmbeddings() {
        return config.maxPositionEmbeddings();
    }

    @Override
    public Dtype dtype() {
        return dtype;
    }

    @Override
    public boolean tieWordEmbeddings() {
        return config.tieWordEmbeddings();
    }

    @Override
    public Double finalLogitSoftcapping() {
        return finalLogitSoftcapping;
    }
}
