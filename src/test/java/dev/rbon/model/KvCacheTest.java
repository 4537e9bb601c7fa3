package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rbon.Shared;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Incremental decoding with the KV cache equals a full forward pass at every step, in left-padded batches, and
 * each padded row equals the same row decoded alone.
 */
class KvCacheTest {

    /** 72 steps outgrow the cache's room (the prompt + KvCache.BLOCK slots): its arrays are copied into larger ones. */
    @ParameterizedTest
    @CsvSource({"llama,1,6", "llama,8,6", "qwen2,8,6", "gpt2,1,6", "gpt2,8,6", "qwen2,2,72", "gpt2,2,72"})
    void incrementalEqualsFullForward(String name, int batch, int steps) throws Exception {
        try (CausalLM lm = CausalLM.load(Shared.hfTiny(name), Device.cpu()); NDManager manager = lm.newRequestManager()) {
            Random random = new Random(42);
            int width = 12;
            long[][] ids = new long[batch][width + steps];
            long[][] mask = new long[batch][width + steps];
            for (int r = 0; r < batch; r++) {
                int length = width - (batch == 1 ? 0 : r); // row r has r pads on the left
                for (int t = 0; t < width + steps; t++) {
                    boolean real = t >= width - length;
                    ids[r][t] = real ? 1 + random.nextInt(lm.vocabSize() - 1) : 0;
                    mask[r][t] = real ? 1 : 0;
                }
            }
            KvCache cache = lm.newCache(manager);
            for (int step = 0; step <= steps; step++) {
                int from = step == 0 ? 0 : width + step - 1;
                int to = width + step;
                NDArray incremental = lm.forward(slice(manager, ids, from, to), slice(manager, mask, 0, to), cache);
                NDArray full = lm.forward(slice(manager, ids, 0, to), slice(manager, mask, 0, to), null);
                for (int r = 0; r < batch; r++) {
                    float[] expected = full.get(r, to - 1).toFloatArray();
                    assertArrayEquals(expected, incremental.get(r, to - from - 1).toFloatArray(), 1e-4f,
                            name + " row " + r + " step " + step);
                    assertArrayEquals(alone(lm, manager, ids[r], mask[r], to), expected, 1e-4f,
                            name + " padded row " + r + " vs alone, step " + step);
                }
            }
        }
    }

    /**
     * The cache keeps exactly its keys and values, 2 arrays per layer, through prefill, expansion to N rows, steps
     * and dropped rows: a step's temporaries derived from cached arrays (GQA copies, transposed views) must die with
     * the step, or every request holds O(steps x layers) full-length copies until it ends.
     */
    @org.junit.jupiter.api.Test
    void holdsOnlyItsKeysAndValuesAcrossSteps() throws Exception {
        try (CausalLM lm = CausalLM.load(Shared.model("stories260K/hf"), Device.cpu()); // GQA: 8 heads, 4 kv heads
                NDManager manager = lm.newRequestManager();
                KvCache cache = lm.newCache(manager)) {
            int layers = 5;
            long[] prompt = lm.tokenizer().encode("Once upon a time", true);
            try (NDManager step = manager.newSubManager()) {
                lm.forward(step.create(new long[][] {prompt}), step.ones(new ai.djl.ndarray.types.Shape(1, prompt.length),
                        ai.djl.ndarray.types.DataType.INT64), cache);
            }
            cache.expand(8);
            for (int t = 0; t < 2 * KvCache.BLOCK + 8; t++) { // past the cache's room twice
                if (t == 6) {
                    cache.keepRows(manager.create(new long[] {0, 2, 5}));
                }
                int rows = t < 6 ? 8 : 3;
                try (NDManager step = manager.newSubManager()) {
                    long[][] next = new long[rows][1];
                    lm.forward(step.create(next), step.ones(new ai.djl.ndarray.types.Shape(rows, cache.length() + 1),
                            ai.djl.ndarray.types.DataType.INT64), cache);
                }
                org.junit.jupiter.api.Assertions.assertEquals(2 * layers, cache.heldArrays(), "after step " + t);
            }
        }
    }

    /** Last-position logits of the row's real tokens, unpadded, batch of one. */
    private static float[] alone(CausalLM lm, NDManager manager, long[] ids, long[] mask, int to) {
        int pads = 0;
        while (mask[pads] == 0) {
            pads++;
        }
        long[][] row = {java.util.Arrays.copyOfRange(ids, pads, to)};
        long[][] ones = new long[1][to - pads];
        java.util.Arrays.fill(ones[0], 1);
        return lm.forward(manager.create(row), manager.create(ones), null).get(0, to - pads - 1).toFloatArray();
    }

    private static NDArray slice(NDManager manager, long[][] rows, int from, int to) {
        long[][] out = new long[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            out[r] = java.util.Arrays.copyOfRange(rows[r], from, to);
        }
        return manager.create(out);
    }
}
