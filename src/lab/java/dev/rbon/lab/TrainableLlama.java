package dev.rbon.lab;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rbon.model.Llama;
import dev.rbon.model.SafeTensors;
import dev.rbon.model.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A small Llama whose weights are trainable DJL arrays, run by the same {@link Llama} code that serves
 * checkpoints: LlamaForCausalLM with tied embeddings (the policy), or LlamaForSequenceClassification with a
 * one-label {@code score} head (a reward model). {@link #save} writes a HuggingFace folder that
 * {@code CausalLM.load} / {@code SequenceClassifier.load} read unchanged.
 */
final class TrainableLlama implements AutoCloseable {

    /** The sizes of a lab model. */
    record Size(int hiddenSize, int intermediateSize, int layers, int heads) {}

    static final int MAX_POSITIONS = 256;
    private static final double INIT_STD = 0.02;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Llama.Config config;
    private final boolean rewardModel;
    private final List<String> vocab;
    private final NDManager manager;
    private final Map<String, NDArray> params;
    private final Llama body;

    private TrainableLlama(Llama.Config config, boolean rewardModel, List<String> vocab, NDManager manager,
            Map<String, NDArray> params) {
        this.config = config;
        this.rewardModel = rewardModel;
        this.vocab = vocab;
        this.manager = manager;
        this.params = params;
        this.body = Llama.load(config, Weights.of(params), manager, "model");
    }

    /** Fresh weights: normal(0, 0.02), residual outputs scaled by 1/sqrt(2 layers) as GPT-2 does, norms at 1. */
    static TrainableLlama init(Size size, List<String> vocab, boolean rewardModel, long seed) {
        Llama.Config config = new Llama.Config(vocab.size(), size.hiddenSize(), size.intermediateSize(),
                size.layers(), size.heads(), size.heads(), size.hiddenSize() / size.heads(), "silu", MAX_POSITIONS,
                1e-6, 10000.0, null, null, false, !rewardModel, false);
        Random rng = new Random(seed);
        NDManager manager = NDManager.newBaseManager();
        Map<String, NDArray> params = new LinkedHashMap<>();
        int h = size.hiddenSize();
        int f = size.intermediateSize();
        double residualStd = INIT_STD / Math.sqrt(2.0 * size.layers());
        params.put("model.embed_tokens.weight", normal(manager, rng, INIT_STD, vocab.size(), h));
        for (int i = 0; i < size.layers(); i++) {
            String p = "model.layers." + i;
            params.put(p + ".self_attn.q_proj.weight", normal(manager, rng, INIT_STD, h, h));
            params.put(p + ".self_attn.k_proj.weight", normal(manager, rng, INIT_STD, h, h));
            params.put(p + ".self_attn.v_proj.weight", normal(manager, rng, INIT_STD, h, h));
            params.put(p + ".self_attn.o_proj.weight", normal(manager, rng, residualStd, h, h));
            params.put(p + ".mlp.gate_proj.weight", normal(manager, rng, INIT_STD, f, h));
            params.put(p + ".mlp.up_proj.weight", normal(manager, rng, INIT_STD, f, h));
            params.put(p + ".mlp.down_proj.weight", normal(manager, rng, residualStd, h, f));
            params.put(p + ".input_layernorm.weight", manager.ones(new Shape(h)));
            params.put(p + ".post_attention_layernorm.weight", manager.ones(new Shape(h)));
        }
        params.put("model.norm.weight", manager.ones(new Shape(h)));
        if (rewardModel) {
            params.put("score.weight", normal(manager, rng, INIT_STD, 1, h));
        }
        params.values().forEach(p -> p.setRequiresGradient(true));
        return new TrainableLlama(config, rewardModel, vocab, manager, params);
    }

    /**
     * A reward model whose body starts from a trained policy's weights (as InstructGPT's reward models start from
     * the SFT model), with a fresh {@code score} head: the body already knows the answers, the head learns what
     * the annotator prefers. The policy's lm_head (tied to the embeddings) is not used.
     */
    static TrainableLlama rewardFromPolicy(Path policyDir, Size size, List<String> vocab, long seed) throws IOException {
        TrainableLlama model = init(size, vocab, true, seed);
        try (SafeTensors policy = SafeTensors.open(policyDir.resolve("model.safetensors"))) {
            for (Map.Entry<String, NDArray> e : model.params.entrySet()) {
                if (policy.names().contains(e.getKey())) {
                    NDArray p = e.getValue();
                    if (!Arrays.equals(policy.info(e.getKey()).shape(), p.getShape().getShape())) {
                        throw new IllegalArgumentException(e.getKey() + " has another shape in " + policyDir);
                    }
                    p.set(policy.readFloats(e.getKey()));
                }
            }
        }
        return model;
    }

    private static NDArray normal(NDManager manager, Random rng, double std, int rows, int cols) {
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (rng.nextGaussian() * std);
        }
        return manager.create(values, new Shape(rows, cols));
    }

    List<NDArray> parameters() {
        return new ArrayList<>(params.values());
    }

    /** The parameters by checkpoint key. */
    Map<String, NDArray> namedParameters() {
        return Collections.unmodifiableMap(params);
    }

    long parameterCount() {
        return params.values().stream().mapToLong(NDArray::size).sum();
    }

    /** Hidden states; the result belongs to the manager of {@code inputIds}. */
    NDArray hidden(NDArray inputIds, NDArray attentionMask) { // (B, T) -> (B, T, hidden)
        return body.forward(inputIds, attentionMask, null);
    }

    /** The tied lm_head: next-token logits. */
    NDArray logits(NDArray hidden) { // (B, T, hidden) -> (B, T, vocab)
        return ai.djl.nn.core.Linear.linear(hidden, params.get("model.embed_tokens.weight")).singletonOrThrow();
    }

    /** The reward head at every position. */
    NDArray scores(NDArray hidden) { // (B, T, hidden) -> (B, T)
        return ai.djl.nn.core.Linear.linear(hidden, params.get("score.weight")).singletonOrThrow().squeeze(2);
    }

    /** A HuggingFace folder: config.json, model.safetensors, tokenizer files, generation_config.json. */
    void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, SafeTensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        params.forEach((name, array) ->
                tensors.put(name, new SafeTensorsWriter.Tensor(array.toFloatArray(), array.getShape().getShape())));
        SafeTensorsWriter.write(dir.resolve("model.safetensors"), tensors);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), configJson());
        WordTokenizer.write(dir.resolve("tokenizer.json"), vocab);
        WordTokenizer.writeConfig(dir.resolve("tokenizer_config.json"), MAX_POSITIONS);
        if (!rewardModel) {
            ObjectNode generation = JSON.createObjectNode();
            generation.put("bos_token_id", WordTokenizer.BOS_ID).put("eos_token_id", WordTokenizer.EOS_ID)
                    .put("pad_token_id", WordTokenizer.PAD_ID);
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("generation_config.json").toFile(), generation);
        }
    }

    private ObjectNode configJson() {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add(rewardModel ? "LlamaForSequenceClassification" : "LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("vocab_size", config.vocabSize());
        c.put("hidden_size", config.hiddenSize());
        c.put("intermediate_size", config.intermediateSize());
        c.put("num_hidden_layers", config.numHiddenLayers());
        c.put("num_attention_heads", config.numAttentionHeads());
        c.put("num_key_value_heads", config.numKeyValueHeads());
        c.put("head_dim", config.headDim());
        c.put("hidden_act", config.hiddenAct());
        c.put("max_position_embeddings", config.maxPositionEmbeddings());
        c.put("rms_norm_eps", config.rmsNormEps());
        c.put("rope_theta", config.theta());
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        c.put("tie_word_embeddings", config.tieWordEmbeddings());
        c.put("bos_token_id", WordTokenizer.BOS_ID);
        c.put("eos_token_id", WordTokenizer.EOS_ID);
        c.put("pad_token_id", WordTokenizer.PAD_ID);
        c.put("torch_dtype", "float32");
        if (rewardModel) {
            c.putObject("id2label").put("0", "LABEL_0");
            c.putObject("label2id").put("LABEL_0", 0);
        }
        return c;
    }

    @Override
    public void close() {
        manager.close();
    }
}
