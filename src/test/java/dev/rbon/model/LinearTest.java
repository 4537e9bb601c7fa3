package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
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

/** nn.Linear: through oneDNN, and in int8 (the per-row quantization and both of its matmul's paths). */
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
     * oneDNN's linear against libtorch's on the weight as stored: on a packed bfloat16 weight within one bfloat16
     * step of the result, on a float32 weight within float32 rounding of sums of {@code in} products. The widths
     * are and are not multiples of oneDNN's blocks (a packed float32 weight failed at 80, 112, 128 and 320). The same
     * inputs as the int8 test, with and without a bias.
     */
    @ParameterizedTest
    @CsvSource({"BFLOAT16, 1, 64, 48", "BFLOAT16, 16, 96, 40", "BFLOAT16, 150, 40, 172", "BFLOAT16, 1, 896, 128",
            "BFLOAT16, 16, 64, 320", "BFLOAT16, 33, 40, 112", "BFLOAT16, 2, 172, 80", "BFLOAT16, 5, 48, 1000",
            "FLOAT32, 1, 64, 48", "FLOAT32, 16, 96, 40", "FLOAT32, 150, 40, 172", "FLOAT32, 1, 896, 128",
            "FLOAT32, 16, 64, 320", "FLOAT32, 33, 40, 112", "FLOAT32, 2, 172, 80", "FLOAT32, 600, 48, 1000"})
    void oneDnnLinearEqualsLibtorchsLinear(Dtype dtype, int rows, int in, int out) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NDArray weight = dtype.cast(manager.randomNormal(new Shape(out, in)));
            NDArray bias = dtype.cast(manager.randomNormal(new Shape(out)));
            Linear linear = Linear.of(weight.duplicate(), bias, dtype);
            assertTrue(linear.oneDnn(), "this CPU's oneDNN takes " + dtype + " (the CI machines' does)");
            assertArrayEquals(new long[] {out, in}, linear.weight().getShape().getShape());
            NDArray x = dtype.cast(manager.randomNormal(new Shape(rows, in)));
            NDArray strided = dtype.cast(manager.randomNormal(new Shape(rows, in + 8))).get(":, 8:");
            NDArray unaligned = dtype.cast(manager.randomNormal(new Shape(rows * in + 8))).get("8:").reshape(rows, in);
            for (NDArray input : new NDArray[] {x, strided, unaligned, x.reshape(1, rows, in)}) {
                for (NDArray b : new NDArray[] {bias, null}) {
                    NDArray y = new Linear(linear.weight(), null, b, true).forward(input);
                    long[] expectedShape = input.getShape().getShape().clone();
                    expectedShape[expectedShape.length - 1] = out;
                    assertArrayEquals(expectedShape, y.getShape().getShape());
                    float[] actual = y.toType(DataType.FLOAT32, false).toFloatArray();
                    float[] expected = new Linear(weight, b).forward(input).toType(DataType.FLOAT32, false)
                            .toFloatArray();
                    float step = dtype == Dtype.FLOAT32 ? 1e-6f * in : 1f / 128;
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(expected[i], actual[i], step * (1 + Math.abs(expected[i])),
                                dtype + " " + rows + "x" + in + "->" + out + " element " + i);
                    }
                }
            }
        }
    }

    /** float32 weights are not reordered (oneDNN's packed float32 kernel gave wrong sums): the array is the one given. */
    @Test
    void float32WeightsStayAsStored() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NDArray weight = manager.randomNormal(new Shape(128, 64));
            assertSame(weight, Linear.of(weight, null, Dtype.FLOAT32).weight());
        }
    }
}
