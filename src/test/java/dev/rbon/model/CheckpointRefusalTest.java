package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints rbon must refuse at load, each with a message that says what is wrong: made for real in a temporary
 * folder from the llama31 fixture (its config and tokenizer, its weights rewritten with one tensor more or less).
 */
class CheckpointRefusalTest {

    @TempDir
    Path dir;

    private final Path source = DecoderFamiliesTest.folder("llama31");

    @Test
    void refusesPickledWeights() throws IOException {
        copyFolderWithout("model.safetensors");
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2, 'c', 'o', 's', '\n'});
        String message = refusal(IOException.class);
        assertTrue(message.contains("pytorch_model.bin") && message.contains("safe_serialization=True"), message);
    }

    @Test
    void refusesATensorTheConfigDoesNotDescribe() throws IOException {
        copyFolderWithout("model.safetensors");
        Map<String, Tensor> tensors = readTensors();
        tensors.put("model.layers.0.mlp.gate_proj.bias", new Tensor(new float[160], new long[] {160})); // mlp_bias
        writeTensors(tensors);
        String message = refusal(IllegalArgumentException.class);
        assertTrue(message.contains("model.layers.0.mlp.gate_proj.bias") && message.contains("does not use"), message);
    }

    @Test
    void refusesACheckpointLackingATensor() throws IOException {
        copyFolderWithout("model.safetensors");
        Map<String, Tensor> tensors = readTensors();
        tensors.remove("model.layers.1.self_attn.k_proj.weight");
        writeTensors(tensors);
        String message = refusal(IllegalArgumentException.class);
        assertTrue(message.contains("lacks the tensor model.layers.1.self_attn.k_proj.weight"), message);
    }

    @Test
    void refusesAnUnknownRopeTypeNamingTheSupportedOnes() throws IOException {
        copyFolderWithout("config.json");
        ObjectNode config = (ObjectNode) Checkpoint.JSON.readTree(source.resolve("config.json").toFile());
        ((ObjectNode) config.get("rope_scaling")).put("rope_type", "spiral");
        Checkpoint.JSON.writeValue(dir.resolve("config.json").toFile(), config);
        String message = refusal(IllegalArgumentException.class);
        assertTrue(message.contains("rope_type spiral") && message.contains("llama3") && message.contains("yarn"),
                message);
    }

    @Test
    void refusesAnUnknownArchitectureNamingTheSupportedOnes() throws IOException {
        copyFolderWithout("config.json");
        ObjectNode config = (ObjectNode) Checkpoint.JSON.readTree(source.resolve("config.json").toFile());
        config.putArray("architectures").add("FalconForCausalLM");
        Checkpoint.JSON.writeValue(dir.resolve("config.json").toFile(), config);
        String message = refusal(IllegalArgumentException.class);
        assertTrue(message.contains("FalconForCausalLM") && message.contains("Gemma2ForCausalLM"), message);
    }

    private String refusal(Class<? extends Exception> type) {
        return assertThrows(type, () -> CausalLM.load(dir, Device.cpu()).close()).getMessage();
    }

    private void copyFolderWithout(String name) throws IOException {
        try (var files = Files.list(source)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (!file.getFileName().toString().equals(name)) {
                    Files.copy(file, dir.resolve(file.getFileName()));
                }
            }
        }
    }

    /** A tensor's values and shape. */
    record Tensor(float[] values, long[] shape) {}

    private Map<String, Tensor> readTensors() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(source.resolve("model.safetensors"))) {
            for (String name : st.names()) {
                tensors.put(name, new Tensor(st.readFloats(name), st.info(name).shape()));
            }
        }
        return tensors;
    }

    /** safetensors as the format defines it: header length, JSON header, little-endian float32 data. */
    private void writeTensors(Map<String, Tensor> tensors) throws IOException {
        ObjectNode header = Checkpoint.JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, Tensor> t : tensors.entrySet()) {
            ObjectNode info = header.putObject(t.getKey());
            info.put("dtype", "F32");
            for (long d : t.getValue().shape()) {
                info.withArray("shape").add(d);
            }
            long bytes = 4L * t.getValue().values().length;
            info.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = Checkpoint.JSON.writeValueAsBytes(header);
        try (OutputStream out = Files.newOutputStream(dir.resolve("model.safetensors"))) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            for (Tensor t : tensors.values()) {
                ByteBuffer data = ByteBuffer.allocate(4 * t.values().length).order(ByteOrder.LITTLE_ENDIAN);
                data.asFloatBuffer().put(t.values());
                out.write(data.array());
            }
        }
    }
}
