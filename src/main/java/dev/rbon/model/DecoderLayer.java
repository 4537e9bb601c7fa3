package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * One block of a decoder body, residual stream in and out: {@link Llama.LlamaDecoderLayer} (every Llama-shaped
 * family), {@link Gemma2.Gemma2DecoderLayer} (Gemma's four norms).
 */
interface DecoderLayer {

    /**
     * @param index the layer's index, for its slot in the cache
     * @param rope cos and sin of the layer's rotary embedding at the new positions, (B, 1, T, rotaryDim) each
     */
    NDArray forward(NDArray x, int index, NDList rope, Attention.Mask mask, KvCache cache); // (B, T, hidden)
}
