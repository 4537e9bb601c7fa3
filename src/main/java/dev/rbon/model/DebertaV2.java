package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * DeBERTa-v2/v3 as a sequence classifier, mirroring transformers' modeling_deberta_v2.py
 * DebertaV2ForSequenceClassification (the OpenAssistant reward models' layout): word embeddings (no absolute
 * positions unless {@code position_biased_input}), post-LayerNorm encoder layers with disentangled attention
 * (content-to-content plus content-to-position {@code c2p} and position-to-content {@code p2c} scores over
 * log-bucketed relative positions, the relative embeddings LayerNorm-ed and, with {@code share_att_key}, projected
 * by the layer's own query/key projections), then ContextPooler (dense + activation on the first token) and the
 * classifier. Field names are the checkpoint's keys under {@code deberta.}; dropout is the identity here.
 */
final class DebertaV2 implements SequenceClassifier.Body {

    /** config.json; defaults are DebertaV2Config's. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Config(
            @JsonProperty("hidden_size") Integer hiddenSize,
            @JsonProperty("num_hidden_layers") Integer numHiddenLayers,
            @JsonProperty("num_attention_heads") Integer numAttentionHeads,
            @JsonProperty("attention_head_size") Integer attentionHeadSize,
            @JsonProperty("hidden_act") String hiddenAct,
            @JsonProperty("max_position_embeddings") Integer maxPositionEmbeddings,
            @JsonProperty("type_vocab_size") Integer typeVocabSize,
            @JsonProperty("layer_norm_eps") Double layerNormEps,
            @JsonProperty("relative_attention") Boolean relativeAttention,
            @JsonProperty("max_relative_positions") Integer maxRelativePositions,
            @JsonProperty("position_buckets") Integer positionBuckets,
            @JsonProperty("position_biased_input") Boolean positionBiasedInput,
            @JsonProperty("pos_att_type") JsonNode posAttType,
            @JsonProperty("share_att_key") Boolean shareAttKey,
            @JsonProperty("norm_rel_ebd") String normRelEbd,
            @JsonProperty("pooler_hidden_act") String poolerHiddenAct,
            @JsonProperty("conv_kernel_size") Integer convKernelSize,
            @JsonProperty("pad_token_id") Long padTokenId) {

        Config {
            hiddenSize = hiddenSize == null ? 1536 : hiddenSize;
            numHiddenLayers = numHiddenLayers == null ? 24 : numHiddenLayers;
            numAttentionHeads = numAttentionHeads == null ? 24 : numAttentionHeads;
            hiddenAct = hiddenAct == null ? "gelu" : hiddenAct;
            maxPositionEmbeddings = maxPositionEmbeddings == null ? 512 : maxPositionEmbeddings;
            typeVocabSize = typeVocabSize == null ? 0 : typeVocabSize;
            layerNormEps = layerNormEps == null ? 1e-7 : layerNormEps;
            relativeAttention = relativeAttention != null && relativeAttention;
            maxRelativePositions = maxRelativePositions == null ? -1 : maxRelativePositions;
            positionBuckets = positionBuckets == null ? -1 : positionBuckets;
            positionBiasedInput = positionBiasedInput == null || positionBiasedInput;
            shareAttKey = shareAttKey != null && shareAttKey;
            normRelEbd = normRelEbd == null ? "none" : normRelEbd;
            poolerHiddenAct = poolerHiddenAct == null ? "gelu" : poolerHiddenAct;
            convKernelSize = convKernelSize == null ? 0 : convKernelSize;
            padTokenId = padTokenId == null ? 0 : padTokenId;
        }

        int headDim() {
            return attentionHeadSize != null ? attentionHeadSize : hiddenSize / numAttentionHeads;
        }

        /** "p2c|c2p" (the v2 configs) or ["p2c", "c2p"]. */
        List<String> posAttTypes() {
            List<String> types = new ArrayList<>();
            if (posAttType != null && posAttType.isArray()) {
                posAttType.forEach(t -> types.add(t.asText().trim().toLowerCase()));
            } else if (posAttType != null && posAttType.isTextual()) {
                Arrays.stream(posAttType.asText().toLowerCase().split("\\|")).map(String::trim).forEach(types::add);
            }
            return types;
        }

        /** max_relative_positions, or max_position_embeddings when it is below 1. */
        int relativePositions() {
            return maxRelativePositions < 1 ? maxPositionEmbeddings : maxRelativePositions;
        }

        /** att_span: how many relative distances each side has an embedding (pos_ebd_size). */
        int attSpan() {
            return positionBuckets > 0 ? positionBuckets : relativePositions();
        }

        boolean c2p() {
            return relativeAttention && posAttTypes().contains("c2p");
        }

        boolean p2c() {
            return relativeAttention && posAttTypes().contains("p2c");
        }
    }

    record Embeddings(NDArray wordEmbeddings, NDArray positionEmbeddings, Linear embedProj, LayerNorm layerNorm) {}

    /**
     * DisentangledSelfAttention. {@code posKeyT} and {@code posQueryT} are the relative embeddings through this
     * layer's key and query projections (pos_key_layer, pos_query_layer), transposed for the product with the
     * content: they depend on no input, so they are computed once at load.
     */
    record SelfAttention(Linear queryProj, Linear keyProj, Linear valueProj, NDArray posKeyT, NDArray posQueryT) {}

    /** DebertaV2SelfOutput and DebertaV2Output: LayerNorm(dense(hidden) + residual). */
    record Output(Linear dense, LayerNorm layerNorm) {}

    record Layer(SelfAttention attentionSelf, Output attentionOutput, Linear intermediateDense, Output output) {}

    private final Config config;
    private final Embeddings embeddings;
    private final Layer[] layers;
    private final Linear poolerDense;
    private final Linear classifier;

    private DebertaV2(Config config, Embeddings embeddings, Layer[] layers, Linear poolerDense, Linear classifier) {
        this.config = config;
        this.embeddings = embeddings;
        this.layers = layers;
        this.poolerDense = poolerDense;
        this.classifier = classifier;
    }

    static DebertaV2 load(Checkpoint checkpoint, NDManager manager) {
        Config config = checkpoint.config(Config.class);
        check(config, checkpoint);
        Embeddings embeddings = new Embeddings(
                checkpoint.load(manager, "deberta.embeddings.word_embeddings.weight"),
                config.positionBiasedInput()
                        ? checkpoint.load(manager, "deberta.embeddings.position_embeddings.weight") : null,
                checkpoint.has("deberta.embeddings.embed_proj.weight")
                        ? Linear.load(checkpoint, manager, "deberta.embeddings.embed_proj", false) : null,
                LayerNorm.load(checkpoint, manager, "deberta.embeddings.LayerNorm"));
        NDArray relEmbeddings = relEmbeddings(config, checkpoint, manager); // (2 * attSpan, hidden) or null
        Layer[] layers = new Layer[config.numHiddenLayers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = loadLayer(config, checkpoint, manager, "deberta.encoder.layer." + i, relEmbeddings);
        }
        Linear poolerDense = Linear.load(checkpoint, manager, "pooler.dense", true);
        Linear classifier = Linear.load(checkpoint, manager, "classifier", true);
        SequenceClassifier.checkOneLabel(checkpoint, classifier, "classifier");
        return new DebertaV2(config, embeddings, layers, poolerDense, classifier);
    }

    private static void check(Config config, Checkpoint checkpoint) {
        String where = checkpoint.dir().resolve("config.json").toString();
        if (config.convKernelSize() > 0) {
            throw new IllegalArgumentException(where + ": conv_kernel_size " + config.convKernelSize()
                    + " (DeBERTa-v2's convolution layer) is not supported; rbon runs DeBERTa-v3 (conv_kernel_size 0)");
        }
        if (config.typeVocabSize() > 0) {
            throw new IllegalArgumentException(where + ": type_vocab_size " + config.typeVocabSize()
                    + " is not supported; rbon runs DeBERTa-v3 without token types (type_vocab_size 0)");
        }
        for (String act : List.of(config.hiddenAct(), config.poolerHiddenAct())) {
            if (!act.equals("gelu")) {
                throw new IllegalArgumentException(where + ": activation " + act + " is not supported (only gelu)");
            }
        }
        for (String type : config.posAttTypes()) {
            if (!type.equals("c2p") && !type.equals("p2c")) {
                throw new IllegalArgumentException(where + ": pos_att_type " + type + " is not supported (c2p, p2c)");
            }
        }
    }

    /** DebertaV2Encoder.get_rel_embedding, sliced to the 2 * att_span rows attention reads. */
    private static NDArray relEmbeddings(Config config, Checkpoint checkpoint, NDManager manager) {
        if (!config.relativeAttention()) {
            return null;
        }
        NDArray rel = checkpoint.load(manager, "deberta.encoder.rel_embeddings.weight"); // (2 * buckets, hidden)
        if (Arrays.stream(config.normRelEbd().toLowerCase().split("\\|")).map(String::trim).anyMatch("layer_norm"::equals)) {
            rel = LayerNorm.load(checkpoint, manager, "deberta.encoder.LayerNorm").forward(rel, config.layerNormEps());
        }
        return rel.get("0:" + 2 * config.attSpan()); // (2 * attSpan, hidden)
    }

    private static Layer loadLayer(Config config, Checkpoint checkpoint, NDManager manager, String p, NDArray rel) {
        String a = p + ".attention.self";
        Linear queryProj = Linear.load(checkpoint, manager, a + ".query_proj", true);
        Linear keyProj = Linear.load(checkpoint, manager, a + ".key_proj", true);
        NDArray posKey = null;
        NDArray posQuery = null;
        if (config.c2p()) {
            Linear proj = config.shareAttKey() ? keyProj : Linear.load(checkpoint, manager, a + ".pos_key_proj", true);
            posKey = positionProjection(config, proj, rel); // (heads, headDim, 2 * attSpan)
        }
        if (config.p2c()) {
            Linear proj = config.shareAttKey() ? queryProj : Linear.load(checkpoint, manager, a + ".pos_query_proj", true);
            posQuery = positionProjection(config, proj, rel); // (heads, headDim, 2 * attSpan)
        }
        SelfAttention attentionSelf = new SelfAttention(queryProj, keyProj,
                Linear.load(checkpoint, manager, a + ".value_proj", true), posKey, posQuery);
        return new Layer(attentionSelf,
                new Output(Linear.load(checkpoint, manager, p + ".attention.output.dense", true),
                        LayerNorm.load(checkpoint, manager, p + ".attention.output.LayerNorm")),
                Linear.load(checkpoint, manager, p + ".intermediate.dense", true),
                new Output(Linear.load(checkpoint, manager, p + ".output.dense", true),
                        LayerNorm.load(checkpoint, manager, p + ".output.LayerNorm")));
    }

    /** The relative embeddings through a projection, split into heads and transposed. */
    private static NDArray positionProjection(Config config, Linear proj, NDArray rel) { // -> (heads, headDim, 2 * span)
        NDArray projected = proj.forward(rel.expandDims(0));                                   // (1, 2 * span, all)
        return Attention.splitHeads(projected, config.numAttentionHeads(), config.headDim())   // (1, heads, 2 * span, hd)
                .squeeze(0).transpose(0, 2, 1);
    }

    /** logits[:, 0] of each row: the classifier on the pooled first token ([CLS]). */
    @Override
    public float[] scores(PaddedBatch batch, NDManager request) {
        NDArray inputIds = batch.inputIds(request);                                // (B, S)
        NDArray attentionMask = batch.attentionMask(request);                      // (B, S)
        NDArray hidden = forward(inputIds, attentionMask);                         // (B, S, hidden)
        NDArray context = hidden.get(":, 0, :");                                   // (B, hidden)
        NDArray pooled = Activation.gelu(poolerDense.forward(context));            // (B, hidden)
        NDArray logits = classifier.forward(pooled);                               // (B, labels)
        return logits.get(":, 0").toFloatArray();                                  // (B)
    }

    /** DebertaV2Model's last_hidden_state; every result belongs to the manager of {@code inputIds}. */
    NDArray forward(NDArray inputIds, NDArray attentionMask) { // (B, S), (B, S) -> (B, S, hidden)
        NDArray x = embeddings(inputIds, attentionMask);                  // (B, S, hidden)
        NDArray allowed = attentionAllowed(attentionMask);                // (B, 1, S, S)
        NDArray[] positions = relativePositionIndex(inputIds.getManager(), (int) inputIds.getShape().get(1));
        for (Layer layer : layers) {
            x = LayerScope.run(x, in -> layer(layer, in, allowed, positions)); // (B, S, hidden)
        }
        return x;
    }

    /** DebertaV2Embeddings: words (+ absolute positions), projection, LayerNorm, padding zeroed. */
    private NDArray embeddings(NDArray inputIds, NDArray attentionMask) { // (B, S) -> (B, S, hidden)
        NDArray x = Embedding.lookup(inputIds, embeddings.wordEmbeddings());                   // (B, S, embedding)
        if (embeddings.positionEmbeddings() != null) {
            long length = inputIds.getShape().get(1);
            NDArray positionIds = inputIds.getManager().arange(0, length, 1, DataType.INT64).expandDims(0); // (1, S)
            x = x.add(Embedding.lookup(positionIds, embeddings.positionEmbeddings()));        // (B, S, embedding)
        }
        if (embeddings.embedProj() != null) {
            x = embeddings.embedProj().forward(x);                                          // (B, S, hidden)
        }
        x = embeddings.layerNorm().forward(x, config.layerNormEps());                       // (B, S, hidden)
        return x.mul(attentionMask.toType(DataType.FLOAT32, false).expandDims(2));         // (B, S, hidden)
    }

    /** DebertaV2Encoder.get_attention_mask: query i may see key j iff both are real tokens. */
    private static NDArray attentionAllowed(NDArray attentionMask) { // (B, S) -> (B, 1, S, S)
        NDArray real = attentionMask.eq(1);                          // (B, S)
        return real.expandDims(2).logicalAnd(real.expandDims(1)).expandDims(1); // (B, 1, S, S)
    }

    /**
     * The gather indices of c2p and p2c, each (S, S): c2p reads query i's row at clamp(rel(i, j) + span), p2c reads
     * key a's row at clamp(-rel(a, b) + span) (and is transposed after), rel being the bucketed query - key distance
     * of build_relative_position. Null without relative attention.
     */
    private NDArray[] relativePositionIndex(NDManager request, int length) {
        if (!config.relativeAttention()) {
            return null;
        }
        int span = config.attSpan();
        long[] c2p = new long[length * length];
        long[] p2c = new long[length * length];
        for (int i = 0; i < length; i++) {
            for (int j = 0; j < length; j++) {
                long relative = relativePosition(i, j);
                c2p[i * length + j] = clamp(relative + span, 2L * span - 1);
                p2c[i * length + j] = clamp(-relative + span, 2L * span - 1);
            }
        }
        Shape shape = new Shape(length, length);
        return new NDArray[] {request.create(c2p, shape), request.create(p2c, shape)};
    }

    private static long clamp(long value, long max) {
        return Math.max(0, Math.min(value, max));
    }

    /** build_relative_position for query i and key j: i - j, log-bucketed when position_buckets is set. */
    long relativePosition(int query, int key) {
        long relative = query - key;
        int buckets = config.positionBuckets();
        int maxPosition = config.relativePositions();
        return buckets > 0 && maxPosition > 0 ? makeLogBucketPosition(relative, buckets, maxPosition) : relative;
    }

    /**
     * make_log_bucket_position: distances within bucket_size / 2 stay exact, farther ones share logarithmic buckets
     * up to max_position. Computed in float32 as torch computes it, so bucket edges fall where they fall there.
     */
    static long makeLogBucketPosition(long relative, int bucketSize, int maxPosition) {
        int mid = bucketSize / 2;
        long abs = relative < mid && relative > -mid ? mid - 1 : Math.abs(relative);
        if (abs <= mid) {
            return relative;
        }
        float logRatio = (float) Math.log((float) abs / mid);
        float logMax = (float) Math.log((float) ((maxPosition - 1) / (double) mid));
        float logPos = (float) Math.ceil(logRatio / logMax * (mid - 1)) + mid;
        return (long) (logPos * Long.signum(relative));
    }

    /** DebertaV2Layer: attention, then the feed-forward block, each closed by a residual and LayerNorm. */
    private NDArray layer(Layer layer, NDArray x, NDArray allowed, NDArray[] positions) { // (B, S, hidden)
        double eps = config.layerNormEps();
        NDArray context = selfAttention(layer.attentionSelf(), x, allowed, positions);     // (B, S, hidden)
        NDArray attention = output(layer.attentionOutput(), context, x, eps);              // (B, S, hidden)
        NDArray intermediate = Activation.gelu(layer.intermediateDense().forward(attention)); // (B, S, intermediate)
        return output(layer.output(), intermediate, attention, eps);                      // (B, S, hidden)
    }

    /** DisentangledSelfAttention.forward: c2c + c2p + p2c scores, each over sqrt(headDim * scale_factor). */
    private NDArray selfAttention(SelfAttention attn, NDArray x, NDArray allowed, NDArray[] positions) {
        int heads = config.numAttentionHeads();
        int headDim = config.headDim();
        int scaleFactor = 1 + (config.c2p() ? 1 : 0) + (config.p2c() ? 1 : 0);
        double scale = Math.sqrt(headDim * (double) scaleFactor);
        NDArray q = Attention.splitHeads(attn.queryProj().forward(x), heads, headDim);   // (B, heads, S, headDim)
        NDArray k = Attention.splitHeads(attn.keyProj().forward(x), heads, headDim);     // (B, heads, S, headDim)
        NDArray v = Attention.splitHeads(attn.valueProj().forward(x), heads, headDim);   // (B, heads, S, headDim)
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2).div(scale));                 // (B, heads, S, S)
        Shape full = scores.getShape();
        if (config.c2p()) {
            NDArray c2p = q.matMul(attn.posKeyT());                 // (B, heads, S, 2 * span)
            c2p = c2p.gather(Attention.own(q.getManager(), positions[0].broadcast(full)), 3); // (B, heads, S, S)
            scores = scores.add(c2p.div(scale));
        }
        if (config.p2c()) {
            NDArray p2c = k.matMul(attn.posQueryT());                 // (B, heads, S, 2 * span)
            p2c = p2c.gather(Attention.own(q.getManager(), positions[1].broadcast(full)), 3)
                    .transpose(0, 1, 3, 2);                                                // (B, heads, S, S)
            scores = scores.add(p2c.div(scale));
        }
        NDArray lowest = x.getManager().create(-Float.MAX_VALUE);                         // torch.finfo.min
        // broadcast views of the pass's arrays belong to this layer, not to the request
        NDArray masked = NDArrays.where(Attention.own(q.getManager(), allowed.broadcast(full)), scores, lowest);
        NDArray out = masked.softmax(3).matMul(v);                                        // (B, heads, S, headDim)
        return Attention.mergeHeads(out);                                                 // (B, S, hidden)
    }

    private static NDArray output(Output output, NDArray hidden, NDArray residual, double eps) {
        return output.layerNorm().forward(output.dense().forward(hidden).add(residual), eps); // (B, S, hidden)
    }

    @Override
    public int maxPositionEmbeddings() {
        // relative attention needs no absolute position table, but the model was trained to this length
        return config.maxPositionEmbeddings();
    }

    @Override
    public long paddingId() {
        return config.padTokenId();
    }
}
