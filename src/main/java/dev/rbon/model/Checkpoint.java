package dev.rbon.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A HuggingFace model folder as {@code save_pretrained} writes it: {@code config.json}, weights in
 * {@code model.safetensors} or in shards listed by {@code model.safetensors.index.json}, {@code tokenizer.json},
 * and for causal LMs {@code generation_config.json}.
 */
public final class Checkpoint implements Weights, AutoCloseable {

    static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path dir;
    private final JsonNode config;
    private final Map<String, SafeTensors> fileOf;
    private final List<SafeTensors> files;

    private Checkpoint(Path dir, JsonNode config, Map<String, SafeTensors> fileOf, List<SafeTensors> files) {
        this.dir = dir;
        this.config = config;
        this.fileOf = fileOf;
        this.files = files;
    }

    public static Checkpoint open(Path dir) throws IOException {
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
        return new Checkpoint(dir, config, fileOf, files);
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
        NDManager manager = NDManager.newBaseManager(device);
        try (Checkpoint checkpoint = open(dir)) {
            T model = builder.build(checkpoint, manager);
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
        try {
            return JSON.treeToValue(config, type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve("config.json"), e);
        }
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

    /** The weight named {@code key}, as a float32 array owned by {@code manager}. */
    @Override
    public NDArray load(NDManager manager, String key) {
        SafeTensors file = fileOf.get(key);
        if (file == null) {
            throw new IllegalArgumentException("weight " + key + " is missing from " + dir);
        }
        return manager.create(file.readFloats(key), new Shape(file.info(key).shape()));
    }

    /** The ids that end generation: generation_config.json's {@code eos_token_id}, else config.json's. */
    public long[] eosTokenIds() throws IOException {
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
