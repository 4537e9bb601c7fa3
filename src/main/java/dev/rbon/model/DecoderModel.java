package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/** A decoder-only transformer body (embeddings, blocks, final norm): token ids to hidden states. */
public interface DecoderModel {

    /**
     * Hidden states of {@code inputIds}, the newest T tokens of each row, in the compute dtype.
     * {@code attentionMask} covers every slot so far, cached and new (1 real token, 0 padding); {@code cache}
     * holds the past and grows by T; null runs one full pass with no cache (scoring).
     */
    NDArray forward(NDArray inputIds, NDArray attentionMask, KvCache cache); // (B, T), (B, S) -> (B, T, hidden)

    /** The token embedding matrix (vocab, hidden), which a tied lm_head reuses. */
    NDArray inputEmbeddings();

    int numHiddenLayers();

    /** The longest sequence the model's positions allow. */
    int maxPositionEmbeddings();

    /** The dtype weights are stored and matmuls run in. */
    Dtype dtype();

    /** config.json's tie_word_embeddings, with the family's default. */
    boolean tieWordEmbeddings();

    /** Gemma's final_logit_softcapping on the lm_head logits (not on a score head); null for none. */
    default Double finalLogitSoftcapping() {
        return null;
    }

    /** Elements of the largest (B, heads, T_chunk, S) attention block a pass holds (queries run in chunks). */
    static long attentionBlockElements() {
        return Attention.blockElements;
    }

    /** The architectures {@link #load} runs, as config.json names them. */
    List<String> SUPPORTED = List.of(
            "LlamaForCausalLM", "LlamaForSequenceClassification",
            "MistralForCausalLM", "MistralForSequenceClassification",
            "Qwen2ForCausalLM", "Qwen2ForSequenceClassification",
            "Qwen3ForCausalLM", "Qwen3ForSequenceClassification",
            "Gemma2ForCausalLM", "Gemma2ForSequenceClassification",
            "Gemma3ForCausalLM", "Gemma3TextForSequenceClassification",
            "Phi3ForCausalLM", "Phi3ForSequenceClassification",
            "GPT2LMHeadModel", "GPT2ForSequenceClassification");

    /** The body of a checkpoint whose config names a supported architecture, weights owned by {@code manager}. */
    static DecoderModel load(Checkpoint checkpoint, NDManager manager) {
        String architecture = checkpoint.architecture();
        String family = architecture.replaceAll("(ForCausalLM|LMHeadModel|ForSequenceClassification)$", "");
        if (!SUPPORTED.contains(architecture)) {
            family = "";
        }
        return switch (family) {
            case "Llama" -> Llama.load(checkpoint, manager);
            case "Mistral" -> Mistral.load(checkpoint, manager);
            case "Qwen2" -> Qwen2.load(checkpoint, manager);
            case "Qwen3" -> Qwen3.load(checkpoint, manager);
            case "Gemma2" -> Gemma2.load(checkpoint, manager);
            case "Gemma3", "Gemma3Text" -> Gemma3.load(checkpoint, manager);
            case "Phi3" -> Phi3.load(checkpoint, manager);
            case "GPT2" -> Gpt2.load(checkpoint, manager, "transformer");
            default -> throw new IllegalArgumentException("architecture " + architecture + " in " + checkpoint.dir()
                    + " is not supported; rbon runs " + SUPPORTED);
        };
    }
}
