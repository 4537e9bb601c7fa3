package dev.rbon.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The dtype a model computes in ({@code rbon.models.dtype}): weights are stored in it and the matmuls run in it,
 * while norms, softmax and log-probs accumulate in float32, as transformers does for a model loaded with that
 * {@code dtype}.
 *
 * <p>DJL 0.36's JNI knows no bfloat16 ({@code toType(BFLOAT16)} aborts the JVM), so bfloat16 arrays are made by a
 * one-line TorchScript module ({@code x.to(torch.bfloat16)}, made by src/test/python/make_bfloat16_cast.py). DJL
 * then reports their dtype as UNKNOWN; every op that does not name a dtype works on them, so model code never calls
 * a DJL method that converts a Java number to the array's dtype ({@code mul(Number)}, {@code softmax}) on one:
 * scalars go through {@link #scale}, softmax through float32.
 */
public enum Dtype {
    FLOAT32, BFLOAT16, FLOAT16,
    /**
     * Weight-only int8: each linear layer's matrix is stored in int8 with one scale per output row (symmetric,
     * {@code max |w| / 127}) and multiplied by libtorch's int8 weight kernel ({@link Linear}); activations,
     * embeddings, norms and the KV cache are bfloat16, so everything else runs as {@link #BFLOAT16}.
     */
    INT8;

    /** config.json's name for it ({@code dtype} / {@code torch_dtype}), also what /v1/models reports. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Bytes a parameter holds in memory, at most: int8 keeps its embeddings (and a tied lm_head's int8 copy) beside
     * one-byte matrices, about 1.5 bytes a parameter on Qwen2.5-0.5B, so it counts 2.
     */
    public int bytes() {
        return this == FLOAT32 ? 4 : 2;
    }

    /** {@code float32 | bfloat16 | float16 | int8}; {@code auto} is resolved by {@link #resolve} first. */
    public static Dtype of(String name) {
        for (Dtype dtype : values()) {
            if (dtype.configName().equals(name)) {
                return dtype;
            }
        }
        throw new IllegalArgumentException("rbon.models.dtype=" + name + " is not supported: use auto, float32,"
                + " bfloat16, float16 or int8");
    }

    /**
     * {@code rbon.models.dtype} for a checkpoint on {@code device}: an explicit dtype as given; {@code auto} is the
     * checkpoint's own dtype on a GPU and float32 on a CPU: bfloat16 changes the answers and pays only on CPUs that
     * multiply it natively (AVX-512 BF16, AMX), where it is opt-in (docs/models.md).
     */
    public static Dtype resolve(String setting, String checkpointDtype, Device device) {
        if (!setting.equals("auto")) {
            Dtype dtype = of(setting);
            if (dtype == INT8 && device.isGpu()) {
                throw new IllegalArgumentException("rbon.models.dtype=int8 runs libtorch's CPU int8 weight kernel;"
                        + " use bfloat16, float16 or auto on a GPU");
            }
            return dtype;
        }
        if (device.isGpu()) {
            return Arrays.stream(values()).anyMatch(d -> d != INT8 && d.configName().equals(checkpointDtype))
                    ? of(checkpointDtype) : FLOAT32;
        }
        return FLOAT32;
    }

    /** {@link #resolve} for the checkpoint folder {@code dir}, whose config.json names its stored dtype. */
    public static Dtype forCheckpoint(String setting, Path dir, Device device) throws IOException {
        if (!setting.equals("auto") || !device.isGpu()) {
            return resolve(setting, null, device); // the checkpoint's dtype does not matter
        }
        JsonNode config = Checkpoint.JSON.readTree(dir.resolve("config.json").toFile());
        return resolve(setting, config.path("dtype").asText(config.path("torch_dtype").asText("float32")), device);
    }

    /** {@code x} in this dtype (a float32 array stays itself). */
    public NDArray cast(NDArray x) {
        return switch (this) {
            case FLOAT32 -> x.toType(DataType.FLOAT32, false);
            case FLOAT16 -> x.toType(DataType.FLOAT16, false);
            case BFLOAT16, INT8 -> BfloatCast.MODULE.forward(x);
        };
    }

    /**
     * Zeros of {@code shape} in this dtype, writable in place. bfloat16 ones come from one cast zero broadcast to
     * the shape and cloned (the cast's result is an inference tensor, which libtorch does not let anyone write
     * into), so no float32 array of the whole shape is ever made.
     */
    public NDArray zeros(NDManager manager, Shape shape) {
        return switch (this) {
            case FLOAT32 -> manager.zeros(shape, DataType.FLOAT32);
            case FLOAT16 -> manager.zeros(shape, DataType.FLOAT16);
            case BFLOAT16, INT8 -> {
                try (NDArray zero = manager.zeros(new Shape(1)); NDArray cast = cast(zero);
                        NDArray broadcast = cast.broadcast(shape)) {
                    yield broadcast.duplicate();
                }
            }
        };
    }

    /**
     * {@code x * s} without DJL's {@code mul(Number)}, which converts the number to the array's dtype and so fails
     * on bfloat16: a 0-d float32 tensor does not promote a dimensioned one, so the result keeps {@code x}'s dtype.
     */
    static NDArray scale(NDArray x, double s) {
        return x.mul(x.getManager().create((float) s));
    }

    /** The TorchScript module that makes bfloat16 arrays; loaded once per JVM, on first use. */
    private static final class BfloatCast {
        static final ScriptModule MODULE = new ScriptModule("cast_bfloat16");
    }
}
