package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * GPT-2, mirroring transformers' modeling_gpt2.py: learned positions, pre-LayerNorm blocks, Conv1D projections
 * (weights stored (in, out), transposed once at load) and the tanh approximation of GELU ({@code gelu_new}).
 */
public final class Gpt2 implements DecoderModel {

    /** config.json; defaults are GPT2Config's. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Config(
            @JsonProperty("vocab_size") int vocabSize,
            @JsonProperty("n_positions") int nPositions,
            @JsonProperty("n_embd") int nEmbd,
            @JsonProperty("n_layer") int nLayer,
            @JsonProperty("n_head") int nHead,
            @JsonProperty("activation_function") String activationFunction,
            @JsonProperty("layer_norm_epsilon") Double layerNormEpsilon,
            @JsonProperty("scale_attn_weights") Boolean scaleAttnWeights,
            @JsonProperty("scale_attn_by_inverse_layer_idx") boolean scaleAttnByInverseLayerIdx,
            @JsonProperty("reorder_and_upcast_attn") boolean reorderAndUpcastAttn) {

        public Config {
            activationFunction = activationFunction == null ? "gelu_new" : activationFunction;
            layerNormEpsilon = layerNormEpsilon == null ? 1e-5 : layerNormEpsilon;
            scaleAttnWeights = scaleAttnWeights == null || scaleAttnWeights;
        }

        int headDim() {
            return nEmbd / nHead;
        }
    }


    record Attn(Linear cAttn, Linear cProj) {}

    record Mlp(Linear cFc, Linear cProj) {}

    record Block(LayerNorm ln1, Attn attn, LayerNorm ln2, Mlp mlp) {}

    private final Config config;
    private final NDArray wte;
    private final NDArray wpe;
    private final Block[] h;
    private final LayerNorm lnF;

    private Gpt2(Config config, NDArray wte, NDArray wpe, Block[] h, LayerNorm lnF) {
        this.config = config;
        this.wte = wte;
        this.wpe = wpe;
        this.h = h;
        this.lnF = lnF;
    }

    /** Reads the body under {@code prefix} ("transformer"; checkpoints from the original GPT-2 release have none). */
    static Gpt2 load(Checkpoint checkpoint, NDManager manager, String prefix) {
        Config config = checkpoint.config(Config.class);
        if (!config.activationFunction().equals("gelu_new")) {
            throw new IllegalArgumentException("activation_function " + config.activationFunction()
                    + " is not supported (only gelu_new)");
        }
        if (config.scaleAttnByInverseLayerIdx() || config.reorderAndUpcastAttn()) {
            throw new IllegalArgumentException("scale_attn_by_inverse_layer_idx / reorder_and_upcast_attn are not supported");
        }
        if (checkpoint.dtype() != Dtype.FLOAT32) {
            throw new IllegalArgumentException("GPT-2 computes in float32 only; set rbon.models.dtype=float32 (or"
                    + " auto on CPU) for " + checkpoint.dir());
        }
        String p = checkpoint.has(prefix + ".wte.weight") ? prefix + "." : "";
        Block[] h = new Block[config.nLayer()];
        for (int i = 0; i < h.length; i++) {
            String b = p + "h." + i;
            for (String buffer : new String[] {".attn.bias", ".attn.masked_bias"}) {
                checkpoint.skip(b + buffer); // causal-mask buffers of old checkpoints; transformers ignores them
            }
            h[i] = new Block(
                    LayerNorm.load(checkpoint, manager, b + ".ln_1"),
                    new Attn(conv1d(checkpoint, manager, b + ".attn.c_attn"), conv1d(checkpoint, manager, b + ".attn.c_proj")),
                    LayerNorm.load(checkpoint, manager, b + ".ln_2"),
                    new Mlp(conv1d(checkpoint, manager, b + ".mlp.c_fc"), conv1d(checkpoint, manager, b + ".mlp.c_proj")));
        }
        return new Gpt2(config, checkpoint.load(manager, p + "wte.weight"), checkpoint.load(manager, p + "wpe.weight"),
                h, LayerNorm.load(checkpoint, manager, p + "ln_f"));
    }

    /** Conv1D stores its weight (in, out); as a Linear it is (out, in). */
    private static Linear conv1d(Checkpoint checkpoint, NDManager manager, String key) {
        NDArray weight = checkpoint.load(manager, key + ".weight");
        NDArray transposed = weight.transpose().duplicate();
        weight.close();
        return Linear.of(transposed, checkpoint.load(manager, key + ".bias"), checkpoint.dtype());
    }

    @Override
    public NDArray forward(NDArray inputIds, NDArray attentionMask, KvCache cache) {
        long newTokens = inputIds.getShape().get(1);
        NDArray positions = Attention.positionIds(attentionMask, newTokens); // (B, T)
        if (positions.max().getLong() >= config.nPositions()) {
            throw new IllegalArgumentException("sequence longer than n_positions " + config.nPositions());
        }
        Attention.Mask mask = Attention.Mask.causal(attentionMask, newTokens, 0);
        NDArray x = Embedding.lookup(inputIds, wte).add(Embedding.lookup(positions, wpe)); // (B, T, nEmbd)
        for (int i = 0; i < h.length; i++) {
            Block block = h[i];
            int layer = i;
            x = LayerScope.run(x, in -> {
                NDArray a = in.add(attention(block.attn(), layer, block.ln1().forward(in, config.layerNormEpsilon()), mask, cache));
                return a.add(mlp(block.mlp(), block.ln2().forward(a, config.layerNormEpsilon())));  // (B, T, nEmbd)
            });
        }
        return lnF.forward(x, config.layerNormEpsilon());
    }

    private NDArray attention(Attn attn, int layer, NDArray x, Attention.Mask mask, KvCache cache) {
        NDList qkv = attn.cAttn().forward(x).split(3, 2);                             // 3 x (B, T, nEmbd)
        NDArray q = Attention.splitHeads(qkv.get(0), config.nHead(), config.headDim()); // (B, heads, T, headDim)
        NDArray k = Attention.splitHeads(qkv.get(1), config.nHead(), config.headDim());
        NDArray v = Attention.splitHeads(qkv.get(2), config.nHead(), config.headDim());
        NDList past = cache == null ? new NDList(k, v) : cache.update(layer, k, v); // (B, heads, S, headDim)
        double scale = config.scaleAttnWeights() ? 1.0 / Math.sqrt(config.headDim()) : 1.0;
        NDArray out = Attention.scaledDotProduct(q, past.get(0), past.get(1), mask, scale); // (B, heads, T, headDim)
        return attn.cProj().forward(Attention.mergeHeads(out));                       // (B, T, nEmbd)
    }

    private static NDArray mlp(Mlp mlp, NDArray x) {
        return mlp.cProj().forward(GatedMlp.geluTanh(mlp.cFc().forward(x))); // (B, T, nEmbd): gelu_new is GELUTanh
    }

    @Override
    public NDArray inputEmbeddings() {
        return wte;
    }

    @Override
    public Dtype dtype() {
        return Dtype.FLOAT32;
    }

    /** GPT-2's lm_head is always its wte. */
    @Override
    public boolean tieWordEmbeddings() {
        return true;
    }

    @Override
    public int numHiddenLayers() {
        return config.nLayer();
    }

    @Override
    public int maxPositionEmbeddings() {
        return config.nPositions();
    }
}
