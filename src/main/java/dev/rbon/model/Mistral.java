package dev.rbon.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * Mistral, mirroring transformers' modeling_mistral.py: Llama without biases, and a sliding window on every
 * layer ({@code sliding_window}; null switches it off): a query at position i sees keys at positions j with
 * i - j < sliding_window, in prefill, in cached decoding and in scoring alike.
 */
final class Mistral {

    /** MistralConfig's defaults where they differ from LlamaConfig's. */
    static final Map<String, Object> DEFAULTS = Map.of(
            "num_key_value_heads", 8,
            "max_position_embeddings", 4096 * 32,
            "sliding_window", 4096,
            "tie_word_embeddings", false);

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Config(@JsonProperty("sliding_window") Integer slidingWindow) {}

    private Mistral() {}

    static Llama load(Checkpoint checkpoint, NDManager manager) {
        Llama.Config config = checkpoint.config(Llama.Config.class, DEFAULTS).withBiases(false, false);
        Integer slidingWindow = checkpoint.config(Config.class, DEFAULTS).slidingWindow();
        Llama.Layout layout = Llama.Layout.of(config.numHiddenLayers(), new RotaryEmbedding(config.rope()))
                .withSlidingWindow(slidingWindow);
        return Llama.load(config, checkpoint, manager, "model", checkpoint.dtype(), layout);
    }
}
