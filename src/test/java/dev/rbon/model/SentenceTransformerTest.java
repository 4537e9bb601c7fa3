package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.Shared;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every pooling mode against SentenceTransformer.encode (src/test/resources/fixtures/st-pooling, made by the script
 * beside it from fixtures/hf-tiny-2/st-bert-cls with other 1_Pooling configs, legacy flags and the
 * {@code pooling_mode} form), and the modules rbon refuses.
 */
class SentenceTransformerTest {

    static Path stBertCls() {
        return Shared.dir().resolve("fixtures/hf-tiny-2/st-bert-cls");
    }

    /** st-bert-cls's files linked into {@code dir}, with {@code pooling} as 1_Pooling/config.json. */
    static Path layout(Path dir, JsonNode pooling) throws IOException {
        try (var files = Files.list(stBertCls())) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (!name.equals("1_Pooling") && !name.equals("golden.json")) {
                    Files.createSymbolicLink(dir.resolve(name), file.toAbsolutePath());
                }
            }
        }
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.writeString(dir.resolve("1_Pooling/config.json"), pooling.toString());
        return dir;
    }

    @Test
    void everyPoolingModeMatchesSentenceTransformers(@TempDir Path root) throws Exception {
        JsonNode golden = Shared.json(Path.of("src/test/resources/fixtures/st-pooling/golden.json"));
        List<String> texts = BertTest.texts(golden);
        for (Map.Entry<String, JsonNode> config : golden.get("configs").properties()) {
            Path dir = layout(Files.createDirectory(root.resolve(config.getKey().replace('+', '-'))),
                    config.getValue().get("pooling"));
            try (SentenceEmbedder embedder = SentenceEmbedder.load(dir, Device.cpu())) {
                float[][] batched = embedder.embed(texts);
                JsonNode expected = config.getValue().get("embeddings");
                assertEquals(expected.get(0).size(), embedder.dimension(), config.getKey());
                for (int i = 0; i < texts.size(); i++) {
                    assertArrayEquals(Shared.floats(expected.get(i)), batched[i], 1e-4f, config.getKey() + " " + i);
                    assertArrayEquals(Shared.floats(expected.get(i)), embedder.embed(List.of(texts.get(i)))[0], 1e-4f,
                            config.getKey() + " " + i + " alone");
                }
            }
        }
    }

    @Test
    void refusesModulesItDoesNotRun(@TempDir Path dir) throws Exception {
        layout(dir, Shared.json(stBertCls().resolve("1_Pooling/config.json")));
        Files.delete(dir.resolve("modules.json"));
        Files.writeString(dir.resolve("modules.json"), "[{\"idx\": 0, \"path\": \"\", \"type\":"
                + " \"sentence_transformers.models.Transformer\"}, {\"idx\": 1, \"path\": \"2_Dense\", \"type\":"
                + " \"sentence_transformers.models.Dense\"}]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SentenceEmbedder.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("sentence_transformers.models.Dense"), e.getMessage());
    }

    @Test
    void refusesAnUnknownPoolingMode(@TempDir Path dir) throws Exception {
        layout(dir, Checkpoint.JSON.readTree("{\"pooling_mode\": \"median\"}"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SentenceEmbedder.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("median"), e.getMessage());
    }

    @Test
    void aPlainEncoderFolderIsMeanPooledAndCutAtItsPositions() throws Exception {
        SentenceTransformer plain = SentenceTransformer.read(Shared.model("all-minilm-l6-v2"));
        assertEquals(List.of("mean"), plain.poolingModes());
        assertEquals(512, plain.maxSeqLength()); // tokenizer_config.json's model_max_length
        SentenceTransformer st = SentenceTransformer.read(stBertCls());
        assertEquals(List.of("cls"), st.poolingModes());
        assertEquals(12, st.maxSeqLength());
    }
}
