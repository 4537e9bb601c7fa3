package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** nn.Linear: on oneDNN's packed weight, and in int8 (the per-row quantization and both of its matmul's paths). */
class LinearTest {

    @Test
    void quantizationKeepsEachWeightWithinHalfAStepOfItsRow() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            SplittableRandom random = new SplittableRandom(3);
            int out = 37;
            int in = 50;
            float[] w = new float[out * in];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-3, 2)));
            }
            w[5 * in + 7] = 0; // a zero row must not divide by zero
            for (int j = 0; j < in; j++) {
                w[9 * in + j] = 0;
            }
            Linear linear = Linear.quantize(manager.create(w, new Shape(out, in)), null);
            assertEquals(DataType.INT8, linear.weight().getDataType());
            byte[] q = linear.weight().toByteArray();
            float[] scale = linear.scale().toType(DataType.FLOAT32, false).toFloatArray();
            assertEquals(out, scale.length);
            for (int row = 0; row < out; row++) {
                float rowMax = 0;
                int qMax = 0;
                for (int j = 0; j < in; j++) {
                    rowMax = Math.max(rowMax, Math.abs(w[row * in + j]));
                    qMax = Math.max(qMax, Math.abs(q[row * in + j]));
                    float error = Math.abs(w[row * in + j] - q[row * in + j] * scale[row]);
                    // half a step, plus the step's own bfloat16 rounding carried to the largest weights
                    assertTrue(error <= 0.5f * scale[row] + rowMax / 127f * 0.01f,
                            "row " + row + " col " + j + ": error " + error + " at step " + scale[row]);
                }
                assertTrue(qMax <= 127 && (rowMax == 0 ? qMax == 0 : qMax >= 126), "row " + row + ": " + qMax);
            }
        }
    }

    /**
     * The int8 matmul on its two paths. The kernel (at most 32 rows, in-features a multiple of 16) against x W^T on
     * the dequantized weight in float32, within bfloat16 rounding; the GEMM for more rows or other widths against
     * bfloat16's own linear on the weight dequantized to bfloat16, exactly. Inputs: contiguous, strided, unaligned
     * (a row slice of a flat buffer), 3-d.
     */
    @ParameterizedTest
    @CsvSource({"1, 64, 48", "3, 64, 5", "16, 160, 64", "32, 64, 48", "33, 64, 48", "100, 96, 40", "4, 40, 48",
            "2, 172, 64"})
    void int8MatmulEqualsTheDequantizedProduct(int rows, int in, int out) {
        boolean kernel = rows <= Linear.INT8_KERNEL_ROWS && in % 16 == 0;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NDArray weight = manager.randomNormal(new Shape(out, in));
            NDArray bias = Dtype.INT8.cast(manager.randomNormal(new Shape(out)));
            Linear linear = Linear.quantize(weight, bias);
            NDArray dequantized = linear.weight().toType(DataType.FLOAT32, false)
                    .mul(linear.scale().toType(DataType.FLOAT32, false).reshape(out, 1));            // (out, in)
            Linear bfloat16 = new Linear(Dtype.BFLOAT16.cast(dequantized), null);
            NDArray x = Dtype.INT8.cast(manager.randomNormal(new Shape(rows, in)));
            NDArray strided = Dtype.INT8.cast(manager.randomNormal(new Shape(rows, in + 8))).get(":, 8:");
            NDArray unaligned = Dtype.INT8.cast(manager.randomNormal(new Shape(rows * in + 8)))
                    .get("8:").reshape(rows, in);
            for (NDArray input : new NDArray[] {x, strided, unaligned, x.reshape(1, rows, in)}) {
                NDArray y = linear.forward(input);
                long[] expectedShape = input.getShape().getShape().clone();
                expectedShape[expectedShape.length - 1] = out;
                assertArrayEquals(expectedShape, y.getShape().getShape());
                float[] actual = y.toType(DataType.FLOAT32, false).toFloatArray();
                NDArray rowsIn = input.reshape(rows, in);
                if (!kernel) {
                    NDArray expected = bfloat16.forward(rowsIn).add(bias);
                    assertArrayEquals(expected.toType(DataType.FLOAT32, false).toFloatArray(), actual);
                    continue;
                }
                float[] expected = rowsIn.toType(DataType.FLOAT32, false).matMul(dequantized.transpose())
                        .add(bias.toType(DataType.FLOAT32, false)).toFloatArray();
                for (int i = 0; i < expected.length; i++) {
                    // float32 sums of exact products, a bfloat16 result, then the bfloat16 bias added
                    float tolerance = 0.01f * (1 + Math.abs(expected[i]));
                    assertEquals(expected[i], actual[i], tolerance, rows + "x" + in + "->" + out + " element " + i);
                }
            }
        }
    }

    /**
     * oneDNN's linear on a packed bfloat16 weight against libtorch's linear on the weight as stored, within one
     * bfloat16 step of the result, at widths that are and are not multiples of oneDNN's blocks (float32's kernel
     * failed at 80, 112, 128 and 320). The same inputs as the int8 test, with and without a bias.
     */
    @ParameterizedTest
    @CsvSource({"1, 64, 48", "16, 96, 40", "150, 40, 172", "1, 896, 128", "16, 64, 320", "33, 40, 112",
            "2, 172, 80", "5, 48, 1000"})
    void packedBfloat16LinearEqualsLibtorchsLinear(int rows, int in, int out) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NDArray weight = Dtype.BFLOAT16.cast(manager.randomNormal(new Shape(out, in)));
            NDArray bias = Dtype.BFLOAT16.cast(manager.randomNormal(new Shape(out)));
            Linear packed = Linear.of(weight.duplicate(), bias, Dtype.BFLOAT16);
            assertTrue(packed.packed(), "this CPU's oneDNN has bfloat16 kernels (the CI machines' do)");
            assertArrayEquals(new long[] {out, in}, packed.weight().getShape().getShape());
            NDArray x = Dtype.BFLOAT16.cast(manager.randomNormal(new Shape(rows, in)));
            NDArray strided = Dtype.BFLOAT16.cast(manager.randomNormal(new Shape(rows, in + 8))).get(":, 8:");
            NDArray unaligned = Dtype.BFLOAT16.cast(manager.randomNormal(new Shape(rows * in + 8)))
                    .get("8:").reshape(rows, in);
            for (NDArray input : new NDArray[] {x, strided, unaligned, x.reshape(1, rows, in)}) {
                for (NDArray b : new NDArray[] {bias, null}) {
                    NDArray y = new Linear(packed.weight(), null, b, true).forward(input);
                    long[] expectedShape = input.getShape().getShape().clone();
                    expectedShape[expectedShape.length - 1] = out;
                    assertArrayEquals(expectedShape, y.getShape().getShape());
                    float[] actual = y.toType(DataType.FLOAT32, false).toFloatArray();
                    float[] expected = new Linear(weight, b).forward(input).toType(DataType.FLOAT32, false)
                            .toFloatArray();
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(expected[i], actual[i], (1 + Math.abs(expected[i])) / 128,
                                rows + "x" + in + "->" + out + " element " + i);
                    }
                }
            }
        }
    }

    @Test
    void float32WeightsKeepLibtorchsLinear() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            assertFalse(Linear.of(manager.randomNormal(new Shape(128, 64)), null, Dtype.FLOAT32).packed());
        }
    }
}
