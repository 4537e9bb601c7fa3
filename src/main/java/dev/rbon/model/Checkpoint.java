package dev.rbon.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A HuggingFace model folder as {@code save_pretrained} writes it: {@code config.json}, weights in
 * {@code model.safetensors} or in shards listed by {@code model.safetensors.index.json}, {@code tokenizer.json},
 * and for causal LMs {@code generation_config.json}.
 *
 * <p>Weights are read only from safetensors: a pickled {@code pytorch_model.bin} can run code when loaded, so a
 * folder with only that is refused with the command that converts it. Every tensor an architecture reads is
 * recorded, and {@link #build} refuses a checkpoint holding tensors the architecture did not consume (a config
 * that does not describe its weights, such as mlp_bias weights under {@code mlp_bias: false}).
 */
public final class Checkpoint implements Weights, AutoCloseable {

    static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path dir;
    private final JsonNode config;
    private final Map<String, SafeTensors> fileOf;
    private final List<SafeTensors> files;
    private final Dtype dtype;
    private final Set<String> consumed = new HashSet<>();

    private Checkpoint(Path dir, JsonNode config, Map<String, SafeTensors> fileOf, List<SafeTensors> files,
            Dtype dtype) {
        this.dir = dir;
        this.config = config;
        this.fileOf = fileOf;
        this.files = files;
        this.dtype = dtype;
    }

    /** A checkpoint whose weights {@link #load} gives in float32. */
    public static Checkpoint open(Path dir) throws IOException {
        return open(dir, Dtype.FLOAT32);
    }

    /** A checkpoint whose weights {@link #load} gives in {@code dtype}, the compute dtype. */
    public static Checkpoint open(Path dir, Dtype dtype) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a folder (expected a HuggingFace checkpoint folder)");
        }
        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        Map<String, SafeTensors> fileOf = new HashMap<>();
        List<SafeTensors> files = new ArrayList<>();
        try {
            for (Path file : weightFiles(dir)) {
                SafeTensors st = SafeTensors.open(file);
                files.add(st);
                st.names().forEach(name -> fileOf.put(name, st));
            }
        } catch (IOException | RuntimeException e) {
            for (SafeTensors st : files) {
                st.close();
            }
            throw e;
        }
        return new Checkpoint(dir, config, fileOf, files, dtype);
    }

    private static Set<Path> weightFiles(Path dir) throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        Set<Path> files = new LinkedHashSet<>();
        if (Files.exists(index)) {
            for (Iterator<JsonNode> it = JSON.readTree(index.toFile()).get("weight_map").elements(); it.hasNext(); ) {
                files.add(dir.resolve(it.next().asText()));
            }
        } else if (Files.exists(dir.resolve("model.safetensors"))) {
            files.add(dir.resolve("model.safetensors"));
        } else if (Files.exists(dir.resolve("pytorch_model.bin"))
                || Files.exists(dir.resolve("pytorch_model.bin.index.json"))) {
            throw new IOException(dir + " has its weights only in pytorch_model.bin, a pickle, which can run code"
                    + " when loaded: rbon reads safetensors only. Convert it once where you trust the file, e.g. "
                    + "python -c \"from transformers import AutoModel; AutoModel.from_pretrained('" + dir
                    + "').save_pretrained('" + dir + "', safe_serialization=True)\" (use the checkpoint's own"
                    + " class, e.g. AutoModelForCausalLM, so the head is kept), or with the safetensors package:"
                    + " safetensors.torch.save_file(torch.load('pytorch_model.bin'), 'model.safetensors',"
                    + " metadata={'format': 'pt'})");
        } else {
            throw new IOException(dir + " has neither model.safetensors nor model.safetensors.index.json");
        }
        return files;
    }

    /** Builds a model from a checkpoint's weights into the manager it is given. */
    @FunctionalInterface
    interface ModelBuilder<T> {
        T build(Checkpoint checkpoint, NDManager manager) throws IOException;
    }

    /**
     * Opens {@code dir} and builds a model from it into a new manager on {@code device}, which is then capped: with
     * every weight loaded, an op that would attach a request's array to the model fails loudly instead of leaking.
     * The manager is closed if building fails.
     */
    static <T> T build(Path dir, Device device, ModelBuilder<T> builder) throws IOException {
        return build(dir, device, Dtype.FLOAT32, builder);
    }

    /**
     * The same with weights in {@code dtype}; a checkpoint holding tensors the builder did not read is refused,
     * naming them.
     */
    static <T> T build(Path dir, Device device, Dtype dtype, ModelBuilder<T> builder) throws IOException {
        NDManager manager = NDManager.newBaseManager(device);
        try (Checkpoint checkpoint = open(dir, dtype)) {
            T model = builder.build(checkpoint, manager);
            checkpoint.requireAllConsumed();
            manager.cap();
            return model;
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public Path dir() {
        return dir;
    }

    public JsonNode config() {
        return config;
    }

    /** config.json read into an architecture's config record. */
    public <T> T config(Class<T> type) {
        return config(type, Map.of());
    }

    /**
     * config.json read into a config record, with a family's defaults (its transformers config class's) for the
     * keys config.json does not have. A key present as null stays null (transformers' None).
     */
    public <T> T config(Class<T> type, Map<String, ?> defaults) {
        try {
            return JSON.treeToValue(withDefaults(defaults), type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve("config.json") + ": " + e.getMessage(), e);
        }
    }

    /** config.json with {@code defaults} filled in where it lacks a key. */
    public ObjectNode withDefaults(Map<String, ?> defaults) {
        ObjectNode out = ((ObjectNode) config).deepCopy();
        defaults.forEach((key, value) -> {
            if (!out.has(key)) {
                out.set(key, JSON.valueToTree(value));
            }
        });
        return out;
    }

    /** The compute dtype {@link #load} gives weights in. */
    @Override
    public Dtype dtype() {
        return dtype;
    }

    /** The first of config.json's {@code architectures}, e.g. {@code LlamaForCausalLM}. */
    public String architecture() {
        JsonNode architectures = config.path("architectures");
        if (!architectures.isArray() || architectures.isEmpty()) {
            throw new IllegalArgumentException(dir.resolve("config.json") + " names no architectures");
        }
        return architectures.get(0).asText();
    }

    /** Parameters stored in the checkpoint (a tied lm_head is stored, and counted, once). */
    public long parameterCount() {
        long total = 0;
        for (SafeTensors file : files) {
            for (String name : file.names()) {
                total += file.info(name).elements();
            }
        }
        return total;
    }

    @Override
    public boolean has(String key) {
        return fileOf.containsKey(key);
    }

    /** The weight named {@code key} in the compute dtype, owned by {@code manager}; it counts as consumed. */
    @Override
    public NDArray load(NDManager manager, String key) {
        return load(manager, key, dtype);
    }

    /** The weight named {@code key} in float32 whatever the compute dtype (Gemma's norms); it counts as consumed. */
    @Override
    public NDArray loadFloat32(NDManager manager, String key) {
        return load(manager, key, Dtype.FLOAT32);
    }

    private NDArray load(NDManager manager, String key, Dtype as) {
        SafeTensors file = fileOf.get(key);
        if (file == null) {
            throw new IllegalArgumentException(dir + " lacks the tensor " + key + ", which " + architecture()
                    + " with this config.json needs");
        }
        consumed.add(key);
        return file.load(manager, key, as);
    }

    /** Marks a stored buffer the architecture ignores as transformers does (GPT-2's causal-mask {@code attn.bias}). */
    void skip(String key) {
        consumed.add(key);
    }

    /**
     * Refuses a checkpoint with tensors no loader read. Old checkpoints' per-layer {@code rotary_emb.inv_freq}
     * buffers are exempt: transformers ignores them too and recomputes the frequencies from the config.
     */
    void requireAllConsumed() {
        List<String> unused = new ArrayList<>(new TreeSet<>(fileOf.keySet()));
        unused.removeIf(key -> consumed.contains(key) || key.endsWith("rotary_emb.inv_freq"));
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException(dir + " holds " + unused.size() + " tensor(s) that " + architecture()
                    + " with this config.json does not use: " + (unused.size() > 12 ? unused.subList(0, 12)
                    + " ..." : unused) + ". The config does not describe these weights (for example mlp_bias or"
                    + " attention_bias false while biases are stored), so rbon refuses rather than ignore them");
        }
    }

    /** The ids that end generation: generation_config.json's {@code eos_token_id}, else config.json's. */
    public long[] eosTokenIds() throws IOException {
        return eosTokenIds(dir, config);
    }

    /** As {@link #eosTokenIds()}, for a folder read without its weights ({@link CausalLMText}). */
    static long[] eosTokenIds(Path dir, JsonNode config) throws IOException {
        Path generationConfig = dir.resolve("generation_config.json");
        JsonNode eos = Files.exists(generationConfig)
                ? JSON.readTree(generationConfig.toFile()).path("eos_token_id")
                : config.path("eos_token_id");
        if (eos.isMissingNode() || eos.isNull()) {
            eos = config.path("eos_token_id");
        }
        if (eos.isArray()) {
            long[] ids = new long[eos.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = eos.get(i).asLong();
            }
            return ids;
        }
        return eos.isNumber() ? new long[] {eos.asLong()} : new long[0];
    }

    public TextTokenizer tokenizer() throws IOException {
        return TextTokenizer.open(dir.resolve("tokenizer.json"));
    }

    @Override
    public void close() throws IOException {
        for (SafeTensors file : files) {
            file.close();
        }
    }
}
