package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.rbon.Shared;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Loading a tensor onto the device slice by slice gives the values of the whole tensor read at once, for F32,
 * F16 and BF16 files, in float32 and (rounded as torch rounds) in bfloat16, whatever the slice size (forced down to a few rows, so every tensor of a tiny checkpoint
 * takes the many-slices path a 7B model's embeddings take).
 */
class SafeTensorsTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama-f16", "llama-bf16-sharded"})
    void slicedLoadsEqualWholeReads(String fixture) throws Exception {
        List<Path> files;
        try (Stream<Path> listing = Files.list(Shared.hfTiny(fixture))) {
            files = listing.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
        assertTrue(!files.isEmpty(), fixture + " has no safetensors file");
        long wholeSlice = SafeTensors.sliceBytes;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (long slice : new long[] {wholeSlice, 96}) {
                SafeTensors.sliceBytes = slice;
                for (Path file : files) {
                    try (SafeTensors st = SafeTensors.open(file)) {
                        for (String name : st.names()) {
                            try (NDArray loaded = st.load(manager, name, Dtype.FLOAT32);
                                    NDArray bfloat16 = st.load(manager, name, Dtype.BFLOAT16);
                                    NDArray widened = bfloat16.toType(DataType.FLOAT32, false)) {
                                assertArrayEquals(st.info(name).shape(), loaded.getShape().getShape(), name);
                                assertArrayEquals(st.readFloats(name), loaded.toFloatArray(), 0f, name);
                                assertArrayEquals(st.info(name).shape(), widened.getShape().getShape(), name);
                                assertArrayEquals(roundedToBfloat16(st.readFloats(name)), widened.toFloatArray(), 0f,
                                        name + " in bfloat16");
                            }
                        }
                    }
                }
            }
        } finally {
            SafeTensors.sliceBytes = wholeSlice;
        }
        assertEquals(wholeSlice, SafeTensors.sliceBytes);
    }

    /** torch's float32 -> bfloat16: round to nearest, ties to even, on the upper 16 bits. */
    private static float[] roundedToBfloat16(float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            int bits = Float.floatToRawIntBits(values[i]);
            out[i] = Float.intBitsToFloat((bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000);
        }
        return out;
    }
}
