package dev.rbon.model;

import ai.djl.ndarray.NDManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Qwen3, mirroring transformers' modeling_qwen3.py: Llama with an RMSNorm over each head of q and k
 * ({@code self_attn.q_norm}, {@code self_attn.k_norm}) before the rotary embedding, biases per
 * {@code attention_bias}, and Qwen2's sliding-window rule.
 */
final class Qwen3 {

    /** Qwen3Config's defaults where they differ from LlamaConfig's. */
    static final Map<String, Object> DEFAULTS;

    static {
        Map<String, Object> defaults = new HashMap<>(Qwen2.DEFAULTS);
        defaults.put("head_dim", 128);
        DEFAULTS = Map.copyOf(defaults);
    }

    private Qwen3() {}

    static Llama load(Checkpoint checkpoint, NDManager manager) {
        Llama.Config raw = checkpoint.config(Llama.Config.class, DEFAULTS);
        Llama.Config config = raw.withBiases(raw.attentionBias(), false);
        Llama.Layout layout = Llama.Layout.of(config.numHiddenLayers(), new RotaryEmbedding(config.rope()));
        layout = checkpoint.config(Qwen2.Windows.class, DEFAULTS).applyTo(layout.withQkNorm(), config.numHiddenLayers());
        return Llama.load(config, checkpoint, manager, "model", checkpoint.dtype(), layout);
    }
}
