package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.Shared;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Bert against transformers' BertModel + mean pooling (fixtures/hf-tiny/bert) and against onnxruntime on the
 * original all-MiniLM-L6-v2 ONNX (models/all-minilm-l6-v2, run here from its safetensors).
 */
class BertTest {

    private static final float TOLERANCE = 1e-4f;

    @Test
    void tinyBertMatchesTransformersOneAtATimeAndInOneBatch() throws Exception {
        Path dir = Shared.hfTiny("bert");
        JsonNode golden = Shared.json(dir.resolve("golden.json"));
        List<String> texts = texts(golden);
        try (Bert bert = Bert.load(dir, Device.cpu())) {
            checkIds(bert.tokenizer(), golden);
            float[][] batched = bert.embed(texts);
            assertEquals(texts.size(), batched.length);
            for (int i = 0; i < texts.size(); i++) {
                float[] expected = Shared.floats(golden.get("embeddings").get(i));
                assertArrayEquals(expected, bert.embed(List.of(texts.get(i)))[0], TOLERANCE, "text " + i + " alone");
                assertArrayEquals(expected, batched[i], TOLERANCE, "text " + i + " in a padded batch");
            }
        }
    }

    @Test
    void miniLmMatchesOnnxRuntimeGolden() throws Exception {
        Path dir = Shared.model("all-minilm-l6-v2");
        JsonNode golden = Shared.json(dir.resolve("golden.json"));
        List<String> texts = texts(golden);
        try (Bert bert = Bert.load(dir, Device.cpu())) {
            assertEquals(384, bert.dimension());
            assertEquals("all-minilm-l6-v2", bert.name());
            checkIds(bert.tokenizer(), golden);
            float[][] batched = bert.embed(texts);
            for (int i = 0; i < texts.size(); i++) {
                float[] expected = Shared.floats(golden.get("embeddings").get(i));
                checkClose(expected, bert.embed(List.of(texts.get(i)))[0], "text " + i + " alone");
                checkClose(expected, batched[i], "text " + i + " in a padded batch");
            }
        }
    }

    @Test
    void geluIsTheExactErfForm() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            float[] x = {1f, -1f, 2.5f};
            float[] gelu = Activation.gelu(manager.create(x)).toFloatArray();
            // 0.5 x (1 + erf(x / sqrt 2)); the tanh approximation gives 0.841192 at 1 (a 1.5e-4 gap)
            assertArrayEquals(new float[] {0.8413447f, -0.1586553f, 2.4844758f}, gelu, 1e-6f);
        }
    }

    /** Without sentence_bert_config.json the limit is the position table (128 here): longer texts are cut there. */
    @Test
    void truncatesTextsLongerThanItsPositions() throws Exception {
        Path dir = Shared.hfTiny("bert");
        try (Bert bert = Bert.load(dir, Device.cpu())) {
            String tooLong = "The licence grants you the right to copy. ".repeat(20);
            assertEquals(128, bert.tokenizer().encode(tooLong, true).length);
            float[][] e = bert.embed(List.of(tooLong, tooLong + " And more words past the cut."));
            assertArrayEquals(e[0], e[1], 1e-6f, "only the first 128 tokens count");
        }
    }

    /**
     * fixtures/hf-tiny-2/st-bert-cls: a sentence-transformers folder asking for CLS pooling and Normalize
     * (modules.json, 1_Pooling/config.json) and max_seq_length 12, against SentenceTransformer.encode: the long
     * texts are truncated at 12 tokens, never refused.
     */
    @Test
    void sentenceTransformersFolderPoolsAndTruncatesAsItsModulesSay() throws Exception {
        Path dir = Shared.dir().resolve("fixtures/hf-tiny-2/st-bert-cls");
        JsonNode golden = Shared.json(dir.resolve("golden.json"));
        List<String> texts = texts(golden);
        try (SentenceEmbedder embedder = SentenceEmbedder.load(dir, Device.cpu())) {
            Bert bert = (Bert) embedder;
            assertEquals(48, bert.dimension());
            assertTrue(bert.tokenizer().encode(texts.get(0), true).length <= 12);
            float[][] batched = bert.embed(texts);
            for (int i = 0; i < texts.size(); i++) {
                float[] expected = Shared.floats(golden.get("embeddings").get(i));
                assertArrayEquals(expected, bert.embed(List.of(texts.get(i)))[0], TOLERANCE, "text " + i + " alone");
                assertArrayEquals(expected, batched[i], TOLERANCE, "text " + i + " in a padded batch");
            }
        }
    }

    @Test
    void emptyListGivesNoEmbeddings() throws Exception {
        try (Bert bert = Bert.load(Shared.hfTiny("bert"), Device.cpu())) {
            assertEquals(0, bert.embed(List.of()).length);
        }
    }

    @Test
    void refusesFoldersThatAreNotBert() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SentenceEmbedder.load(Shared.hfTiny("llama"), Device.cpu()));
        assertTrue(e.getMessage().contains("LlamaForCausalLM"), e.getMessage());
    }

    static List<String> texts(JsonNode golden) {
        List<String> texts = new ArrayList<>();
        golden.get("texts").forEach(t -> texts.add(t.asText()));
        return texts;
    }

    static void checkIds(TextTokenizer tokenizer, JsonNode golden) {
        for (int i = 0; i < golden.get("texts").size(); i++) {
            assertArrayEquals(Shared.longs(golden.get("ids").get(i)),
                    tokenizer.encode(golden.get("texts").get(i).asText(), true), "ids of text " + i);
        }
    }

    /** Same direction (cosine > 0.9999) and, component by component, within 1e-4. */
    static void checkClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": dimension");
        double cosine = cosine(expected, actual);
        assertTrue(cosine > 0.9999, what + ": cosine " + cosine);
        assertArrayEquals(expected, actual, TOLERANCE, what);
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(aa * bb);
    }
}
