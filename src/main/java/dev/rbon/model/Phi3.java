package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;

/**
 * Phi-3 (also Phi-4-mini), mirroring transformers' modeling_phi3.py: Llama with q, k and v fused in
 * {@code self_attn.qkv_proj} and gate and up in {@code mlp.gate_up_proj} (as every family's {@link MergedLinear}
 * stacks them), no biases, rotary embedding on the first {@code partial_rotary_factor} of each head, RoPE
 * {@code default} or {@code longrope}, and Mistral's {@code sliding_window} on every layer.
 */
final class Phi3 {

    /** Phi3Config's defaults where they differ from LlamaConfig's. */
    static final Map<String, Object> DEFAULTS = Map.of(
            "max_position_embeddings", 4096,
            "original_max_position_embeddings", 4096,
            "rms_norm_eps", 1e-5,
            "tie_word_embeddings", false);

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Config(@JsonProperty("sliding_window") Integer slidingWindow,
            @JsonProperty("original_max_position_embeddings") int originalMaxPositionEmbeddings) {}

    private Phi3() {}

    static Llama load(Checkpoint checkpoint, NDManager manager) {
        ObjectNode json = checkpoint.withDefaults(DEFAULTS);
        Llama.Config config = checkpoint.config(Llama.Config.class, DEFAULTS).withBiases(false, false);
        Config phi3 = checkpoint.config(Config.class, DEFAULTS);
        Llama.Layout layout = Llama.Layout.of(config.numHiddenLayers(), new RotaryEmbedding(rope(json, config, phi3)))
                .withSlidingWindow(phi3.slidingWindow());
        return new DecoderParts(config, checkpoint, manager, checkpoint.dtype(), layout) {
            @Override
            SelfAttention selfAttn(String p) {
                return Phi3.selfAttn(checkpoint, manager, p, config, attentionShape());
            }

            @Override
            GatedMlp mlp(String p) {
                return Phi3.mlp(checkpoint, manager, p, config);
            }
        }.body("model", null);
    }

    /**
     * Phi3Config.convert_rope_params_to_dict: rope_scaling or rope_parameters, the old types "su" and "yarn" named
     * longrope, partial_rotary_factor defaulting to 1, and the top-level original_max_position_embeddings.
     */
    private static Rope.Parameters rope(ObjectNode json, Llama.Config config, Config phi3) {
        JsonNode dict = Rope.ropeDict(json);
        ObjectNode standard = Rope.standardize(json, dict, 10000.0, null);
        String type = standard.get("rope_type").asText();
        if (type.equals("su") || type.equals("yarn")) {
            standard.put("rope_type", "longrope");
        }
        if (!Set.of("default", "longrope").contains(standard.get("rope_type").asText())) {
            throw new IllegalArgumentException("rope_type " + type + " is not supported for Phi-3 (transformers'"
                    + " Phi3Config accepts default and longrope)");
        }
        standard = Rope.standardize(json, standard, 10000.0, phi3.originalMaxPositionEmbeddings());
        return new Rope.Parameters(standard, config.headDim(), config.maxPositionEmbeddings());
    }

    /** qkv_proj's rows: the query heads, then the key heads, then the value heads. */
    private static SelfAttention selfAttn(Checkpoint checkpoint, NDManager manager, String p, Llama.Config config,
            SelfAttention.Shape shape) {
        long q = (long) config.numAttentionHeads() * config.headDim();
        long kv = (long) config.numKeyValueHeads() * config.headDim();
        MergedLinear qkv = MergedLinear.of(fused(checkpoint, manager, p + ".qkv_proj.weight"), null,
                new long[] {q, kv, kv}, checkpoint.dtype());
        return new SelfAttention(qkv, Linear.load(checkpoint, manager, p + ".o_proj", false), null, null, shape);
    }

    /** gate_up_proj's rows: gate, then up (transformers' chunk(2)). */
    private static GatedMlp mlp(Checkpoint checkpoint, NDManager manager, String p, Llama.Config config) {
        long intermediate = config.intermediateSize();
        MergedLinear gateUp = MergedLinear.of(fused(checkpoint, manager, p + ".gate_up_proj.weight"), null,
                new long[] {intermediate, intermediate}, checkpoint.dtype());
        return new GatedMlp(gateUp, Linear.load(checkpoint, manager, p + ".down_proj", false),
                GatedMlp.checkActivation("hidden_act", config.hiddenAct()), checkpoint.dtype());
    }

    /** A fused weight, in float32 under int8 (quantized row by row), else in the compute dtype. */
    private static NDArray fused(Checkpoint checkpoint, NDManager manager, String key) {
        return checkpoint.dtype() == Dtype.INT8 ? checkpoint.loadFloat32(manager, key) : checkpoint.load(manager, key);
    }
}
