package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.Shared;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default embedder (all-MiniLM-L6-v2 ONNX from the langchain4j jar, on onnxruntime) against onnxruntime's
 * golden outputs, and against the same model as a BertModel on DJL.
 */
class OnnxSentenceEmbedderTest {

    private static final String EATING_FOOD = "A man is eating food.";
    private static final String EATING_BREAD = "A man is eating a piece of bread.";

    private static JsonNode golden;
    private static SentenceEmbedder onnx;
    private static Bert bert;

    /**
     * The same model as a BertModel folder on DJL, with the sentence_bert_config.json of its Hub folder
     * (max_seq_length 256) beside links to the shared files.
     */
    @BeforeAll
    static void load(@TempDir Path folder) throws Exception {
        Path dir = Shared.model("all-minilm-l6-v2");
        golden = Shared.json(dir.resolve("golden.json"));
        onnx = SentenceEmbedder.defaultModel();
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.createSymbolicLink(folder.resolve(file), dir.resolve(file).toAbsolutePath());
        }
        Files.writeString(folder.resolve("sentence_bert_config.json"),
                "{\"max_seq_length\": 256, \"do_lower_case\": false}");
        bert = Bert.load(folder, Device.cpu());
    }

    @AfterAll
    static void close() {
        if (onnx != null) {
            onnx.close();
        }
        if (bert != null) {
            bert.close();
        }
    }

    @Test
    void defaultModelMatchesGoldenOneAtATimeAndInOneBatch() {
        assertEquals(SentenceEmbedder.DEFAULT_MODEL, onnx.name());
        assertEquals(384, onnx.dimension());
        BertTest.checkIds(((OnnxSentenceEmbedder) onnx).tokenizer(), golden); // no padding to 128
        List<String> texts = BertTest.texts(golden);
        float[][] batched = onnx.embed(texts);
        for (int i = 0; i < texts.size(); i++) {
            float[] expected = Shared.floats(golden.get("embeddings").get(i));
            BertTest.checkClose(expected, onnx.embed(List.of(texts.get(i)))[0], "text " + i + " alone");
            BertTest.checkClose(expected, batched[i], "text " + i + " in a padded batch");
        }
    }

    @Test
    void bertModelAndOnnxAgreeOnOneBatch() {
        List<String> texts = BertTest.texts(golden);
        float[][] fromOnnx = onnx.embed(texts);
        float[][] fromBert = bert.embed(texts);
        for (int i = 0; i < texts.size(); i++) {
            BertTest.checkClose(fromOnnx[i], fromBert[i], "text " + i);
        }
    }

    /** SOURCE.md: cos("A man is eating food.", "A man is eating a piece of bread.") = 0.7553. */
    @Test
    void knownPairHasItsKnownCosine() {
        for (SentenceEmbedder embedder : List.of(onnx, bert)) {
            float[][] e = embedder.embed(List.of(EATING_FOOD, EATING_BREAD));
            assertEquals(0.7553, BertTest.cosine(e[0], e[1]), 1e-3, embedder.getClass().getSimpleName());
            assertEquals(1.0, norm(e[0]), 1e-5, "unit length");
        }
    }

    /** Nothing pads to the tokenizer.json's 128, and texts are cut at max_seq_length 256, as sentence-transformers. */
    @Test
    void textsAreTruncatedAtMaxSeqLength256AndNeverPaddedTo128() {
        String text = longText();
        long[] ids = tokenizer().encode(text, false);
        assertEquals(256, ids.length, "truncated at 256, [CLS] and [SEP] included");
        long[] all = new long[0];
        try (TextTokenizer untruncated = openUntruncated()) {
            all = untruncated.encode(text, false);
        }
        assertTrue(all.length > 256 && all.length < 500, "the long text has " + all.length + " tokens");
        String first128 = tokenizer().decode(Arrays.copyOf(all, 126), true); // + [CLS], [SEP]
        String first256 = tokenizer().decode(Arrays.copyOf(all, 254), true);
        assertEquals(128, tokenizer().encode(first128, true).length);
        for (SentenceEmbedder embedder : List.of(onnx, bert)) {
            float[][] e = embedder.embed(List.of(text, first128, first256, text.repeat(3)));
            double cosine = BertTest.cosine(e[0], e[1]);
            assertTrue(cosine < 0.95, embedder.getClass().getSimpleName() + ": cosine " + cosine);
            BertTest.checkClose(e[2], e[0], embedder.getClass().getSimpleName() + ": the first 256 tokens");
            BertTest.checkClose(e[0], e[3], embedder.getClass().getSimpleName() + ": 1500 tokens cut at 256");
        }
        BertTest.checkClose(onnx.embed(List.of(text))[0], bert.embed(List.of(text))[0], "the long text");
    }

    private static TextTokenizer openUntruncated() {
        try {
            return TextTokenizer.open(Shared.model("all-minilm-l6-v2").resolve("tokenizer.json"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void emptyListGivesNoEmbeddings() {
        assertEquals(0, onnx.embed(List.of()).length);
    }

    @Test
    void loadsAnOnnxFileWithItsTokenizerBesideIt(@TempDir Path dir) throws Exception {
        Path model = copyResource(SentenceEmbedder.DEFAULT_MODEL + ".onnx", dir.resolve("minilm.onnx"));
        copyResource(SentenceEmbedder.DEFAULT_MODEL + "-tokenizer.json", dir.resolve("minilm-tokenizer.json"));
        try (SentenceEmbedder fromFile = SentenceEmbedder.load(model, Device.cpu())) {
            assertInstanceOf(OnnxSentenceEmbedder.class, fromFile);
            assertEquals("minilm", fromFile.name());
            assertArrayEquals(onnx.embed(List.of(EATING_FOOD))[0], fromFile.embed(List.of(EATING_FOOD))[0], 1e-6f);
        }
        try (SentenceEmbedder folder = SentenceEmbedder.load(Shared.model("all-minilm-l6-v2"), Device.cpu())) {
            assertInstanceOf(Bert.class, folder);
        }
    }

    @Test
    void embedsFromSeveralThreadsAtOnce() throws Exception {
        List<String> texts = BertTest.texts(golden);
        float[][] expectedOnnx = onnx.embed(texts);
        float[][] expectedBert = bert.embed(texts);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[][]>> onnxRuns = pool.invokeAll(Collections.nCopies(8, () -> onnx.embed(texts)));
            List<Future<float[][]>> bertRuns = pool.invokeAll(Collections.nCopies(8, () -> bert.embed(texts)));
            for (int run = 0; run < 8; run++) {
                assertArrayEquals(expectedOnnx, onnxRuns.get(run).get());
                assertArrayEquals(expectedBert, bertRuns.get(run).get());
            }
        } finally {
            pool.shutdown();
        }
    }

    private static TextTokenizer tokenizer() {
        return ((OnnxSentenceEmbedder) onnx).tokenizer();
    }

    private static double norm(float[] v) {
        double squares = 0;
        for (float x : v) {
            squares += (double) x * x;
        }
        return Math.sqrt(squares);
    }

    private static Path copyResource(String name, Path target) throws Exception {
        try (InputStream in = OnnxSentenceEmbedderTest.class.getResourceAsStream("/" + name)) {
            Files.copy(in, target);
        }
        return target;
    }

    /** About 300 tokens: a first part on cooking, a second on astronomy, so a 128-token prefix means less. */
    private static String longText() {
        String cooking = "The cook chops onions, garlic and fresh tomatoes, then fries them slowly in olive oil "
                + "until the kitchen smells of a summer market. She adds rice, saffron and a little stock, stirs "
                + "the pan, tastes the sauce and sprinkles salt and pepper over the vegetables. Her friends lay "
                + "the table with bread, cheese, olives and a bottle of red wine while the paella simmers. ";
        String astronomy = "Far above the town, telescopes track distant galaxies whose light left them billions "
                + "of years ago. Astronomers measure the spectra of exploding stars to estimate how fast the "
                + "universe expands, and they argue about dark energy, dark matter and the curvature of space. "
                + "Radio dishes listen for pulsars spinning hundreds of times a second, and satellites map the "
                + "faint microwave glow left over from the early universe. Each night new comets, asteroids and "
                + "variable stars are catalogued by automated surveys that scan the whole sky. ";
        return cooking + cooking + astronomy + astronomy;
    }
}
