package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rbon.Shared;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DebertaV2ForSequenceClassification (fixtures/hf-tiny-2/reward-deberta-v3, OpenAssistant's reward-model layout)
 * against transformers 5.17: {@code tokenizer(question, answer)} ids exact, logits[0][0] within 1e-3 one pair at a
 * time and in one right-padded batch (padding must not move a score).
 */
class DebertaV2Test {

    static Path folder() {
        return Shared.dir().resolve("fixtures/hf-tiny-2/reward-deberta-v3");
    }

    @Test
    void matchesTransformersOnePairAtATimeAndInOneBatch() throws Exception {
        JsonNode golden = Shared.json(folder().resolve("golden.json"));
        try (SequenceClassifier rm = SequenceClassifier.load(folder(), Device.cpu())) {
            assertTrue(rm.crossEncoder());
            List<long[]> batch = new ArrayList<>();
            for (JsonNode c : golden.get("cases")) {
                long[] ids = rm.tokenizer().encodePair(c.get("question").asText(), c.get("answer").asText());
                assertArrayEquals(Shared.longs(c.get("ids")), ids, "ids of " + c.get("question"));
                assertEquals(c.get("score").asDouble(), rm.score(List.of(ids))[0], 1e-4, "score of " + c.get("question"));
                batch.add(ids);
            }
            assertArrayEquals(Shared.floats(golden.get("scores_right_padded_batch")), rm.score(batch), 1e-4f);
        }
    }

    /**
     * A checkpoint of other choices (src/test/resources/fixtures/deberta-variant, made by the script beside it):
     * separate pos_key_proj / pos_query_proj, absolute positions as well, embed_proj, no rel-embedding LayerNorm,
     * pos_att_type as the v2 string "c2p|p2c", 8 buckets, and a pair long enough to reach the far buckets.
     */
    @Test
    void matchesTransformersOnAnotherLayout(@TempDir Path dir) throws Exception {
        Path variant = Path.of("src/test/resources/fixtures/deberta-variant");
        Files.copy(variant.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(variant.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Files.copy(folder().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        JsonNode golden = Shared.json(variant.resolve("golden.json"));
        try (SequenceClassifier rm = SequenceClassifier.load(dir, Device.cpu())) {
            List<long[]> batch = new ArrayList<>();
            for (JsonNode c : golden.get("cases")) {
                long[] ids = rm.tokenizer().encodePair(c.get("question").asText(), c.get("answer").asText());
                assertArrayEquals(Shared.longs(c.get("ids")), ids);
                assertEquals(c.get("score").asDouble(), rm.score(List.of(ids))[0], 1e-4, "score of " + c.get("question"));
                batch.add(ids);
            }
            assertArrayEquals(Shared.floats(golden.get("scores_right_padded_batch")), rm.score(batch), 1e-4f);
        }
    }

    @Test
    void logBucketsMatchTransformers() {
        // transformers 5.17's make_log_bucket_position(rel, buckets, 512) under torch 2.13: DeBERTa-v3's 256
        // buckets, and the fixture's 32
        long[] relative = {0, 1, -1, 127, 128, 129, 200, -200, 300, 511, -511, 1000, 5, 17, -33, 100};
        long[] buckets256 = {0, 1, -1, 127, 128, 129, 169, -169, 207, 255, -255, 317, 5, 17, -33, 100};
        long[] buckets32 = {0, 1, -1, 25, 26, 26, 27, -27, 29, 31, -31, 34, 5, 17, -20, 24};
        for (int i = 0; i < relative.length; i++) {
            assertEquals(buckets256[i], DebertaV2.makeLogBucketPosition(relative[i], 256, 512), "rel " + relative[i]);
            assertEquals(buckets32[i], DebertaV2.makeLogBucketPosition(relative[i], 32, 512), "rel " + relative[i]);
        }
    }

    @Test
    void refusesTensorsItDoesNotUse(@TempDir Path dir) throws Exception {
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(folder().resolve(file), dir.resolve(file));
        }
        // without the LayerNorm of the relative embeddings, deberta.encoder.LayerNorm.* is left over
        ObjectNode config = (ObjectNode) Shared.json(dir.resolve("config.json"));
        config.put("norm_rel_ebd", "none");
        Files.writeString(dir.resolve("config.json"), config.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SequenceClassifier.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("deberta.encoder.LayerNorm.weight"), e.getMessage());
    }

    @Test
    void refusesTheV2ConvolutionLayer(@TempDir Path dir) throws Exception {
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            Files.copy(folder().resolve(file), dir.resolve(file));
        }
        ObjectNode config = (ObjectNode) Shared.json(dir.resolve("config.json"));
        config.put("conv_kernel_size", 3);
        Files.writeString(dir.resolve("config.json"), config.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SequenceClassifier.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("conv_kernel_size"), e.getMessage());
    }
}
