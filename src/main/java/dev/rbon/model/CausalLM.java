package dev.rbon.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A causal language model as transformers' *ForCausalLM: a decoder body and an lm_head (the input embedding when
 * the checkpoint ties them), with the tokenizer and stop ids of its folder.
 */
public final class CausalLM implements AutoCloseable {

    private final ModelInfo info;
    private final NDManager manager;
    private final DecoderModel model;
    private final Linear lmHead;
    private final TextTokenizer tokenizer;
    private final long[] eosTokenIds;
    private final Optional<ChatTemplate> chatTemplate;

    private CausalLM(ModelInfo info, NDManager manager, DecoderModel model, Linear lmHead,
            TextTokenizer tokenizer, long[] eosTokenIds, Optional<ChatTemplate> chatTemplate) {
        this.info = info;
        this.manager = manager;
        this.model = model;
        this.lmHead = lmHead;
        this.tokenizer = tokenizer;
        this.eosTokenIds = eosTokenIds;
        this.chatTemplate = chatTemplate;
    }

    /** The checkpoint in {@code dir}, computing in float32. */
    public static CausalLM load(Path dir, Device device) throws IOException {
        return load(dir, device, Dtype.FLOAT32);
    }

    /** The checkpoint in {@code dir}, its weights stored and its matmuls run in {@code dtype}. */
    public static CausalLM load(Path dir, Device device, Dtype dtype) throws IOException {
        return Checkpoint.build(dir, device, dtype, (checkpoint, manager) -> {
            DecoderModel model = AutoModel.decoder(checkpoint, manager);
            return new CausalLM(ModelInfo.of(checkpoint), manager, model, lmHead(checkpoint, manager, model),
                    checkpoint.tokenizer(), checkpoint.eosTokenIds(), ChatTemplate.of(dir));
        });
    }

    /**
     * transformers' tying: with tie_word_embeddings (the family's default when config.json is silent) the lm_head
     * is the input embedding, and a stored lm_head.weight is overwritten by it; otherwise lm_head.weight is needed.
     * A tied head in oneDNN's layout is a copy of the embedding, and under int8 an int8 copy of the (bfloat16)
     * embedding; the lookup keeps using the embedding.
     */
    private static Linear lmHead(Checkpoint checkpoint, NDManager manager, DecoderModel model) {
        if (!model.tieWordEmbeddings()) {
            return Linear.load(checkpoint, manager, "lm_head", false);
        }
        checkpoint.skip("lm_head.weight");
        if (checkpoint.dtype() != Dtype.INT8) {
            return Linear.tied(model.inputEmbeddings(), checkpoint.dtype());
        }
        try (NDArray embeddings = model.inputEmbeddings().toType(ai.djl.ndarray.types.DataType.FLOAT32, false)) {
            return Linear.quantize(embeddings, null);
        }
    }

    /** Next-token logits for each of the T new tokens; see {@link DecoderModel#forward}. */
    public NDArray forward(NDArray inputIds, NDArray attentionMask, KvCache cache) { // -> (B, T, vocab)
        return logits(hiddenStates(inputIds, attentionMask, cache));
    }

    /** The body's output before the lm_head, so callers project only the positions they need. */
    public NDArray hiddenStates(NDArray inputIds, NDArray attentionMask, KvCache cache) { // -> (B, T, hidden)
        return model.forward(inputIds, attentionMask, cache);
    }

    /**
     * The lm_head in the compute dtype, then Gemma's final soft-capping, returned in float32 (what generate and
     * log_softmax upcast to): (..., hidden) -> (..., vocab).
     */
    public NDArray logits(NDArray hidden) {
        NDArray logits = head(hidden).forward(hidden);
        if (model.finalLogitSoftcapping() != null) {
            logits = Attention.softcap(logits, model.finalLogitSoftcapping());
        }
        return logits.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
    }

    /**
     * The lm_head for these positions. An int8 head's kernel pays for a decode step's few rows; a prefill or a
     * scoring pass's many rows would dequantize the whole (vocab, hidden) head again for every chunk of positions,
     * so when the head is tied they multiply the bfloat16 embedding it was quantized from, already in memory.
     */
    private Linear head(NDArray hidden) {
        Shape shape = hidden.getShape();
        boolean manyRows = hidden.size() / shape.get(shape.dimension() - 1) > Linear.INT8_KERNEL_ROWS;
        return manyRows && lmHead.scale() != null && model.tieWordEmbeddings()
                ? new Linear(model.inputEmbeddings(), null) : lmHead;
    }

    /** The dtype the model computes in. */
    public Dtype dtype() {
        return model.dtype();
    }

    /** Logits of the last position of each row only: a prompt's prefill needs no more. */
    public NDArray lastLogits(NDArray inputIds, NDArray attentionMask, KvCache cache) { // -> (B, vocab)
        return logits(hiddenStates(inputIds, attentionMask, cache).get(":, -1, :"));
    }

    /** An empty cache whose arrays belong to the request's manager. */
    public KvCache newCache(NDManager requestManager) {
        return new KvCache(requestManager, model.numHiddenLayers());
    }

    /** A manager for one request's arrays, on this model's device. */
    public NDManager newRequestManager() {
        return NDManager.newBaseManager(manager.getDevice());
    }

    /** tokenizer_config.json's chat template, if the checkpoint has one. */
    public Optional<ChatTemplate> chatTemplate() {
        return chatTemplate;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public long[] eosTokenIds() {
        return eosTokenIds.clone();
    }

    /** Whether {@code token} ends generation (asked once per sampled token, so no copy of the ids). */
    public boolean isEos(long token) {
        for (long eos : eosTokenIds) {
            if (eos == token) {
                return true;
            }
        }
        return false;
    }

    public int maxPositionEmbeddings() {
        return model.maxPositionEmbeddings();
    }

    public int vocabSize() {
        return (int) lmHead.weight().getShape().get(0);
    }

    public String name() {
        return info.name();
    }

    public ModelInfo info() {
        return info;
    }

    public String architecture() {
        return info.architecture();
    }

    public Device device() {
        return manager.getDevice();
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
