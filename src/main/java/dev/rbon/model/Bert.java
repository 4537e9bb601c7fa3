package dev.rbon.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * BERT as a sentence embedder, mirroring transformers' modeling_bert.py BertModel (no pooler): word + position +
 * token-type embeddings, post-LayerNorm encoder layers with bidirectional attention and an exact (erf) GELU, then
 * the folder's sentence-transformers pooling ({@link SentenceTransformer}: mean unless its Pooling module says
 * otherwise) and L2 normalisation, texts truncated at its max_seq_length. Field names are the checkpoint's keys
 * ({@code attentionSelf} is {@code attention.self}).
 */
public final class Bert implements SentenceEmbedder {

    /** config.json; defaults are BertConfig's. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Config(
            @JsonProperty("architectures") List<String> architectures,
            @JsonProperty("model_type") String modelType,
            @JsonProperty("vocab_size") Integer vocabSize,
            @JsonProperty("hidden_size") Integer hiddenSize,
            @JsonProperty("num_hidden_layers") Integer numHiddenLayers,
            @JsonProperty("num_attention_heads") Integer numAttentionHeads,
            @JsonProperty("intermediate_size") Integer intermediateSize,
            @JsonProperty("hidden_act") String hiddenAct,
            @JsonProperty("max_position_embeddings") Integer maxPositionEmbeddings,
            @JsonProperty("type_vocab_size") Integer typeVocabSize,
            @JsonProperty("layer_norm_eps") Double layerNormEps,
            @JsonProperty("pad_token_id") Integer padTokenId,
            @JsonProperty("position_embedding_type") String positionEmbeddingType) {

        public Config {
            architectures = architectures == null ? List.of() : List.copyOf(architectures);
            vocabSize = vocabSize == null ? 30522 : vocabSize;
            hiddenSize = hiddenSize == null ? 768 : hiddenSize;
            numHiddenLayers = numHiddenLayers == null ? 12 : numHiddenLayers;
            numAttentionHeads = numAttentionHeads == null ? 12 : numAttentionHeads;
            intermediateSize = intermediateSize == null ? 3072 : intermediateSize;
            hiddenAct = hiddenAct == null ? "gelu" : hiddenAct;
            maxPositionEmbeddings = maxPositionEmbeddings == null ? 512 : maxPositionEmbeddings;
            typeVocabSize = typeVocabSize == null ? 2 : typeVocabSize;
            layerNormEps = layerNormEps == null ? 1e-12 : layerNormEps;
            padTokenId = padTokenId == null ? 0 : padTokenId;
            positionEmbeddingType = positionEmbeddingType == null ? "absolute" : positionEmbeddingType;
        }

        public int headDim() {
            return hiddenSize / numAttentionHeads;
        }

        /** What {@link SentenceEmbedder#load} runs as BERT: architectures BertModel, or model_type bert. */
        public boolean isBert() {
            return architectures.contains("BertModel") || "bert".equals(modelType);
        }
    }

    record Embeddings(NDArray wordEmbeddings, NDArray positionEmbeddings, NDArray tokenTypeEmbeddings,
            LayerNorm layerNorm) {}

    record SelfAttention(Linear query, Linear key, Linear value) {}

    /** BertSelfOutput and BertOutput: LayerNorm(dense(hidden) + residual); dropout is the identity here. */
    record Output(Linear dense, LayerNorm layerNorm) {}

    record Layer(SelfAttention attentionSelf, Output attentionOutput, Linear intermediateDense, Output output) {}

    private final String name;
    private final Config config;
    private final SentenceTransformer layout;
    private final NDManager manager;
    private final Embeddings embeddings;
    private final Layer[] layers;
    private final TextTokenizer tokenizer;

    private Bert(String name, Config config, SentenceTransformer layout, NDManager manager, Embeddings embeddings,
            Layer[] layers, TextTokenizer tokenizer) {
        this.name = name;
        this.config = config;
        this.layout = layout;
        this.manager = manager;
        this.embeddings = embeddings;
        this.layers = layers;
        this.tokenizer = tokenizer;
    }

    /**
     * A BertModel folder, or a sentence-transformers folder whose Transformer module is one; weights may sit under
     * {@code bert.} (as a BertFor* model saves them) or at the root.
     */
    public static Bert load(Path dir, Device device) throws IOException {
        SentenceTransformer layout = SentenceTransformer.read(dir);
        return Checkpoint.build(layout.transformer(), device, (checkpoint, manager) -> {
            Config config = checkpoint.config(Config.class);
            check(config, dir);
            String prefix = checkpoint.has("bert.embeddings.word_embeddings.weight") ? "bert." : "";
            Embeddings embeddings = loadEmbeddings(checkpoint, manager, prefix + "embeddings");
            Layer[] layers = new Layer[config.numHiddenLayers()];
            for (int i = 0; i < layers.length; i++) {
                layers[i] = loadLayer(checkpoint, manager, prefix + "encoder.layer." + i);
            }
            skipUnused(checkpoint, prefix);
            TextTokenizer tokenizer =
                    layout.tokenizer(checkpoint.dir().resolve("tokenizer.json"), config.maxPositionEmbeddings());
            return new Bert(dir.getFileName().toString(), config, layout, manager, embeddings, layers, tokenizer);
        });
    }

    /**
     * What a BertModel checkpoint may hold that its last hidden state does not use, as sentence-transformers ignores
     * it too: the pooler (BertModel's pooler_output) and the position_ids buffer of older checkpoints.
     */
    private static void skipUnused(Checkpoint checkpoint, String prefix) {
        for (String key : new String[] {"pooler.dense.weight", "pooler.dense.bias", "embeddings.position_ids"}) {
            if (checkpoint.has(prefix + key)) {
                checkpoint.skip(prefix + key);
            }
        }
    }

    private static void check(Config config, Path dir) {
        if (!config.isBert()) {
            throw new IllegalArgumentException(dir + " holds architectures " + config.architectures() + ", model_type "
                    + config.modelType() + "; a sentence-embedding folder must be a BertModel (or a .onnx file)");
        }
        if (!config.hiddenAct().equals("gelu")) {
            throw new IllegalArgumentException("hidden_act " + config.hiddenAct() + " is not supported (only gelu)");
        }
        if (!config.positionEmbeddingType().equals("absolute")) {
            throw new IllegalArgumentException("position_embedding_type " + config.positionEmbeddingType()
                    + " is not supported (only absolute)");
        }
    }

    private static Embeddings loadEmbeddings(Checkpoint checkpoint, NDManager manager, String p) {
        return new Embeddings(
                checkpoint.load(manager, p + ".word_embeddings.weight"),
                checkpoint.load(manager, p + ".position_embeddings.weight"),
                checkpoint.load(manager, p + ".token_type_embeddings.weight"),
                LayerNorm.load(checkpoint, manager, p + ".LayerNorm"));
    }

    private static Layer loadLayer(Checkpoint checkpoint, NDManager manager, String p) {
        SelfAttention attentionSelf = new SelfAttention(
                Linear.load(checkpoint, manager, p + ".attention.self.query", true),
                Linear.load(checkpoint, manager, p + ".attention.self.key", true),
                Linear.load(checkpoint, manager, p + ".attention.self.value", true));
        Output attentionOutput = new Output(
                Linear.load(checkpoint, manager, p + ".attention.output.dense", true),
                LayerNorm.load(checkpoint, manager, p + ".attention.output.LayerNorm"));
        Output output = new Output(
                Linear.load(checkpoint, manager, p + ".output.dense", true),
                LayerNorm.load(checkpoint, manager, p + ".output.LayerNorm"));
        return new Layer(attentionSelf, attentionOutput,
                Linear.load(checkpoint, manager, p + ".intermediate.dense", true), output);
    }

    @Override
    public int maxSeqLength() {
        return Math.min(layout.maxSeqLength(), config.maxPositionEmbeddings());
    }

    @Override
    public float[][] embed(List<String> texts) {
        if (texts.isEmpty()) {
            return new float[0][];
        }
        PaddedBatch batch = PaddedBatch.encode(tokenizer, layout.prepare(texts), config.maxPositionEmbeddings(),
                config.padTokenId(), name);
        try (NDManager call = NDManager.newBaseManager(manager.getDevice())) { // the weights' manager is capped
            NDArray inputIds = call.create(batch.inputIds(), new Shape(batch.shape()));           // (B, S)
            NDArray attentionMask = call.create(batch.attentionMask(), new Shape(batch.shape())); // (B, S)
            float[] hidden = forward(inputIds, attentionMask).toFloatArray();                   // (B, S, hidden)
            return layout.pool(hidden, batch, config.hiddenSize());
        }
    }

    /** BertModel's last_hidden_state; every result belongs to the manager of {@code inputIds}. */
    public NDArray forward(NDArray inputIds, NDArray attentionMask) { // (B, S), (B, S) -> (B, S, hidden)
        Attention.Mask mask = Attention.Mask.padding(attentionMask);
        NDArray x = embeddings(inputIds);                    // (B, S, hidden)
        for (Layer layer : layers) {
            x = LayerScope.run(x, in -> layer(layer, in, mask)); // (B, S, hidden)
        }
        return x;
    }

    /** BertEmbeddings with token type 0 and positions 0..S-1 (right padding keeps every row's start at 0). */
    private NDArray embeddings(NDArray inputIds) { // (B, S) -> (B, S, hidden)
        long length = inputIds.getShape().get(1);
        NDArray positionIds = inputIds.getManager().arange(0, length, 1, DataType.INT64).expandDims(0); // (1, S)
        NDArray tokenTypeIds = inputIds.zerosLike();                                                     // (B, S)
        NDArray x = Embedding.lookup(inputIds, embeddings.wordEmbeddings());                            // (B, S, hidden)
        x = x.add(Embedding.lookup(tokenTypeIds, embeddings.tokenTypeEmbeddings()));                    // (B, S, hidden)
        x = x.add(Embedding.lookup(positionIds, embeddings.positionEmbeddings()));                      // (B, S, hidden)
        return embeddings.layerNorm().forward(x, config.layerNormEps());
    }

    /** BertLayer: attention, then the feed-forward block, each closed by a residual and LayerNorm (post-LN). */
    private NDArray layer(Layer layer, NDArray x, Attention.Mask mask) { // (B, S, hidden)
        double eps = config.layerNormEps();
        NDArray context = selfAttention(layer.attentionSelf(), x, mask);                       // (B, S, hidden)
        NDArray attention = output(layer.attentionOutput(), context, x, eps);                 // (B, S, hidden)
        NDArray intermediate = Activation.gelu(layer.intermediateDense().forward(attention)); // (B, S, intermediate)
        return output(layer.output(), intermediate, attention, eps);                         // (B, S, hidden)
    }

    /** BertSelfAttention: every token attends to every real token of its row. */
    private NDArray selfAttention(SelfAttention attn, NDArray x, Attention.Mask mask) {
        int heads = config.numAttentionHeads();
        int headDim = config.headDim();
        NDArray q = Attention.splitHeads(attn.query().forward(x), heads, headDim);         // (B, heads, S, headDim)
        NDArray k = Attention.splitHeads(attn.key().forward(x), heads, headDim);           // (B, heads, S, headDim)
        NDArray v = Attention.splitHeads(attn.value().forward(x), heads, headDim);         // (B, heads, S, headDim)
        NDArray out = Attention.scaledDotProduct(q, k, v, mask, 1.0 / Math.sqrt(headDim)); // (B, heads, S, headDim)
        return Attention.mergeHeads(out);                                                  // (B, S, hidden)
    }

    private static NDArray output(Output output, NDArray hidden, NDArray residual, double eps) {
        return output.layerNorm().forward(output.dense().forward(hidden).add(residual), eps); // (B, S, hidden)
    }

    /** The tokenizer the texts go through: its special tokens, truncation at max_seq_length, no padding. */
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public Config config() {
        return config;
    }

    @Override
    public int dimension() {
        return layout.dimension(config.hiddenSize());
    }

    @Override
    public String device() {
        return manager.getDevice().toString();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
