package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Llama (also Mistral's layout), mirroring transformers' modeling_llama.py: RMSNorm, rotary position embeddings,
 * grouped-query attention and a SwiGLU MLP. Field names are the checkpoint's keys ({@code qProj} is
 * {@code self_attn.q_proj}). Qwen2 is this model with biases on q/k/v (see {@link Qwen2}).
 */
public final class Llama implements DecoderModel {

    /** config.json; defaults are LlamaConfig's. */
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
            @JsonProperty("rope_parameters") RopeParameters ropeParameters,
            @JsonProperty("rope_scaling") RopeParameters ropeScaling,
            @JsonProperty("attention_bias") boolean attentionBias,
            @JsonProperty("tie_word_embeddings") boolean tieWordEmbeddings) {

        /** transformers 5 writes {@code rope_parameters}; older checkpoints a top-level {@code rope_theta}. */
        @JsonIgnoreProperties(ignoreUnknown = true)
        public record RopeParameters(@JsonProperty("rope_theta") Double ropeTheta,
                @JsonProperty("rope_type") String ropeType, @JsonProperty("type") String type) {

            /** transformers 4 wrote {@code rope_scaling: {"type": ...}}; later versions {@code rope_type}. */
            String kind() {
                return ropeType != null ? ropeType : type;
            }
        }

        public Config {
            numKeyValueHeads = numKeyValueHeads == null ? numAttentionHeads : numKeyValueHeads;
            headDim = headDim == null ? hiddenSize / numAttentionHeads : headDim;
            hiddenAct = hiddenAct == null ? "silu" : hiddenAct;
            maxPositionEmbeddings = maxPositionEmbeddings == null ? 2048 : maxPositionEmbeddings;
            rmsNormEps = rmsNormEps == null ? 1e-6 : rmsNormEps;
        }

        public double theta() {
            if (ropeParameters != null && ropeParameters.ropeTheta() != null) {
                return ropeParameters.ropeTheta();
            }
            return ropeTheta == null ? 10000.0 : ropeTheta;
        }

        /** Only plain RoPE is implemented; scaled variants (linear, dynamic, yarn, llama3) are refused. */
        String ropeType() {
            for (RopeParameters rope : new RopeParameters[] {ropeParameters, ropeScaling}) {
                if (rope != null && rope.kind() != null && !rope.kind().equals("default")) {
                    return rope.kind();
                }
            }
            return "default";
        }
    }

    record SelfAttention(Linear qProj, Linear kProj, Linear vProj, Linear oProj) {}

    record Mlp(Linear gateProj, Linear upProj, Linear downProj) {}

    record DecoderLayer(SelfAttention selfAttn, Mlp mlp, NDArray inputLayernorm, NDArray postAttentionLayernorm) {}

    private final Config config;
    private final NDArray embedTokens;
    private final DecoderLayer[] layers;
    private final NDArray norm;
    private final float[] invFreq;

    private Llama(Config config, NDArray embedTokens, DecoderLayer[] layers, NDArray norm) {
        this.config = config;
        this.embedTokens = embedTokens;
        this.layers = layers;
        this.norm = norm;
        this.invFreq = inverseFrequencies(config.headDim(), config.theta());
    }

    /**
     * Reads the body under {@code prefix} ("model"). {@code qkvBias} is Qwen2's biases on q/k/v;
     * {@code attention_bias} (Llama) puts biases on all four projections.
     */
    static Llama load(Checkpoint checkpoint, NDManager manager, String prefix, boolean qkvBias) {
        return load(checkpoint.config(Config.class), checkpoint, manager, prefix, qkvBias);
    }

    /**
     * The body from any source of weights: the lab builds it on a map of trainable arrays, so training and
     * serving run one implementation of the architecture.
     */
    public static Llama load(Config config, Weights checkpoint, NDManager manager, String prefix, boolean qkvBias) {
        if (!config.ropeType().equals("default")) {
            throw new IllegalArgumentException("rope type " + config.ropeType() + " is not supported (only default)");
        }
        if (!config.hiddenAct().equals("silu")) {
            throw new IllegalArgumentException("hidden_act " + config.hiddenAct() + " is not supported (only silu)");
        }
        DecoderLayer[] layers = new DecoderLayer[config.numHiddenLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = prefix + ".layers." + i;
            SelfAttention selfAttn = new SelfAttention(
                    Linear.load(checkpoint, manager, p + ".self_attn.q_proj", qkvBias || config.attentionBias()),
                    Linear.load(checkpoint, manager, p + ".self_attn.k_proj", qkvBias || config.attentionBias()),
                    Linear.load(checkpoint, manager, p + ".self_attn.v_proj", qkvBias || config.attentionBias()),
                    Linear.load(checkpoint, manager, p + ".self_attn.o_proj", config.attentionBias()));
            Mlp mlp = new Mlp(
                    Linear.load(checkpoint, manager, p + ".mlp.gate_proj", false),
                    Linear.load(checkpoint, manager, p + ".mlp.up_proj", false),
                    Linear.load(checkpoint, manager, p + ".mlp.down_proj", false));
            layers[i] = new DecoderLayer(selfAttn, mlp,
                    checkpoint.load(manager, p + ".input_layernorm.weight"),
                    checkpoint.load(manager, p + ".post_attention_layernorm.weight"));
        }
        return new Llama(config, checkpoint.load(manager, prefix + ".embed_tokens.weight"), layers,
                checkpoint.load(manager, prefix + ".norm.weight"));
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
        NDArray positions = Attention.positionIds(attentionMask, newTokens);       // (B, T)
        NDArray bias = Attention.causalBias(attentionMask, newTokens);             // (B, 1, T, S)
        NDList rope = rotaryEmbedding(positions);                                  // cos, sin: (B, 1, T, headDim)
        NDArray x = inputIds.getNDArrayInternal()
                .embedding(inputIds, embedTokens, SparseFormat.DENSE).singletonOrThrow(); // (B, T, hidden)
        for (int i = 0; i < layers.length; i++) {
            x = decoderLayer(layers[i], i, x, rope, bias, cache);
        }
        return rmsNorm(x, norm); // (B, T, hidden)
    }

    private NDArray decoderLayer(DecoderLayer layer, int index, NDArray x, NDList rope, NDArray bias, KvCache cache) {
        NDArray h = x.add(selfAttention(layer.selfAttn(), index, rmsNorm(x, layer.inputLayernorm()), rope, bias, cache));
        return h.add(mlp(layer.mlp(), rmsNorm(h, layer.postAttentionLayernorm()))); // (B, T, hidden)
    }

    private NDArray selfAttention(SelfAttention attn, int layer, NDArray x, NDList rope, NDArray bias, KvCache cache) {
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int headDim = config.headDim();
        NDArray q = Attention.splitHeads(attn.qProj().forward(x), heads, headDim);   // (B, heads, T, headDim)
        NDArray k = Attention.splitHeads(attn.kProj().forward(x), kvHeads, headDim); // (B, kvHeads, T, headDim)
        NDArray v = Attention.splitHeads(attn.vProj().forward(x), kvHeads, headDim); // (B, kvHeads, T, headDim)
        q = applyRotaryPosEmb(q, rope);
        k = applyRotaryPosEmb(k, rope);
        NDList past = cache == null ? new NDList(k, v) : cache.update(layer, k, v); // (B, kvHeads, S, headDim)
        NDArray out = Attention.scaledDotProduct(q,
                Attention.repeatKv(past.get(0), heads / kvHeads, q),
                Attention.repeatKv(past.get(1), heads / kvHeads, q),
                bias, 1.0 / Math.sqrt(headDim));                                     // (B, heads, T, headDim)
        return attn.oProj().forward(Attention.mergeHeads(out));                      // (B, T, hidden)
    }

    private static NDArray mlp(Mlp mlp, NDArray x) {
        NDArray gate = mlp.gateProj().forward(x);                        // (B, T, intermediate)
        NDArray silu = gate.mul(Activation.sigmoid(gate));
        return mlp.downProj().forward(silu.mul(mlp.upProj().forward(x))); // (B, T, hidden)
    }

    /** LlamaRMSNorm: x / sqrt(mean(x^2) + eps) * weight. */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray variance = x.square().mean(new int[] {-1}, true);  // (B, T, 1)
        return x.div(variance.add(config.rmsNormEps()).sqrt()).mul(weight);
    }

    /** LlamaRotaryEmbedding: inv_freq = 1 / theta^(2i / headDim), computed in float32 as transformers does. */
    private static float[] inverseFrequencies(int headDim, double theta) {
        float[] invFreq = new float[headDim / 2];
        for (int i = 0; i < invFreq.length; i++) {
            invFreq[i] = (float) (1.0 / Math.pow(theta, (float) (2 * i) / headDim));
        }
        return invFreq;
    }

    private NDList rotaryEmbedding(NDArray positions) { // (B, T) -> cos, sin: (B, 1, T, headDim)
        NDArray freqs = positions.toType(DataType.FLOAT32, false).expandDims(2)
                .mul(positions.getManager().create(invFreq));   // (B, T, headDim / 2)
        NDArray emb = freqs.concat(freqs, 2).expandDims(1);     // (B, 1, T, headDim)
        return new NDList(emb.cos(), emb.sin());
    }

    private static NDArray applyRotaryPosEmb(NDArray x, NDList rope) { // (B, heads, T, headDim)
        return x.mul(rope.get(0)).add(rotateHalf(x).mul(rope.get(1)));
    }

    /** (x1, x2) -> (-x2, x1) over the two halves of the last axis. */
    private static NDArray rotateHalf(NDArray x) {
        long half = x.getShape().get(3) / 2;
        return x.get("..., " + half + ":").neg().concat(x.get("..., :" + half), 3);
    }

    @Override
    public int numHiddenLayers() {
        return config.numHiddenLayers();
    }


    @Override
    public int maxPositionEmbeddings() {
        return config.maxPositionEmbeddings();
    }
}
