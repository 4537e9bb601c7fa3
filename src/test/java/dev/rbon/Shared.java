package dev.rbon;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The reference data in ../shared (tiny HF checkpoints with transformers' outputs, real pretrained models).
 * Tests that need it skip, saying why, only where ../shared is absent; CI always has it.
 */
public final class Shared {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Shared() {}

    public static Path dir() {
        Path dir = Path.of(System.getProperty("shared.dir", "../shared")).toAbsolutePath().normalize();
        assumeTrue(Files.isDirectory(dir), "../shared is absent (" + dir + "): reference fixtures unavailable");
        return dir;
    }

    /** A folder of fixtures/hf-tiny: gpt2, llama, qwen2, reward-gpt2, reward-llama, bert, llama-bf16, ... */
    public static Path hfTiny(String name) {
        return dir().resolve("fixtures/hf-tiny").resolve(name);
    }

    /** A folder of models/: stories260K/hf, all-minilm-l6-v2. */
    public static Path model(String name) {
        return dir().resolve("models").resolve(name);
    }

    public static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    public static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }
}
