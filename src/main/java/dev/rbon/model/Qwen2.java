package dev.rbon.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * Qwen2 (Qwen2.5), mirroring transformers' modeling_qwen2.py: Llama with biases on q_proj, k_proj and v_proj
 * (none on o_proj or the MLP), and Qwen's sliding-window rule: with {@code use_sliding_window} the layers typed
 * "sliding_attention" ({@code layer_types}, by default those from {@code max_window_layers} on) see
 * {@code sliding_window} tokens. YaRN (rope_scaling type yarn, as Qwen2.5's model cards add it) is one of
 * {@link Rope}'s variants.
 */
final class Qwen2 {

    /** Qwen2Config's defaults where they differ from LlamaConfig's. */
    static final Map<String, Object> DEFAULTS = Map.of(
            "max_position_embeddings", 32768,
            "use_sliding_window", false,
            "sliding_window", 4096,
            "max_window_layers", 28,
            "tie_word_embeddings", false);

    /** The keys of Qwen's sliding-window rule. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Windows(@JsonProperty("use_sliding_window") boolean useSlidingWindow,
            @JsonProperty("sliding_window") Integer slidingWindow,
            @JsonProperty("max_window_layers") int maxWindowLayers,
            @JsonProperty("layer_types") String[] layerTypes) {

        /** Qwen2Config.__post_init__: sliding_window only with use_sliding_window; default layer_types. */
        Llama.Layout applyTo(Llama.Layout layout, int layers) {
            Integer window = useSlidingWindow ? slidingWindow : null;
            String[] types = layerTypes;
            if (types == null) {
                types = new String[layers];
                for (int i = 0; i < layers; i++) {
                    types[i] = window != null && i >= maxWindowLayers ? Llama.SLIDING : Llama.FULL;
                }
            }
            RotaryEmbedding rope = layout.rope().get(Llama.FULL);
            return layout.withLayerTypes(types, window, Map.of(Llama.FULL, rope, Llama.SLIDING, rope));
        }
    }

    private Qwen2() {}

    static Llama load(Checkpoint checkpoint, NDManager manager) {
        Llama.Config config = checkpoint.config(Llama.Config.class, DEFAULTS).withBiases(false, false);
        Llama.Layout layout = Llama.Layout.of(config.numHiddenLayers(), new RotaryEmbedding(config.rope()));
        layout = checkpoint.config(Windows.class, DEFAULTS).applyTo(layout.withQkvBias(), config.numHiddenLayers());
        return Llama.load(config, checkpoint, manager, "model", checkpoint.dtype(), layout);
    }
}
