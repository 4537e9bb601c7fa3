package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.rbon.Shared;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** q/k/v (and gate/up) as one matmul on stacked rows give each layer's own output; a map's arrays stay apart. */
class MergedLinearTest {

    private static final String[] PREFIXES = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"};

    /** hf-tiny's qwen2: q_proj 64 rows, k_proj and v_proj 32 each, every one with a bias. */
    @ParameterizedTest
    @EnumSource(value = Dtype.class, names = {"FLOAT32", "BFLOAT16", "INT8"})
    void stackedRowsGiveEachLayersOwnOutput(Dtype dtype) throws Exception {
        String[] prefixes = {"model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.k_proj",
            "model.layers.1.self_attn.v_proj"};
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
                Checkpoint checkpoint = Checkpoint.open(Shared.hfTiny("qwen2"), dtype)) {
            MergedLinear merged = MergedLinear.load(checkpoint, manager, true, prefixes);
            assertNotNull(merged.merged(), "a checkpoint's layers are stacked");
            assertNull(merged.apart());
            SplittableRandom random = new SplittableRandom(21);
            for (long rows : new long[] {1, 5, 40}) { // int8's kernel, and its GEMM past 32 rows
                NDArray x = dtype.cast(normal(manager, random, new Shape(rows, 64)));
                NDList outputs = merged.forward(x);
                assertEquals(3, outputs.size());
                for (int i = 0; i < prefixes.length; i++) {
                    float[] expected = floats(Linear.load(checkpoint, manager, prefixes[i], true).forward(x));
                    float[] actual = floats(outputs.get(i));
                    assertEquals(rows * (i == 0 ? 64 : 32), actual.length);
                    double tolerance = dtype == Dtype.FLOAT32 ? 1e-5 : 1.0 / 64;
                    for (int j = 0; j < expected.length; j++) {
                        assertTrue(Math.abs(expected[j] - actual[j]) <= tolerance * (1 + Math.abs(expected[j])),
                                dtype + " rows " + rows + " layer " + i + " value " + j + ": " + actual[j] + " vs "
                                        + expected[j]);
                    }
                }
            }
        }
    }

    @Test
    void aMapsArraysStayApartAndOpen() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            SplittableRandom random = new SplittableRandom(22);
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (String prefix : PREFIXES) {
                arrays.put(prefix + ".weight", normal(manager, random, new Shape(16, 8)));
            }
            MergedLinear apart = MergedLinear.load(Weights.of(arrays), manager, false, PREFIXES);
            assertNull(apart.merged());
            for (int i = 0; i < PREFIXES.length; i++) {
                NDArray lent = arrays.get(PREFIXES[i] + ".weight");
                assertFalse(lent.isReleased(), "a lent array is never closed");
                assertSame(lent, apart.apart()[i].weight(), "a lent array is used as it is");
            }
        }
    }

    private static NDArray normal(NDManager manager, SplittableRandom random, Shape shape) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 0.5);
        }
        return manager.create(values, shape);
    }

    private static float[] floats(NDArray x) {
        return x.toType(DataType.FLOAT32, false).toFloatArray();
    }
}
