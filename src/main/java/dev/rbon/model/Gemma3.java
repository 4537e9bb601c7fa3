package dev.rbon.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;

/**
 * Gemma 3 text (Gemma3ForCausalLM), mirroring transformers' modeling_gemma3.py: the {@link Gemma2} body plus
 * (1 + w) RMSNorms over each head of q and k ({@code self_attn.q_norm}, {@code self_attn.k_norm}), and a rotary
 * embedding per layer type: full-attention layers use {@code rope_theta} (and any rope_scaling), sliding ones
 * {@code rope_local_base_freq}, or transformers 5's {@code rope_parameters} keyed by layer type. As in
 * transformers, Gemma 3's attention takes no logit soft-capping even if the config names one.
 */
final class Gemma3 {

    /** Gemma3TextConfig's defaults where they differ from LlamaConfig's. */
    static final Map<String, Object> DEFAULTS;

    static {
        Map<String, Object> defaults = new HashMap<>(Gemma2.DEFAULTS);
        defaults.put("max_position_embeddings", 131_072);
        defaults.remove("final_logit_softcapping"); // null by default in Gemma 3
        defaults.remove("attn_logit_softcapping");
        DEFAULTS = Map.copyOf(defaults);
    }

    private Gemma3() {}

    static Llama load(Checkpoint checkpoint, NDManager manager) {
        Llama.Config config = checkpoint.config(Llama.Config.class, DEFAULTS);
        Gemma2.Config gemma = checkpoint.config(Gemma2.Config.class, DEFAULTS);
        int pattern = checkpoint.config().path("sliding_window_pattern").asInt(6);
        String[] types = gemma.layerTypes(config.numHiddenLayers(), pattern);
        Map<String, RotaryEmbedding> rope = new HashMap<>();
        ropeParameters(checkpoint.withDefaults(DEFAULTS)).forEach((type, dict) ->
                rope.put(type, new RotaryEmbedding(new Rope.Parameters(dict, config.headDim(),
                        config.maxPositionEmbeddings()))));
        Llama.Layout layout = Llama.Layout.of(config.numHiddenLayers(), rope.get(Llama.FULL))
                .withQkNorm()
                .withLayerTypes(types, gemma.slidingWindow(), rope);
        return Gemma2.body(checkpoint, manager, config, gemma, layout, null);
    }

    /**
     * Gemma3TextConfig.convert_rope_params_to_dict: per layer type, rope_parameters[type] (default RoPE when
     * absent); rope_scaling updates the full-attention dict; rope_theta (default 1e6) is the full-attention base,
     * rope_local_base_freq (default 1e4) the sliding one.
     */
    static Map<String, ObjectNode> ropeParameters(ObjectNode json) {
        JsonNode parameters = json.path("rope_parameters");
        JsonNode scaling = json.get("rope_scaling");
        Map<String, ObjectNode> out = new HashMap<>();
        for (String type : new String[] {Llama.FULL, Llama.SLIDING}) {
            JsonNode given = parameters.get(type);
            ObjectNode dict = given != null && given.isObject() ? ((ObjectNode) given).deepCopy()
                    : Checkpoint.JSON.createObjectNode().put("rope_type", "default");
            if (type.equals(Llama.FULL) && scaling != null && scaling.isObject()) {
                dict.setAll(((ObjectNode) scaling).deepCopy());
            }
            if (!dict.hasNonNull("rope_theta")) {
                dict.put("rope_theta", type.equals(Llama.FULL)
                        ? json.path("rope_theta").asDouble(1_000_000.0)
                        : json.path("rope_local_base_freq").asDouble(10_000.0));
            }
            out.put(type, Rope.standardize(json, dict, 10_000.0, null));
        }
        return out;
    }
}
