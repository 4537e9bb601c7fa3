package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fused ops of make_fused_ops.py (rms_norm.pt, rotary.pt, eager_attention.pt, cached_attention.pt, gated_act.pt)
 * against the op-by-op path the lab trains through, on random shapes in float32 and bfloat16. The parity suites check
 * both against transformers on real checkpoints; this checks the corners they do not reach: partial rotary, Gemma's
 * (1 + w) norm, soft-capping, grouped heads, left padding, sliding windows, queries split into chunks and a cache
 * written over several steps.
 */
class FusedOpsTest {

    private static final int CASES = 40;

    @ParameterizedTest
    @EnumSource(value = Dtype.class, names = {"FLOAT32", "BFLOAT16"})
    void rmsNormEqualsItsOpByOpPath(Dtype dtype) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            SplittableRandom random = new SplittableRandom(11);
            for (int c = 0; c < CASES; c++) {
                int dim = random.nextInt(1, 300);
                Shape shape = new Shape(random.nextInt(1, 4), random.nextInt(1, 6), dim);
                NDArray x = dtype.cast(normal(manager, random, shape, Math.pow(10, random.nextInt(-2, 3))));
                boolean gemma = random.nextBoolean();
                NDArray weight = normal(manager, random, new Shape(dim), 1);
                RmsNorm norm = new RmsNorm(gemma ? weight : dtype.cast(weight), 1e-6f, gemma, dtype);
                assertClose(norm.opByOp(x), norm.forward(x), dtype, "case " + c + " " + shape + " gemma " + gemma);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Dtype.class, names = {"FLOAT32", "BFLOAT16"})
    void rotaryEqualsItsOpByOpPathExactly(Dtype dtype) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            SplittableRandom random = new SplittableRandom(12);
            for (int c = 0; c < CASES; c++) {
                int headDim = 2 * random.nextInt(1, 40);
                int rotaryDim = random.nextBoolean() ? headDim : 2 * random.nextInt(1, headDim / 2 + 1);
                long rows = random.nextInt(1, 4);
                long tokens = random.nextInt(1, 7);
                NDArray q = dtype.cast(normal(manager, random, new Shape(rows, 4, tokens, headDim), 1));
                NDArray k = dtype.cast(normal(manager, random, new Shape(rows, 2, tokens, headDim), 1));
                Shape table = new Shape(rows, 1, tokens, rotaryDim);
                NDList cosSin = new NDList(dtype.cast(normal(manager, random, table, 1)),
                        dtype.cast(normal(manager, random, table, 1)));
                NDList fused = RotaryEmbedding.apply(q, k, cosSin, false);
                NDList opByOp = RotaryEmbedding.apply(q, k, cosSin, true);
                for (int i = 0; i < 2; i++) {
                    assertArrayEquals(floats(opByOp.get(i)), floats(fused.get(i)),
                            "case " + c + " head_dim " + headDim + " rotary " + rotaryDim);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Dtype.class, names = {"FLOAT32", "BFLOAT16"})
    void attentionEqualsItsOpByOpPath(Dtype dtype) {
        long saved = Attention.blockElements;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            SplittableRandom random = new SplittableRandom(13);
            for (int c = 0; c < CASES; c++) {
                int rows = random.nextInt(1, 4);
                int kvHeads = random.nextInt(1, 3);
                int heads = kvHeads * random.nextInt(1, 4);
                int headDim = random.nextInt(1, 33);
                int slots = random.nextInt(1, 20);
                int tokens = random.nextInt(1, slots + 1);
                long[][] maskRows = new long[rows][slots];
                for (long[] row : maskRows) {
                    int padding = random.nextInt(0, slots - tokens + 1); // left padding, never over the queries
                    for (int j = padding; j < slots; j++) {
                        row[j] = 1;
                    }
                }
                int window = random.nextBoolean() ? 0 : random.nextInt(1, slots + 1);
                Double softcap = random.nextBoolean() ? null : random.nextDouble(1, 50);
                double scale = 1 / Math.sqrt(headDim);
                NDArray q = dtype.cast(normal(manager, random, new Shape(rows, heads, tokens, headDim), 2));
                NDArray k = dtype.cast(normal(manager, random, new Shape(rows, kvHeads, slots, headDim), 2));
                NDArray v = dtype.cast(normal(manager, random, new Shape(rows, kvHeads, slots, headDim), 1));
                // one chunk, or chunks of one or a few queries
                Attention.blockElements = random.nextBoolean() ? saved : (long) rows * heads * slots
                        * random.nextInt(1, 3);
                String what = "case " + c + ": B " + rows + " heads " + heads + "/" + kvHeads + " hd " + headDim
                        + " T " + tokens + " S " + slots + " window " + window + " softcap " + softcap
                        + " block " + Attention.blockElements;
                // a fresh mask each side: the whole-pass bias is built once per mask
                NDArray fused = Attention.attention(q, k, v, mask(manager, maskRows, tokens, window), scale, softcap,
                        dtype, false);
                NDArray opByOp = Attention.attention(q, k, v, mask(manager, maskRows, tokens, window), scale,
                        softcap, dtype, true);
                assertClose(opByOp, fused, dtype, what);
            }
        } finally {
            Attention.blockElements = saved;
        }
    }

    /**
     * cached_attention.pt, a layer's attention between its projections in one call, against the same steps one by
     * one ({@link Attention#betweenProjections}'s op-by-op path: heads split, rotary, KV cache update, attention,
     * heads merged): a prompt, left-padded, then a few more
     * steps over the cache (in the first case, enough to outgrow its room), each side with a cache of its own; or no
     * cache (a scoring pass).
     */
    @ParameterizedTest
    @EnumSource(value = Dtype.class, names = {"FLOAT32", "BFLOAT16"})
    void cachedAttentionEqualsTheStepsOneByOne(Dtype dtype) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            SplittableRandom random = new SplittableRandom(15);
            for (int c = 0; c < CASES; c++) {
                int rows = random.nextInt(1, 4);
                int kvHeads = random.nextInt(1, 3);
                int heads = kvHeads * random.nextInt(1, 4);
                int headDim = 2 * random.nextInt(1, 17);
                int rotaryDim = random.nextBoolean() ? headDim : 2 * random.nextInt(1, headDim / 2 + 1);
                Double softcap = random.nextBoolean() ? null : random.nextDouble(1, 50);
                boolean perHead = random.nextBoolean(); // q and k as (B, T, n, hd), as after Qwen3's q/k norms
                SelfAttention.Shape shape = new SelfAttention.Shape(heads, kvHeads, headDim, 1 / Math.sqrt(headDim),
                        softcap, dtype);
                boolean cached = c == 0 || random.nextInt(4) > 0;
                KvCache fusedCache = cached ? new KvCache(manager, 1) : null;
                KvCache stepsCache = cached ? new KvCache(manager, 1) : null;
                int prompt = random.nextInt(1, 9);
                long[][] maskRows = new long[rows][prompt];
                for (long[] row : maskRows) {
                    for (int j = random.nextInt(0, prompt); j < prompt; j++) { // left padding, a real last token
                        row[j] = 1;
                    }
                }
                // the first case decodes long enough to outgrow the cache's room
                int steps = !cached ? 1 : c == 0 ? (int) KvCache.BLOCK + 2 : random.nextInt(1, 5);
                for (int step = 0; step < steps; step++) {
                    int tokens = step == 0 ? prompt : random.nextInt(1, 3);
                    if (step > 0) {
                        maskRows = grown(maskRows, tokens);
                    }
                    NDArray q = dtype.cast(normal(manager, random, new Shape(rows, tokens, heads * headDim), 2));
                    NDArray k = dtype.cast(normal(manager, random, new Shape(rows, tokens, kvHeads * headDim), 2));
                    NDArray v = dtype.cast(normal(manager, random, new Shape(rows, tokens, kvHeads * headDim), 1));
                    if (perHead) {
                        q = q.reshape(rows, tokens, heads, headDim);
                        k = k.reshape(rows, tokens, kvHeads, headDim);
                    }
                    Shape table = new Shape(rows, 1, tokens, rotaryDim);
                    NDList cosSin = new NDList(dtype.cast(normal(manager, random, table, 1)),
                            dtype.cast(normal(manager, random, table, 1)));
                    String what = "case " + c + " step " + step + ": B " + rows + " heads " + heads + "/" + kvHeads
                            + " hd " + headDim + " rotary " + rotaryDim + " T " + tokens + " softcap " + softcap
                            + " cached " + cached + " per head " + perHead;
                    NDArray fused = Attention.cached(q, k, v, cosSin, mask(manager, maskRows, tokens, 0), fusedCache,
                            0, shape);
                    NDArray opByOp = Attention.betweenProjections(q, k, v, cosSin, mask(manager, maskRows, tokens, 0),
                            stepsCache, 0, shape, true);
                    assertClose(opByOp, fused, dtype, what);
                }
            }
        }
    }

    /** The mask with {@code tokens} more real slots. */
    private static long[][] grown(long[][] rows, int tokens) {
        long[][] more = new long[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            more[i] = Arrays.copyOf(rows[i], rows[i].length + tokens);
            Arrays.fill(more[i], rows[i].length, more[i].length, 1);
        }
        return more;
    }

    @ParameterizedTest
    @EnumSource(value = Dtype.class, names = {"FLOAT32", "BFLOAT16"})
    void gatedActivationEqualsItsOpByOpPath(Dtype dtype) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            SplittableRandom random = new SplittableRandom(14);
            for (int c = 0; c < CASES; c++) {
                String act = random.nextBoolean() ? "silu" : "gelu_pytorch_tanh";
                Shape shape = new Shape(random.nextInt(1, 4), random.nextInt(1, 5), random.nextInt(1, 500));
                NDArray gate = dtype.cast(normal(manager, random, shape, Math.pow(10, random.nextInt(-1, 2))));
                NDArray up = dtype.cast(normal(manager, random, shape, 1));
                Linear unused = new Linear(manager.zeros(new Shape(1, 1)), null); // a weight with no gradient
                GatedMlp mlp = new GatedMlp(null, unused, act, dtype);
                assertClose(mlp.actOpByOp(gate).mul(up), mlp.gated(gate, up), dtype, "case " + c + " " + act);
            }
        }
    }

    private static Attention.Mask mask(NDManager manager, long[][] rows, int tokens, int window) {
        return Attention.Mask.causal(manager.create(rows), tokens, window);
    }

    private static NDArray normal(NDManager manager, SplittableRandom random, Shape shape, double std) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return manager.create(values, shape);
    }

    private static float[] floats(NDArray x) {
        return x.toType(DataType.FLOAT32, false).toFloatArray();
    }

    /**
     * Within a few float32 roundings, or two bfloat16 steps: the fused attention multiplies in float32 where the
     * op-by-op path's bfloat16 matmul blocks its float32 sums its own way, and rsqrt is not 1 / sqrt.
     */
    private static void assertClose(NDArray expected, NDArray actual, Dtype dtype, String what) {
        assertEquals(expected.getShape(), actual.getShape(), what);
        float[] e = floats(expected);
        float[] a = floats(actual);
        double tolerance = dtype == Dtype.FLOAT32 ? 1e-5 : 1.0 / 64;
        for (int i = 0; i < e.length; i++) {
            assertTrue(Math.abs(e[i] - a[i]) <= tolerance * (1 + Math.abs(e[i])),
                    what + ": value " + i + " is " + a[i] + ", op by op " + e[i]);
        }
    }
}
