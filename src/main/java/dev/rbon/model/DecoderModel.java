package dev.rbon.model;

import ai.djl.ndarray.NDArray;

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

    /** Sets that bound for every model of the process (rbon.passes.attention-block-elements), before they run. */
    static void attentionBlockElements(long elements) {
        if (elements < 1) {
            throw new IllegalArgumentException("attention block elements must be >= 1, got " + elements);
        }
        Attention.blockElements = elements;
    }
}
