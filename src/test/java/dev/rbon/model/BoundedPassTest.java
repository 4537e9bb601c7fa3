package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.rbon.Shared;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bounded passes (docs/memory.md) compute what whole passes compute, and hold only what they should: attention
 * in query chunks (down to one query per chunk) equals attention in one block on real checkpoints and still matches
 * transformers, and after a pass the request's manager holds the same arrays whatever the number of layers and of
 * chunks (each layer's and each chunk's temporaries died with it).
 */
class BoundedPassTest {

    private static final long DEFAULT_BLOCK = DecoderModel.attentionBlockElements();

    @AfterEach
    void restore() {
        DecoderModel.attentionBlockElements(DEFAULT_BLOCK);
    }

    /** One query per attention chunk: every family still matches transformers 5.17 (golden.json). */
    @ParameterizedTest
    @ValueSource(strings = {"llama31", "qwen3", "mistral-sliding", "gemma2", "gemma3", "phi3"})
    void oneQueryPerChunkMatchesTransformers(String name) throws Exception {
        DecoderModel.attentionBlockElements(1);
        DecoderFamiliesTest.assertMatchesGolden(DecoderFamiliesTest.folder(name), name);
    }

    /**
     * Hidden states of a left-padded batch in chunks of 3 queries equal the whole pass's: the causal edge, the
     * padding and the sliding window (mistral-sliding: 6, gemma2: 5) fall inside and across chunks.
     */
    @ParameterizedTest
    @ValueSource(strings = {"fixtures/hf-tiny/llama", "fixtures/hf-tiny/qwen2", "fixtures/hf-tiny/gpt2",
            "fixtures/hf-tiny-2/mistral-sliding", "fixtures/hf-tiny-2/gemma2", "fixtures/hf-tiny-2/phi3"})
    void chunkedAttentionEqualsWhole(String name) throws Exception {
        try (CausalLM lm = CausalLM.load(Shared.dir().resolve(name), Device.cpu());
                NDManager manager = lm.newRequestManager()) {
            long[][][] batch = leftPadded(lm.vocabSize(), 3, 17);
            float[] whole = hidden(lm, manager, batch);
            DecoderModel.attentionBlockElements(3L * 4 * 17 * 3); // 3 rows, 4 heads, 17 keys: 3 queries per chunk
            assertArrayEquals(whole, hidden(lm, manager, batch), 1e-5f, name);
        }
    }

    /** BERT's padding-only mask, chunked: the same embeddings. */
    @Test
    void chunkedEncoderEqualsWhole() throws Exception {
        try (Bert bert = Bert.load(Shared.hfTiny("bert"), Device.cpu())) {
            List<String> texts = List.of("a short one", "a rather longer text, with some punctuation, to pad the rest");
            float[][] whole = bert.embed(texts);
            DecoderModel.attentionBlockElements(1);
            float[][] chunked = bert.embed(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(whole[i], chunked[i], 1e-5f, "text " + i);
            }
        }
    }

    /**
     * What a pass leaves in the request's manager does not grow with the layers or the chunks: a Llama of 1 and of
     * 6 layers, in one chunk and in one query per chunk, all hold the same count (inputs, positions, rotary tables,
     * the output, and in one chunk the mask bias every layer shares), where a pass that kept its temporaries would
     * hold ~30 more per layer and per chunk.
     */
    @Test
    void heldArraysDoNotGrowWithLayersOrChunks() {
        int oneLayerOneChunk = heldAfterPass(1, DEFAULT_BLOCK);
        assertTrue(oneLayerOneChunk < 30, "a pass leaves " + oneLayerOneChunk + " arrays");
        assertEquals(oneLayerOneChunk, heldAfterPass(6, DEFAULT_BLOCK), "6 layers");
        assertEquals(oneLayerOneChunk - 1, heldAfterPass(6, 1), "6 layers, one query per chunk: no shared bias");
    }

    private static int heldAfterPass(int layers, long blockElements) {
        try (NDManager weightsManager = NDManager.newBaseManager(Device.cpu());
                NDManager request = NDManager.newBaseManager(Device.cpu())) {
            Llama.Config config = new Llama.Config(64, 32, 48, layers, 4, 2, null, "silu", 128, 1e-6, 10000.0, null,
                    null, false, false, false);
            Llama llama = Llama.load(config, Weights.of(randomWeights(weightsManager, config)), weightsManager,
                    "model");
            DecoderModel.attentionBlockElements(blockElements);
            long[][][] batch = leftPadded(64, 2, 9);
            NDArray out = llama.forward(request.create(batch[0]), request.create(batch[1]), null); // (B, T, hidden)
            assertEquals(new Shape(2, 9, 32), out.getShape());
            return request.getManagedArrays().size();
        }
    }

    private static Map<String, NDArray> randomWeights(NDManager manager, Llama.Config c) {
        int kv = c.numKeyValueHeads() * c.headDim();
        Map<String, long[]> shapes = new HashMap<>(Map.of("model.embed_tokens.weight", new long[] {c.vocabSize(),
                c.hiddenSize()}, "model.norm.weight", new long[] {c.hiddenSize()}));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i;
            shapes.put(p + ".self_attn.q_proj.weight", new long[] {c.hiddenSize(), c.hiddenSize()});
            shapes.put(p + ".self_attn.k_proj.weight", new long[] {kv, c.hiddenSize()});
            shapes.put(p + ".self_attn.v_proj.weight", new long[] {kv, c.hiddenSize()});
            shapes.put(p + ".self_attn.o_proj.weight", new long[] {c.hiddenSize(), c.hiddenSize()});
            shapes.put(p + ".mlp.gate_proj.weight", new long[] {c.intermediateSize(), c.hiddenSize()});
            shapes.put(p + ".mlp.up_proj.weight", new long[] {c.intermediateSize(), c.hiddenSize()});
            shapes.put(p + ".mlp.down_proj.weight", new long[] {c.hiddenSize(), c.intermediateSize()});
            shapes.put(p + ".input_layernorm.weight", new long[] {c.hiddenSize()});
            shapes.put(p + ".post_attention_layernorm.weight", new long[] {c.hiddenSize()});
        }
        Map<String, NDArray> weights = new HashMap<>();
        shapes.forEach((key, shape) -> weights.put(key, manager.randomNormal(0, 0.1f, new Shape(shape),
                ai.djl.ndarray.types.DataType.FLOAT32)));
        return weights;
    }

    /** {ids, mask} of {@code rows} rows of {@code width} slots, row r with 2r pads on the left. */
    private static long[][][] leftPadded(int vocab, int rows, int width) {
        Random random = new Random(3);
        long[][] ids = new long[rows][width];
        long[][] mask = new long[rows][width];
        for (int r = 0; r < rows; r++) {
            for (int t = 2 * r; t < width; t++) {
                ids[r][t] = 1 + random.nextInt(vocab - 1);
                mask[r][t] = 1;
            }
        }
        return new long[][][] {ids, mask};
    }

    /** The body's hidden states at every real slot of the batch. */
    private static float[] hidden(CausalLM lm, NDManager manager, long[][][] batch) {
        try (NDManager pass = manager.newSubManager()) {
            NDArray mask = pass.create(batch[1]);
            NDArray out = lm.hiddenStates(pass.create(batch[0]), mask, null);          // (B, T, hidden)
            return out.mul(mask.expandDims(2).toType(ai.djl.ndarray.types.DataType.FLOAT32, false)).toFloatArray();
        }
    }
}
