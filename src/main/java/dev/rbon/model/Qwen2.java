package dev.rbon.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Qwen2, mirroring transformers' modeling_qwen2.py: Llama with biases on q_proj, k_proj and v_proj (none on
 * o_proj), and a larger RoPE theta read from the same keys. Sliding-window attention is refused: Qwen2
 * checkpoints ship it switched off.
 */
final class Qwen2 {

    @JsonIgnoreProperties(ignoreUnknown = true)
    record SlidingWindow(@JsonProperty("use_sliding_window") boolean useSlidingWindow) {}

    private Qwen2() {}

    static Llama load(Checkpoint checkpoint, NDManager manager, String prefix) {
        if (checkpoint.config(SlidingWindow.class).useSlidingWindow()) {
            throw new IllegalArgumentException("use_sliding_window is not supported for Qwen2");
        }
        return Llama.load(checkpoint, manager, prefix, true);
    }
}
