package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** A decoder-only transformer body (embeddings, blocks, final norm): token ids to hidden states. */
public interface DecoderModel {

    /**
     * Hidden states of {@code inputIds}, the newest T tokens of each row. {@code attentionMask} covers every slot
     * so far, cached and new (1 real token, 0 padding); {@code cache} holds the past and grows by T;
     * null runs one full pass with no cache (scoring).
     */
    NDArray forward(NDArray inputIds, NDArray attentionMask, KvCache cache); // (B, T), (B, S) -> (B, T, hidden)

    /** The token embedding matrix (vocab, hidden), which a tied lm_head reuses. */
    NDArray inputEmbeddings();

    int numHiddenLayers();

    /** The longest sequence the model's positions allow. */
    int maxPositionEmbeddings();

    /** The body of a checkpoint whose config names a supported architecture, weights owned by {@code manager}. */
    static DecoderModel load(Checkpoint checkpoint, NDManager manager) {
        String architecture = checkpoint.architecture();
        return switch (architecture) {
            case "LlamaForCausalLM", "LlamaForSequenceClassification",
                    "MistralForCausalLM", "MistralForSequenceClassification" ->
                    Llama.load(checkpoint, manager, "model", false);
            case "Qwen2ForCausalLM", "Qwen2ForSequenceClassification" -> Qwen2.load(checkpoint, manager, "model");
            case "GPT2LMHeadModel", "GPT2ForSequenceClassification" -> Gpt2.load(checkpoint, manager, "transformer");
            default -> throw new IllegalArgumentException("architecture " + architecture + " in " + checkpoint.dir()
                    + " is not supported; rbon runs Llama, Mistral, Qwen2 and GPT-2 (causal LM or sequence"
                    + " classification)");
        };
    }
}
