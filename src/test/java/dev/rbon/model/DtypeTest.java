package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

/** rbon.models.dtype's resolution, and the bfloat16 cast DJL lacks. */
class DtypeTest {

    @Test
    void autoIsFloat32OnCpuAndTheCheckpointsDtypeOnGpu() {
        assertEquals(Dtype.FLOAT32, Dtype.resolve("auto", "bfloat16", Device.cpu()));
        assertEquals(Dtype.BFLOAT16, Dtype.resolve("auto", "bfloat16", Device.gpu()));
        assertEquals(Dtype.FLOAT32, Dtype.resolve("auto", "float64", Device.gpu()));
        assertEquals(Dtype.BFLOAT16, Dtype.resolve("bfloat16", "float32", Device.cpu()));
        assertEquals(Dtype.INT8, Dtype.resolve("int8", "bfloat16", Device.cpu()));
        assertEquals(Dtype.FLOAT32, Dtype.resolve("auto", "int8", Device.gpu()));
        String message = assertThrows(IllegalArgumentException.class, () -> Dtype.of("fp8")).getMessage();
        assertTrue(message.contains("fp8") && message.contains("bfloat16") && message.contains("int8"), message);
        message = assertThrows(IllegalArgumentException.class, () -> Dtype.resolve("int8", null, Device.gpu()))
                .getMessage();
        assertTrue(message.contains("int8") && message.contains("GPU"), message);
    }

    @Test
    void bfloat16RoundsToNearestEvenAndStaysWithTheCallersManager() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NDManager request = manager.newSubManager();
            NDArray x = request.create(new float[] {1.0f, 1.00390625f, 1.01171875f, 3.14159f});
            NDArray bf16 = Dtype.BFLOAT16.cast(x);
            assertSame(request, bf16.getManager());
            // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1); 1 + 3 * 2^-8 rounds up to 1 + 2^-6
            float[] back = bf16.toType(DataType.FLOAT32, false).toFloatArray();
            assertEquals(1.0f, back[0]);
            assertEquals(1.0f, back[1]);
            assertEquals(1.015625f, back[2]);
            assertEquals(3.140625f, back[3]);
            request.close();
            assertTrue(bf16.isReleased());
        }
    }
}
