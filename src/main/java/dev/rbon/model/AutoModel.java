package dev.rbon.model;

import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Which loader reads a checkpoint, by the architecture its config.json names: transformers' auto/ mapping, for the
 * decoder bodies (a causal LM's and a decoder reward model's). Adding a family is one line here.
 */
final class AutoModel {

    private static final Map<String, BiFunction<Checkpoint, NDManager, DecoderModel>> DECODERS = new LinkedHashMap<>();

    static {
        register(Llama::load, "LlamaForCausalLM", "LlamaForSequenceClassification");
        register(Mistral::load, "MistralForCausalLM", "MistralForSequenceClassification");
        register(Qwen2::load, "Qwen2ForCausalLM", "Qwen2ForSequenceClassification");
        register(Qwen3::load, "Qwen3ForCausalLM", "Qwen3ForSequenceClassification");
        register(Gemma2::load, "Gemma2ForCausalLM", "Gemma2ForSequenceClassification");
        register(Gemma3::load, "Gemma3ForCausalLM", "Gemma3TextForSequenceClassification");
        register(Phi3::load, "Phi3ForCausalLM", "Phi3ForSequenceClassification");
        register((checkpoint, manager) -> Gpt2.load(checkpoint, manager, "transformer"), "GPT2LMHeadModel",
                "GPT2ForSequenceClassification");
    }

    private AutoModel() {}

    private static void register(BiFunction<Checkpoint, NDManager, DecoderModel> loader, String... architectures) {
        for (String architecture : architectures) {
            DECODERS.put(architecture, loader);
        }
    }

    /** The architectures {@link #decoder} runs, as config.json names them. */
    static List<String> decoders() {
        return List.copyOf(DECODERS.keySet());
    }

    /** The body of a checkpoint whose config names a supported architecture, weights owned by {@code manager}. */
    static DecoderModel decoder(Checkpoint checkpoint, NDManager manager) {
        BiFunction<Checkpoint, NDManager, DecoderModel> loader = DECODERS.get(checkpoint.architecture());
        if (loader == null) {
            throw new IllegalArgumentException("architecture " + checkpoint.architecture() + " in " + checkpoint.dir()
                    + " is not supported; rbon runs " + decoders());
        }
        return loader.apply(checkpoint, manager);
    }
}
